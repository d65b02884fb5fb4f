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
// Frames the plugin binary produced (cargo test --test export_frames), served as real-frames/.
const framesDir = process.env.CANARY_LENS_FRAMES_DIR ?? path.join(here, '..', '..', 'target', 'frames');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A static file server for dist/ (and real-frames/ from framesDir) on 127.0.0.1 and an ephemeral port. */
function serve(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const real = pathname.startsWith('/real-frames/');
    const base = real ? framesDir : root;
    const file = path.normalize(path.join(base, real ? pathname.slice('/real-frames'.length) : pathname));
    if (!file.startsWith(base) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Each case: a page, the texts it must show, the sizes to capture. Panel cases read frames
 * the plugin binary produced (target/frames/, see realScenarios.ts); `frames=handmade`
 * marks the one state with no frames at all (no rollout chosen).
 * An expectation with `exact` must be a whole text node (a RegExp `text` is matched as
 * Playwright matches one); `absent` must not be visible.
 */
/** The `options` URL parameter of the test page: panel options as JSON. */
const opts = (o) => `options=${encodeURIComponent(JSON.stringify(o))}`;

/** The Explore state of an internal link's href (Grafana writes `left=`, or `panes=` in newer URLs). */
function exploreState(href) {
  const url = new URL(href ?? '', 'http://grafana');
  if (url.pathname !== '/explore') {
    throw new Error(`${href} is not an Explore link`);
  }
  const left = url.searchParams.get('left');
  return left ? JSON.parse(left) : Object.values(JSON.parse(url.searchParams.get('panes') ?? '{}'))[0];
}

/** The rollout names of the table, top to bottom. */
async function tableOrder(page) {
  return page.getByTestId('rollout-row').evaluateAll((rows) => rows.map((r) => r.querySelector('a')?.textContent));
}

function sameOrder(got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`rows ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

const CASES = [
  {
    name: 'panel-canary',
    query: 'view=panel&scenario=canary',
    sizes: [
      [600, 400],
      [1600, 900],
    ],
    expect: [
      { testId: 'rollout-step', text: 'Step 0/8' },
      { testId: 'rollout-status', text: 'Degraded' },
      { text: 'ProgressDeadlineExceeded: ReplicaSet "canary-demo-65fb5ffc84" has timed out progressing.' },
      { testId: 'weights', text: 'Set weight' },
      { testId: 'weights', text: '20%', exact: true },
      { testId: 'weights', text: '0%', exact: true },
      { testId: 'revisions', text: 'rev 31' },
      { testId: 'revisions', text: 'rev 30' },
      { testId: 'revisions', text: 'does-not-exist' },
      { testId: 'revisions', text: 'green' },
      { testId: 'pod-problems', text: 'ImagePullBackOff' },
      { testId: 'pod-problems', text: 'canary-demo-65fb5ffc84-9wf5r' },
      { testId: 'step-timeline', text: 'pause ∞' },
      { testId: 'step-timeline', text: 'pause 10s' },
      { text: 'pause indefinite', absent: true },
      { testId: 'weights', text: 'Observed traffic', absent: true },
      { testId: 'analysis', text: 'Analysis', absent: true },
    ],
  },
  {
    name: 'panel-experiment',
    query: 'view=panel&scenario=experiment',
    sizes: [
      [600, 400],
      [1600, 900],
    ],
    expect: [
      { testId: 'rollout-step', text: 'Step 1/2' },
      { testId: 'rollout-status', text: 'Degraded' },
      { testId: 'weights', text: '25%', exact: true },
      { testId: 'revisions', text: 'rev 2' },
      { testId: 'revisions', text: 'rev 1' },
      { testId: 'revisions', text: 'yellow' },
      { testId: 'revisions', text: 'blue' },
      { testId: 'step-timeline', text: 'experiment' },
      { testId: 'analysis', text: 'Inconclusive' },
      { testId: 'analysis', text: '4 failed' },
      { testId: 'analysis', text: '4 successful' },
      { testId: 'analysis', text: 'random-fail' },
    ],
  },
  {
    name: 'panel-bluegreen',
    query: 'view=panel&scenario=bluegreen',
    sizes: [[600, 400]],
    expect: [
      { testId: 'rollout-status', text: 'Paused' },
      { text: 'BlueGreenPause' },
      { testId: 'revisions', text: 'active' },
      { testId: 'revisions', text: 'preview' },
      { testId: 'revisions', text: 'rev 10' },
      { testId: 'revisions', text: 'rev 11' },
      { testId: 'rollout-step', text: 'Step', absent: true },
      { testId: 'weights', text: 'Set weight', absent: true },
      { testId: 'pod-problems', text: 'Running', absent: true },
    ],
  },
  {
    name: 'panel-header',
    query: 'view=panel&scenario=header',
    sizes: [[600, 400]],
    expect: [
      { testId: 'rollout-step', text: 'Step 0/8' },
      { testId: 'revisions', text: 'does-not-exist' },
      { testId: 'revisions', text: 'green' },
      { testId: 'revisions', text: 'rev 31' },
      { testId: 'revisions', text: 'rev 30' },
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
      { text: 'canary-demo', exact: true },
      { text: 'canary-demo-workloadRef', exact: true },
      { text: 'bluegreen-demo', exact: true },
      { text: 'rollout-experiment-analysis', exact: true },
      { text: 'Step 0/8' },
      { text: 'Step 1/2' },
      { text: 'BlueGreenPause' },
      { text: 'ProgressDeadlineExceeded' },
    ],
  },
  {
    name: 'panel-error',
    query: 'view=panel&scenario=error',
    sizes: [[600, 400]],
    expect: [
      { testId: 'panel-error', text: 'Canary Lens query failed' },
      { testId: 'panel-error', text: 'rollout jesse-test/no-such-rollout not found' },
    ],
  },
  {
    name: 'panel-partial',
    query: 'view=panel&scenario=partial',
    sizes: [[600, 400]],
    expect: [
      { text: 'Some queries failed' },
      { text: 'rollout jesse-test/no-such-rollout not found' },
      { testId: 'rollout-step', text: 'Step 0/8' },
    ],
  },
  {
    name: 'panel-empty',
    query: 'view=panel&scenario=empty',
    sizes: [[600, 400]],
    expect: [{ testId: 'panel-no-data', text: 'No rollouts found' }],
  },
  {
    name: 'panel-metrics',
    query: 'view=panel&scenario=metrics',
    sizes: [
      [1600, 540],
      [1600, 900],
    ],
    expect: [
      { testId: 'rollout-step', text: 'Step 0/8' },
      { testId: 'weights', text: 'Observed traffic' },
      { testId: 'weights', text: '33.3%', exact: true },
      { testId: 'verdict', text: 'Fail', exact: true },
      { testId: 'verdict', text: 'score 0', exact: true },
      { testId: 'verdict', text: 'error ratio', exact: true },
      { testId: 'verdict', text: '10.0%', exact: true },
      { testId: 'verdict', text: '+400%', exact: true },
      { testId: 'verdict', text: '950ms', exact: true },
      { testId: 'verdict', text: 'scored metrics pass', absent: true },
      { testId: 'sparklines', text: 'Latency p99' },
      { testId: 'sparklines', text: '40.0 req/s', exact: true },
      { testId: 'traces', text: '2 canary traces, 1 failing' },
      { testId: 'traces', text: '4bf92f35', exact: true },
    ],
  },
  {
    // The frames' own trace links, resolved by Grafana's getLinksSupplier, open Explore at
    // the dashboard's time range (now-6h here), not at Explore's default hour.
    name: 'panel-metrics-links',
    query: 'view=panel&scenario=metrics&from=now-6h',
    sizes: [[1600, 900]],
    expect: [{ testId: 'traces', text: '4bf92f35', exact: true }],
    check: async (page) => {
      const traces = page.getByTestId('traces');
      const href = await traces.getByRole('link', { name: '4bf92f35' }).getAttribute('href');
      const trace = exploreState(href);
      if (trace.datasource !== 'tempo-uid' || trace.range?.from !== 'now-6h' || trace.queries?.[0]?.query !== '4bf92f3577b34da6a3ce929d0e0e4736') {
        throw new Error(`trace link ${JSON.stringify(trace)} is not the trace in tempo-uid over now-6h`);
      }
      if (/orgId=/.test(href ?? '')) {
        throw new Error(`trace link ${href} names an organisation`);
      }
      const search = exploreState(await traces.getByRole('link', { name: /canary traces/ }).getAttribute('href'));
      if (search.range?.from !== 'now-6h' || !/^\{ resource\.k8s\.namespace\.name = "jesse-test"/.test(search.queries?.[0]?.query ?? '')) {
        throw new Error(`search link ${JSON.stringify(search)} is not the TraceQL search over now-6h`);
      }
    },
  },
  {
    // Past the threshold (3 here) the list is a table, most urgent first.
    name: 'panel-list-table',
    query: `view=panel&scenario=list&from=now-6h&${opts({ tableAbove: 3 })}`,
    sizes: [[1600, 540]],
    expect: [
      { testId: 'rollout-table', text: 'canary-demo-workloadRef', exact: true },
      { testId: 'rollout-table', text: 'BlueGreenPause' },
      { testId: 'rollout-table', text: 'active 10 · preview 11' },
      { testId: 'rollout-table', text: '20%', exact: true },
      // One namespace for all: no namespace column.
      { testId: 'rollout-table', text: 'Namespace', absent: true },
      { testId: 'rollout-card', text: 'canary-demo', absent: true },
    ],
    check: async (page) => {
      sameOrder(await tableOrder(page), ['canary-demo', 'canary-demo-workloadRef', 'rollout-experiment-analysis', 'bluegreen-demo']);
      // The name drills down to this dashboard with the namespace and rollout variables set.
      const drill = new URL((await page.getByRole('link', { name: 'canary-demo', exact: true }).getAttribute('href')) ?? '', 'http://grafana');
      if (drill.searchParams.get('var-namespace') !== 'jesse-test' || drill.searchParams.get('var-rollout') !== 'canary-demo') {
        throw new Error(`drill-down ${drill} does not set var-namespace and var-rollout`);
      }
      // The frame's own link of the row ("Show rollout"), at the dashboard's time range.
      const own = exploreState(await page.getByTitle('Show rollout jesse-test/canary-demo', { exact: true }).getAttribute('href'));
      if (own.range?.from !== 'now-6h' || own.queries?.[0]?.rollout !== 'canary-demo' || own.queries?.[0]?.namespace !== 'jesse-test') {
        throw new Error(`row link ${JSON.stringify(own)} is not the rollout query over now-6h`);
      }
    },
  },
  {
    // A 600 px panel keeps status, name, step and weight.
    name: 'panel-list-table-narrow',
    query: `view=panel&scenario=list&${opts({ tableAbove: 3 })}`,
    sizes: [[600, 400]],
    expect: [
      { testId: 'rollout-table', text: 'rollout-experiment-analysis', exact: true },
      { testId: 'rollout-table', text: '25%', exact: true },
      { testId: 'rollout-table', text: 'Message', absent: true },
    ],
    check: async (page) => sameOrder(await tableOrder(page), ['canary-demo', 'canary-demo-workloadRef', 'rollout-experiment-analysis', 'bluegreen-demo']),
  },
  {
    name: 'panel-list-sorted',
    query: `view=panel&scenario=list&${opts({ listMode: 'table', sortBy: 'name', sortDesc: true, limit: 3 })}`,
    sizes: [[600, 400]],
    expect: [
      { testId: 'list-note', text: '3 of 4 rollouts' },
      { testId: 'rollout-table', text: 'bluegreen-demo', absent: true },
    ],
    check: async (page) => sameOrder(await tableOrder(page), ['rollout-experiment-analysis', 'canary-demo-workloadRef', 'canary-demo']),
  },
  {
    name: 'panel-metrics',
    query: 'view=panel&scenario=metrics',
    sizes: [[600, 400]],
    expect: [
      { testId: 'verdict', text: 'Fail', exact: true },
      { testId: 'verdict', text: 'error ratio +400%, p50 latency +220%, p90 latency +150%, p99 latency +90.0%' },
      { testId: 'traces', text: '2 canary traces, 1 failing' },
      { testId: 'sparklines', text: 'Requests' },
    ],
  },
  {
    // A 6x4 grid panel: 6 of 24 columns, 4 rows of 30 px (plus margins).
    name: 'panel-6x4',
    query: 'view=panel&scenario=metrics',
    sizes: [[400, 144]],
    expect: [
      { testId: 'rollout-card', text: 'canary-demo', exact: true },
      { testId: 'rollout-step', text: 'Step 0/8' },
      { testId: 'rollout-card', text: 'Fail', exact: true },
      { testId: 'rollout-card', text: '20%', exact: true },
      { testId: 'verdict', text: 'Fail', absent: true },
    ],
  },
  {
    name: 'panel-metrics-pass',
    query: 'view=panel&scenario=metricsPass',
    sizes: [
      [600, 400],
      [1600, 900],
    ],
    expect: [
      { testId: 'verdict', text: 'Pass', exact: true },
      { testId: 'verdict', text: 'score 100', exact: true },
      // Equal rates: exactly half, or a hair off it ("50%" / "50.0%").
      { testId: 'weights', text: /^50(\.0)?%$/ },
      { testId: 'verdict', text: 'fail', exact: true, absent: true },
      { testId: 'sparklines', text: 'Errors' },
    ],
  },
  {
    name: 'panel-no-rollout',
    query: 'view=panel&frames=handmade&scenario=noRollout',
    sizes: [[600, 400]],
    expect: [{ testId: 'panel-no-rollout', text: 'No rollout selected' }],
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
    // 420 px: the query editor in Explore's split view or the alert rule editor.
    sizes: [[1600, 900], [420, 1400]],
    fullPage: true,
    expect: [
      { text: 'Label selector' },
      { text: 'Min duration' },
      { text: 'Exemplars' },
      { text: 'Raw JSON' },
      { text: 'Variable query type' },
    ],
    check: async (page) => {
      const types = await page.getByRole('combobox', { name: 'Query type', exact: true }).evaluateAll((els) => els.map((e) => e.value));
      if (types.join() !== 'Rollouts,Traces,Canary metrics') {
        throw new Error(`query type selects show ${JSON.stringify(types)}`);
      }
      // Every editor fits its card: nothing sticks out to the right.
      const overflowing = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid^="query-"], [data-testid="variable-query"]')]
          .map((card) => {
            const right = card.getBoundingClientRect().right;
            const widest = Math.max(...[...card.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right));
            return { id: card.getAttribute('data-testid'), by: Math.round(widest - right) };
          })
          .filter((c) => c.by > 0)
      );
      if (overflowing.length > 0) {
        throw new Error(`editors wider than their card: ${JSON.stringify(overflowing)}`);
      }
    },
  },
];

/** Stops with a clear message when the exported frames are missing. */
function requireRealFrames() {
  const spec = JSON.parse(fs.readFileSync(path.join(here, 'real-scenarios.json'), 'utf8'));
  const needed = [...new Set(Object.values(spec.scenarios).flatMap((s) => s.files))];
  const missing = ['index', ...needed].filter((f) => !fs.existsSync(path.join(framesDir, `${f}.json`)));
  if (missing.length > 0) {
    console.error(
      `browser tests: the frames the plugin binary produced are missing from ${framesDir}: ` +
        `${missing.map((f) => `${f}.json`).join(', ')}.\n` +
        'Generate them first, from the repository root: cargo test --test export_frames'
    );
    process.exit(1);
  }
  const index = JSON.parse(fs.readFileSync(path.join(framesDir, 'index.json'), 'utf8'));
  console.log(`browser tests: ${index.scenarios.length} exported answers in ${path.relative(process.cwd(), framesDir)}`);
}

async function main() {
  requireRealFrames();
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
            const loadError = page.getByTestId('load-error');
            if ((await loadError.count()) > 0) {
              failures.push(`${label}: ${await loadError.innerText()}`);
            }
            for (const e of c.expect) {
              const scope = e.testId ? page.getByTestId(e.testId).first() : page.locator('body');
              const where = e.testId ? ` in ${e.testId}` : '';
              const target = scope.getByText(e.text, { exact: Boolean(e.exact) }).first();
              if (e.absent) {
                if (await target.isVisible()) {
                  failures.push(`${label}: "${e.text}" is visible${where}, it must not be`);
                }
                continue;
              }
              try {
                await target.waitFor({ state: 'visible', timeout: 5000 });
              } catch {
                failures.push(`${label}: "${e.text}" not visible${where}`);
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
