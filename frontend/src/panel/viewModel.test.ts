import { createTheme, FieldType, getDefaultTimeRange, toDataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import { interpolator } from '../../browser/grafanaPanel';
import { SCENARIOS } from '../../browser/scenarios';
import { classifyFrame } from './frames';
import { buildPanelModel, compareSeries, statusKind } from './viewModel';

const single = SCENARIOS.single;

describe('classifyFrame', () => {
  it('recognises every frame of the hand-made query answers by shape', () => {
    const kinds = single.frames.map((f) => classifyFrame(f));
    expect(kinds).toEqual([
      'rollouts',
      'steps',
      'canaryMetric',
      'canaryMetric',
      'canaryMetric',
      'canaryMetric',
      'canaryMetric',
      'canaryMetric',
      'trafficSplit',
      'verdict',
      'traces',
      'analysis',
    ]);
  });

  it('does not mistake an analysis time series (no role label) for a canary metric', () => {
    const frame = toDataFrame({
      name: 'success-rate',
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 2] },
        { name: 'value', type: FieldType.number, values: [0.9, 0.95], labels: { rollout: 'r', metric: 'success-rate' } },
      ],
    });
    expect(classifyFrame(frame)).toBe('other');
  });

  it('recognises the tree and header frames of a rollout query', () => {
    const tree = toDataFrame({ name: 'tree', fields: ['id', 'parentId', 'kind', 'name', 'status'].map((name) => ({ name, values: [] })) });
    const header = toDataFrame({ name: 'header', fields: ['namespace', 'name', 'status', 'setWeight', 'images'].map((name) => ({ name, values: [] })) });
    expect(classifyFrame(tree)).toBe('tree');
    expect(classifyFrame(header)).toBe('rollouts');
  });
});

describe('buildPanelModel', () => {
  const ctx = { theme: createTheme(), replaceVariables: interpolator(getDefaultTimeRange()) };
  const model = buildPanelModel(single.frames, single.targets, Date.UTC(2026, 10, 25, 12, 30), ctx);
  const card = model.cards[0];

  it('makes one card for one rollout and attaches every other frame to it', () => {
    expect(model.cards).toHaveLength(1);
    expect(model.sawRolloutList).toBe(true);
    expect(card.rollout).toMatchObject({
      namespace: 'demo',
      name: 'rollouts-demo',
      status: 'Paused',
      message: 'CanaryPauseStep',
      step: '1/2',
      setWeight: 25,
      actualWeight: 25,
      ready: 5,
      desired: 4,
    });
    expect(card.rollout.revisions).toEqual([
      { role: 'stable', revision: '30', image: 'argoproj/rollouts-demo:blue' },
      { role: 'canary', revision: '31', image: 'argoproj/rollouts-demo:green' },
    ]);
  });

  it('takes the step timeline from the steps frame', () => {
    expect(card.timeline.position).toBe('1/2');
    expect(card.timeline.segments.map((s) => [s.label, s.state])).toEqual([
      ['25%', 'done'],
      ['pause ∞', 'current'],
    ]);
  });

  it('pairs canary and stable series per metric in a fixed order', () => {
    expect(card.metrics.map((m) => [m.metric, m.quantile, m.canary?.revision, m.stable?.revision])).toEqual([
      ['requestRate', '', '31', '30'],
      ['errorRatio', '', '31', '30'],
      ['latency', '0.99', '31', '30'],
    ]);
    expect(card.metrics[0].canary?.points).toHaveLength(30);
  });

  it('reads the last observed traffic share, verdict, traces and analysis', () => {
    expect(card.traffic?.setWeight).toBe(25);
    expect(card.traffic?.observedCanaryShare).toBeGreaterThan(20);
    expect(card.traffic?.observedCanaryShare).toBeLessThan(30);
    expect(card.verdict).toMatchObject({ outcome: 'Marginal', score: 66.7 });
    expect(card.verdict?.summary).toMatch(/p99 latency is 35% higher than stable/);
    expect(card.verdict?.rows.map((r) => r.result)).toEqual(['pass', 'pass', 'fail']);
    expect(card.traces).toMatchObject({ errorCount: 2, revision: 'canary' });
    // The whole search: an internal link to the Tempo datasource the traceID links name,
    // made by Grafana's mapInternalLinkToExplore (an Explore URL with that datasource and query).
    const search = card.traces?.searchLinks[0];
    const state = JSON.parse(new URL(search?.href ?? '', 'http://grafana').searchParams.get('left') ?? '{}');
    expect(state.datasource).toBe('tempo-uid');
    expect(state.queries[0]).toMatchObject({ queryType: 'traceql', datasource: { uid: 'tempo-uid' } });
    expect(state.queries[0].query).toMatch(/^\{ resource\.k8s\.pod\.name/);
    expect(card.traces?.rows[2].durationMs).toBe(2310);
    expect(card.analysis?.phases).toEqual({ Successful: 2, Running: 1 });
    expect(card.analysis?.latest.map((m) => [m.metric, m.value || m.phase])).toEqual([
      ['success-rate', '[0.987]'],
      ['latency-p99', 'Running'],
    ]);
  });

  it('lists several rollouts as cards and shows an unchanged revision once', () => {
    const list = buildPanelModel(SCENARIOS.list.frames, SCENARIOS.list.targets, 0);
    expect(list.cards.map((c) => [c.rollout.name, c.rollout.status])).toEqual([
      ['canary-demo', 'Degraded'],
      ['bluegreen-demo', 'Paused'],
      ['rollouts-demo', 'Paused'],
      ['checkout', 'Healthy'],
    ]);
    expect(list.cards[3].rollout.revisions.map((r) => r.role)).toEqual(['stable']);
    expect(list.cards[1].timeline.segments).toEqual([]);
  });

  it('attaches rollout-scoped frames to the rollout their query names when there are several', () => {
    const frames = [...SCENARIOS.list.frames, ...single.frames.slice(1)];
    const list = buildPanelModel(frames, single.targets, 0);
    const demo = list.cards.find((c) => c.rollout.name === 'rollouts-demo');
    const other = list.cards.find((c) => c.rollout.name === 'canary-demo');
    expect(demo?.verdict?.outcome).toBe('Marginal');
    expect(demo?.timeline.position).toBe('1/2');
    expect(other?.verdict).toBeUndefined();
    expect(other?.timeline.position).toBe('0/8');
  });

  it('makes a card for a rollout known only from its steps', () => {
    const m = buildPanelModel([single.frames[1]], [{ refId: 'B', queryType: 'steps', namespace: 'demo', rollout: 'rollouts-demo' }], 0);
    expect(m.cards.map((c) => [c.rollout.name, c.rollout.status, c.timeline.position])).toEqual([['rollouts-demo', 'Unknown', '1/2']]);
    expect(m.sawRolloutList).toBe(false);
  });

  it('notes an empty rollout list', () => {
    const m = buildPanelModel(SCENARIOS.empty.frames, SCENARIOS.empty.targets, 0);
    expect(m).toEqual({ cards: [], sawRolloutList: true });
  });

  it('reads the images of a header frame with their roles', () => {
    const header = toDataFrame({
      name: 'header',
      fields: [
        { name: 'namespace', values: ['jesse-test'] },
        { name: 'name', values: ['bluegreen-demo'] },
        { name: 'status', values: ['Paused'] },
        { name: 'setWeight', values: [null] },
        { name: 'images', values: ['argoproj/rollouts-demo:blue (stable, active)\nargoproj/rollouts-demo:green (preview)'] },
      ],
    });
    const m = buildPanelModel([header], [], 0);
    expect(m.cards[0].rollout.revisions).toEqual([
      { role: 'stable', revision: '', image: 'argoproj/rollouts-demo:blue' },
      { role: 'canary', revision: '', image: 'argoproj/rollouts-demo:green' },
    ]);
  });
});

describe('statusKind and compareSeries', () => {
  it('normalise status case and unknown values', () => {
    expect(statusKind('healthy')).toBe('Healthy');
    expect(statusKind('DEGRADED')).toBe('Degraded');
    expect(statusKind('')).toBe('Unknown');
  });

  it('treat blue-green preview/active as canary/stable', () => {
    const s = (role: string) => ({ metric: 'latency', role, revision: '', quantile: '0.5', points: [] });
    const [c] = compareSeries([s('preview'), s('active')]);
    expect(c.canary?.role).toBe('preview');
    expect(c.stable?.role).toBe('active');
  });
});

describe('buildPanelModel with the frames of a rollout query', () => {
  // The shapes the backend answers for the blue-green fixture (rollouts row, header, tree).
  const row = toDataFrame({
    refId: 'A',
    fields: [
      { name: 'namespace', type: FieldType.string, values: ['jesse-test'] },
      { name: 'name', type: FieldType.string, values: ['bluegreen-demo'] },
      { name: 'strategy', type: FieldType.string, values: ['BlueGreen'] },
      { name: 'status', type: FieldType.string, values: ['Paused'] },
      { name: 'stepCount', type: FieldType.number, values: [null] },
      { name: 'setWeight', type: FieldType.number, values: [null] },
      { name: 'stableRevision', type: FieldType.string, values: ['10'] },
      { name: 'canaryRevision', type: FieldType.string, values: ['11'] },
      { name: 'stableImage', type: FieldType.string, values: ['argoproj/rollouts-demo:blue'] },
      { name: 'canaryImage', type: FieldType.string, values: ['argoproj/rollouts-demo:green'] },
    ],
  });
  const header = toDataFrame({
    name: 'header',
    refId: 'B',
    fields: [
      { name: 'namespace', type: FieldType.string, values: ['jesse-test'] },
      { name: 'name', type: FieldType.string, values: ['bluegreen-demo'] },
      { name: 'status', type: FieldType.string, values: ['Paused'] },
      { name: 'message', type: FieldType.string, values: ['BlueGreenPause'] },
      { name: 'setWeight', type: FieldType.number, values: [null] },
      { name: 'images', type: FieldType.string, values: ['argoproj/rollouts-demo:blue (stable, active)\nargoproj/rollouts-demo:green (preview)'] },
    ],
  });
  const tree = toDataFrame({
    name: 'tree',
    refId: 'B',
    fields: [
      { name: 'id', type: FieldType.string, values: ['r', 'rs1', 'rs2'] },
      { name: 'parentId', type: FieldType.string, values: [null, 'r', 'r'] },
      { name: 'kind', type: FieldType.string, values: ['Rollout', 'ReplicaSet', 'ReplicaSet'] },
      { name: 'info', type: FieldType.string, values: ['', 'preview', 'stable,active'] },
      { name: 'revision', type: FieldType.string, values: [null, '11', '10'] },
    ],
  });
  const targets = [
    { refId: 'A', queryType: 'rollouts', namespace: 'jesse-test', rollout: 'bluegreen-demo' },
    { refId: 'B', queryType: 'rollout', namespace: 'jesse-test', rollout: 'bluegreen-demo' },
  ];

  it('keeps the revision numbers of the rollouts row when a header frame adds its images', () => {
    const [card] = buildPanelModel([row, header, tree], targets, 0).cards;
    expect(card.rollout.message).toBe('BlueGreenPause');
    expect(card.rollout.revisions).toEqual([
      { role: 'stable', revision: '10', image: 'argoproj/rollouts-demo:blue' },
      { role: 'canary', revision: '11', image: 'argoproj/rollouts-demo:green' },
    ]);
  });

  it('lists the pods of the tree that are not running', () => {
    const withPods = toDataFrame({
      name: 'tree',
      refId: 'B',
      fields: [
        { name: 'id', type: FieldType.string, values: ['p1', 'p2', 'p3'] },
        { name: 'parentId', type: FieldType.string, values: ['rs', 'rs', 'rs'] },
        { name: 'kind', type: FieldType.string, values: ['Pod', 'Pod', 'Pod'] },
        { name: 'name', type: FieldType.string, values: ['a', 'b', 'c'] },
        { name: 'status', type: FieldType.string, values: ['ImagePullBackOff', 'Running', 'Completed'] },
        { name: 'revision', type: FieldType.string, values: ['31', '30', '30'] },
      ],
    });
    const [card] = buildPanelModel([header, withPods], [targets[1]], 0).cards;
    expect(card.podProblems).toEqual([{ name: 'a', status: 'ImagePullBackOff', revision: '31' }]);
  });

  it('takes revision numbers from the tree when only the rollout query ran', () => {
    const model = buildPanelModel([header, tree], [targets[1]], 0);
    expect(model.cards).toHaveLength(1);
    expect(model.cards[0].rollout.revisions).toEqual([
      { role: 'stable', revision: '10', image: 'argoproj/rollouts-demo:blue' },
      { role: 'canary', revision: '11', image: 'argoproj/rollouts-demo:green' },
    ]);
  });
});
