import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./vitest.setup.ts'],
    // @grafana/* ship ESM that imports extension-less paths and CSS: let Vite transform them.
    server: { deps: { inline: [/@grafana/] } },
    testTimeout: 20000,
  },
});
