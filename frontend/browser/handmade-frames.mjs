// Writes the hand-made frames of the browser tests (Grafana DataFrameJSON, one file per
// query) in the shape the backend answers with. Run: node browser/handmade-frames.mjs
// The browser tests read the real binary's frames (target/frames, see README.md); these
// serve the unit tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'frames');
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const STEP = 60_000;
const N = 30;
const times = Array.from({ length: N }, (_, i) => T0 + i * STEP);

const str = (name, config) => ({ name, type: 'string', typeInfo: { frame: 'string' }, ...(config ? { config } : {}) });
const int = (name, config) => ({ name, type: 'number', typeInfo: { frame: 'int64', nullable: true }, ...(config ? { config } : {}) });
const f64 = (name, extra = {}) => ({ name, type: 'number', typeInfo: { frame: 'float64', nullable: true }, ...extra });
const time = (name) => ({ name, type: 'time', typeInfo: { frame: 'time.Time', nullable: true } });
const frame = (name, refId, meta, fields, values) => ({ schema: { name, refId, meta, fields }, data: { values } });

const ROLLOUT_COLUMNS = [
  str('namespace'),
  str('name'),
  str('strategy'),
  str('status'),
  str('message'),
  str('step'),
  int('currentStep'),
  int('stepCount'),
  int('setWeight', { unit: 'percent' }),
  int('actualWeight', { unit: 'percent' }),
  int('desired'),
  int('current'),
  int('updated'),
  int('ready'),
  int('available'),
  str('stableRevision'),
  str('canaryRevision'),
  str('stableImage'),
  str('canaryImage'),
  str('analysisStatus'),
  str('age'),
];

function rolloutsFrame(rows) {
  const keys = ROLLOUT_COLUMNS.map((c) => c.name);
  return frame(
    'rollouts',
    'A',
    { type: 'table', typeVersion: [0, 0] },
    ROLLOUT_COLUMNS,
    keys.map((k) => rows.map((r) => (r[k] === undefined ? null : r[k])))
  );
}

const demo = {
  namespace: 'demo',
  name: 'rollouts-demo',
  strategy: 'Canary',
  status: 'Paused',
  message: 'CanaryPauseStep',
  step: '1/2',
  currentStep: 1,
  stepCount: 2,
  setWeight: 25,
  actualWeight: 25,
  desired: 4,
  current: 5,
  updated: 1,
  ready: 5,
  available: 5,
  stableRevision: '30',
  canaryRevision: '31',
  stableImage: 'argoproj/rollouts-demo:blue',
  canaryImage: 'argoproj/rollouts-demo:green',
  analysisStatus: 'Running',
  age: '7d',
};

const degraded = {
  namespace: 'jesse-test',
  name: 'canary-demo',
  strategy: 'Canary',
  status: 'Degraded',
  message: 'ProgressDeadlineExceeded: ReplicaSet "canary-demo-65fb5ffc84" has timed out progressing.',
  step: '0/8',
  currentStep: 0,
  stepCount: 8,
  setWeight: 20,
  actualWeight: 0,
  desired: 5,
  current: 6,
  updated: 1,
  ready: 5,
  available: 5,
  stableRevision: '30',
  canaryRevision: '31',
  stableImage: 'argoproj/rollouts-demo:green',
  canaryImage: 'argoproj/rollouts-demo:does-not-exist',
  analysisStatus: '',
  age: '7d',
};

const bluegreen = {
  namespace: 'jesse-test',
  name: 'bluegreen-demo',
  strategy: 'BlueGreen',
  status: 'Paused',
  message: 'BlueGreenPause',
  step: '',
  currentStep: null,
  stepCount: null,
  setWeight: null,
  actualWeight: null,
  desired: 3,
  current: 6,
  updated: 3,
  ready: 6,
  available: 3,
  stableRevision: '10',
  canaryRevision: '11',
  stableImage: 'argoproj/rollouts-demo:blue',
  canaryImage: 'argoproj/rollouts-demo:green',
  analysisStatus: '',
  age: '7d',
};

const healthy = {
  namespace: 'shop',
  name: 'checkout',
  strategy: 'Canary',
  status: 'Healthy',
  message: '',
  step: '4/4',
  currentStep: 4,
  stepCount: 4,
  setWeight: 100,
  actualWeight: 100,
  desired: 3,
  current: 3,
  updated: 3,
  ready: 3,
  available: 3,
  stableRevision: '12',
  canaryRevision: '12',
  stableImage: 'ghcr.io/shop/checkout:1.8.0',
  canaryImage: 'ghcr.io/shop/checkout:1.8.0',
  analysisStatus: 'Successful',
  age: '2d3h',
};

const steps = frame(
  'steps',
  'B',
  { type: 'table', typeVersion: [0, 0] },
  [int('index'), str('kind'), str('value'), str('state')],
  [
    [0, 1],
    ['setWeight', 'pause'],
    ['25', ''],
    ['done', 'current'],
  ]
);

// Deterministic wobble so the sparklines look like data.
const wave = (i, seed) => Math.sin(i / 3 + seed) * 0.5 + Math.sin(i / 7 + seed * 2) * 0.3;
const series = (metric, role, revision, quantile, fn) => {
  const labels = { rollout: 'rollouts-demo', revision, role, metric, ...(quantile ? { quantile } : {}) };
  return frame(
    `${metric}${quantile ? ` p${Number(quantile) * 100}` : ''} ${role}`,
    'C',
    { type: 'timeseries-multi', typeVersion: [0, 1] },
    [time('time'), f64('value', { labels })],
    [times, times.map((_, i) => Number(fn(i).toFixed(5)))]
  );
};

const canaryMetrics = [
  series('requestRate', 'canary', '31', '', (i) => 12.5 + wave(i, 1) * 2),
  series('requestRate', 'stable', '30', '', (i) => 37.5 + wave(i, 2) * 4),
  series('errorRatio', 'canary', '31', '', (i) => 0.012 + Math.max(0, wave(i, 3)) * 0.01),
  series('errorRatio', 'stable', '30', '', (i) => 0.004 + Math.max(0, wave(i, 4)) * 0.003),
  series('latency', 'canary', '31', '0.99', (i) => 0.42 + wave(i, 5) * 0.08),
  series('latency', 'stable', '30', '0.99', (i) => 0.31 + wave(i, 6) * 0.04),
];

const trafficSplit = frame(
  'trafficSplit',
  'D',
  { type: 'timeseries-wide', typeVersion: [0, 1] },
  [
    time('time'),
    f64('share', { labels: { revision: '31', role: 'canary' }, config: { unit: 'percent' } }),
    f64('share', { labels: { revision: '30', role: 'stable' }, config: { unit: 'percent' } }),
    f64('setWeight', { config: { unit: 'percent' } }),
    f64('actualWeight', { config: { unit: 'percent' } }),
  ],
  [
    times,
    times.map((_, i) => Number((24.2 + wave(i, 7)).toFixed(2))),
    times.map((_, i) => Number((75.8 - wave(i, 7)).toFixed(2))),
    times.map(() => 25),
    times.map(() => 25),
  ]
);

const verdict = frame(
  'verdict',
  'E',
  {
    type: 'table',
    typeVersion: [0, 0],
    custom: {
      score: 66.7,
      outcome: 'Marginal',
      summary:
        'Marginal: score 67 (2 of 3 scored metrics pass); canary p99 latency is 35% higher than stable (p < 0.001; 30 vs 30 samples)',
    },
  },
  [
    str('metric'),
    int('controlSamples'),
    int('experimentSamples'),
    f64('controlMedian'),
    f64('experimentMedian'),
    f64('relativeDifference'),
    f64('pValue'),
    f64('effectSize'),
    int('outliersRemoved'),
    str('result'),
    str('reason'),
  ],
  [
    ['error ratio', 'p50 latency', 'p99 latency'],
    [30, 30, 30],
    [30, 30, 30],
    [0.0045, 0.061, 0.31],
    [0.0046, 0.062, 0.42],
    [0.02, 0.016, 0.35],
    [0.81, 0.52, 0.0004],
    [0.01, 0.05, 1.9],
    [1, 0, 0],
    ['pass', 'pass', 'fail'],
    [
      'no significant difference (p = 0.81; 30 vs 30 samples)',
      'no significant difference (p = 0.52; 30 vs 30 samples)',
      'canary p99 latency is 35% higher than stable (p < 0.001; 30 vs 30 samples)',
    ],
  ]
);
const tempoLink = {
  title: 'Open trace',
  url: '',
  internal: {
    datasourceUid: 'tempo-uid',
    datasourceName: 'Tempo',
    query: { query: '${__value.raw}', queryType: 'traceql' },
  },
};
const traceIds = [
  '4bf92f3577b34da6a3ce929d0e0e4736',
  '00f067aa0ba902b7a1b2c3d4e5f60718',
  '9a8b7c6d5e4f30211203f4e5d6c7b8a9',
  'b7ad6b7169203331aa00bb11cc22dd33',
];
const traces = frame(
  'traces',
  'F',
  {
    type: 'table',
    typeVersion: [0, 0],
    executedQueryString:
      '{ resource.k8s.pod.name =~ "rollouts-demo-6cbccd9f99-.*" && (status = error || duration > 500ms) }',
    preferredVisualisationType: 'table',
  },
  [
    str('traceID', { links: [tempoLink] }),
    str('rootService'),
    str('rootSpan'),
    time('start'),
    f64('duration', { config: { unit: 'ms' } }),
    str('status'),
  ],
  [
    traceIds,
    ['rollouts-demo', 'rollouts-demo', 'rollouts-demo', 'rollouts-demo'],
    ['GET /color', 'GET /color', 'POST /checkout', 'GET /color'],
    [T0 + 5 * STEP, T0 + 9 * STEP, T0 + 14 * STEP, T0 + 21 * STEP],
    [1240, 812, 2310, 645],
    ['error', 'ok', 'error', 'ok'],
  ]
);

const analysis = frame(
  'measurements',
  'G',
  { type: 'table', typeVersion: [0, 0] },
  [str('run'), str('metric'), str('phase'), str('value'), time('startedAt'), time('finishedAt'), str('message')],
  [
    ['rollouts-demo-31-1', 'rollouts-demo-31-1', 'rollouts-demo-31-1'],
    ['success-rate', 'success-rate', 'latency-p99'],
    ['Successful', 'Successful', 'Running'],
    ['[0.991]', '[0.987]', ''],
    [T0 + 2 * STEP, T0 + 7 * STEP, T0 + 12 * STEP],
    [T0 + 3 * STEP, T0 + 8 * STEP, null],
    ['', '', ''],
  ]
);

const files = {
  'rollouts-single.json': [rolloutsFrame([demo])],
  'rollouts-list.json': [rolloutsFrame([degraded, bluegreen, demo, healthy])],
  'rollouts-empty.json': [rolloutsFrame([])],
  'steps.json': [steps],
  'canary-metrics.json': canaryMetrics,
  'traffic-split.json': [trafficSplit],
  'verdict.json': [verdict],
  'traces.json': [traces],
  'analysis.json': [analysis],
};

for (const [name, frames] of Object.entries(files)) {
  fs.writeFileSync(path.join(here, name), `${JSON.stringify(frames, null, 1)}\n`);
}
console.log(`wrote ${Object.keys(files).length} files to ${here}`);
