// Browser tests: builds the test page, serves it on 127.0.0.1, drives Chromium through
// every view in light and dark themes, asserts what a user must see and writes
// screenshots to artifacts/screenshots/. Exits non-zero when an assertion fails.
//
//   npm run test:browser            (CHROMIUM=/path/to/chromium to override)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { build } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const shots = path.join(here, '..', 'artifacts', 'screenshots');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A static file server for dist/ on 127.0.0.1 and an ephemeral port. */
function serve(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = path.normalize(path.join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Each case: a page, the texts it must show, the sizes to capture. */
const CASES = [
  {
    name: 'panel-single',
    query: 'view=panel&scenario=single',
    sizes: [
      [600, 400],
      [1600, 900],
    ],
    expect: [
      { testId: 'rollout-step', text: 'Step 1/2' },
      { testId: 'rollout-status', text: 'Paused' },
      { testId: 'weights', text: 'Set weight' },
      { testId: 'weights', text: '25%' },
      { testId: 'weights', text: 'Observed traffic' },
      { testId: 'revisions', text: 'rev 30' },
      { testId: 'revisions', text: 'rev 31' },
      { testId: 'revisions', text: 'green' },
      { testId: 'verdict', text: 'Marginal' },
      { testId: 'verdict', text: 'latency p99 is 35% higher on the canary' },
      { testId: 'sparklines', text: 'Latency p99' },
      { testId: 'traces', text: '4 canary traces, 2 failing' },
      { testId: 'step-timeline', text: 'pause ∞' },
    ],
  },
  {
    name: 'panel-minimal',
    query: 'view=panel&scenario=minimal',
    sizes: [[600, 400]],
    expect: [
      { testId: 'rollout-step', text: 'Step 1/2' },
      { testId: 'revisions', text: 'blue' },
    ],
  },
  {
    name: 'panel-list',
    query: 'view=panel&scenario=list',
    sizes: [
      [600, 400],
      [1600, 900],
    ],
    expect: [
      { text: 'canary-demo' },
      { text: 'bluegreen-demo' },
      { text: 'Step 0/8' },
      { text: 'ProgressDeadlineExceeded' },
    ],
  },
  {
    name: 'panel-error',
    query: 'view=panel&scenario=error',
    sizes: [[600, 400]],
    expect: [
      { testId: 'panel-error', text: 'Canary Lens query failed' },
      { testId: 'panel-error', text: 'rollout demo/rollouts-demo not found' },
    ],
  },
  {
    name: 'panel-no-rollout',
    query: 'view=panel&scenario=noRollout',
    sizes: [[600, 400]],
    expect: [{ testId: 'panel-no-rollout', text: 'No rollout selected' }],
  },
  {
    name: 'panel-empty',
    query: 'view=panel&scenario=empty',
    sizes: [[600, 400]],
    expect: [{ testId: 'panel-no-data', text: 'No rollouts found' }],
  },
  {
    name: 'config',
    query: 'view=config',
    sizes: [[1600, 900]],
    fullPage: true,
    expect: [
      { text: 'Kubernetes' },
      { text: 'API server URL' },
      { text: 'Tempo datasource' },
      { text: 'Tempo', testId: 'config-section-Tempo' },
      { text: 'The marginal score must not exceed the pass score' },
    ],
    check: async (page) => {
      const configured = await page.locator('#kube-token').inputValue();
      if (configured !== 'configured') {
        throw new Error(`kube token shows "${configured}", expected "configured"`);
      }
    },
  },
  {
    name: 'query',
    query: 'view=query',
    sizes: [[1600, 900]],
    fullPage: true,
    expect: [{ text: 'Label selector' }, { text: 'Min duration' }, { text: 'Exemplars' }, { text: 'Raw JSON' }],
  },
];

async function main() {
  const started = Date.now();
  await build({ configFile: path.join(here, 'vite.config.ts'), logLevel: 'error' });
  const built = Date.now();
  fs.mkdirSync(shots, { recursive: true });
  const server = await serve(dist);
  const { port } = server.address();
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const failures = [];
  let screenshots = 0;
  try {
    for (const theme of ['light', 'dark']) {
      for (const c of CASES) {
        for (const [w, h] of c.sizes) {
          const page = await browser.newPage({ viewport: { width: c.fullPage ? w : w + 32, height: c.fullPage ? h : h + 32 } });
          const errors = [];
          page.on('pageerror', (e) => errors.push(e.message));
          const label = `${c.name} ${theme} ${w}x${h}`;
          try {
            await page.goto(`http://127.0.0.1:${port}/index.html?${c.query}&theme=${theme}&w=${w}&h=${h}`);
            await page.waitForSelector('[data-ready]', { timeout: 15000 });
            for (const e of c.expect) {
              const scope = e.testId ? page.getByTestId(e.testId).first() : page.locator('body');
              try {
                await scope.getByText(e.text, { exact: false }).first().waitFor({ state: 'visible', timeout: 5000 });
              } catch {
                failures.push(`${label}: "${e.text}" not visible${e.testId ? ` in ${e.testId}` : ''}`);
              }
            }
            if (c.check) {
              await c.check(page).catch((err) => failures.push(`${label}: ${err.message}`));
            }
            if (errors.length > 0) {
              failures.push(`${label}: page errors: ${errors.join('; ')}`);
            }
            const file = path.join(shots, `${c.name}-${theme}-${w}x${h}.png`);
            await page.screenshot({ path: file, fullPage: Boolean(c.fullPage) });
            screenshots++;
          } finally {
            await page.close();
          }
        }
      }
    }
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
  const done = Date.now();
  console.log(
    `browser tests: ${CASES.length} cases × 2 themes, ${screenshots} screenshots in ${path.relative(process.cwd(), shots)}; ` +
      `build ${((built - started) / 1000).toFixed(1)}s, browser ${((done - built) / 1000).toFixed(1)}s`
  );
  if (failures.length > 0) {
    console.error(`${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
