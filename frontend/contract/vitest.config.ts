// The dashboard contract and its helpers' own tests: `npx vitest run --config
// contract/vitest.config.ts` (run by `cargo test --test dashboard_contract`, which
// provides the Grafana API the contract talks to). Not part of `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    root: new URL('..', import.meta.url).pathname,
    environment: 'jsdom',
    include: ['contract/**/*.test.ts', 'contract/**/*.contract.ts'],
    setupFiles: ['./vitest.setup.ts'],
    // @grafana/* ship ESM that imports extension-less paths and CSS: let Vite transform them.
    server: { deps: { inline: [/@grafana/] } },
    // One process, so the caller can stop the run by its pid.
    pool: 'threads',
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
