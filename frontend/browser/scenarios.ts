// Panel scenarios of the browser tests: which frame files a panel receives, with the
// queries that produced them and the request state.
import {
  type DataFrame,
  type DataFrameJSON,
  dataFrameFromJSON,
  dateTime,
  LoadingState,
  type PanelData,
} from '@grafana/data';

import analysis from './frames/analysis.json';
import canaryMetrics from './frames/canary-metrics.json';
import rolloutsEmpty from './frames/rollouts-empty.json';
import rolloutsList from './frames/rollouts-list.json';
import rolloutsSingle from './frames/rollouts-single.json';
import steps from './frames/steps.json';
import traces from './frames/traces.json';
import trafficSplit from './frames/traffic-split.json';
import verdict from './frames/verdict.json';

export interface Scenario {
  description: string;
  frames: DataFrame[];
  targets: Array<{ refId: string; queryType: string; namespace?: string; rollout?: string; revision?: string }>;
  state: LoadingState;
  errors?: Array<{ message: string; refId?: string }>;
}

/**
 * Reads a frames file: an array of DataFrameJSON, `{frames: [...]}`, or a query response
 * `{results: {A: {frames: [...]}}}` (what `canary-lens query --output json` may print).
 */
export function readFrames(file: unknown): DataFrame[] {
  const list: unknown[] = Array.isArray(file)
    ? file
    : typeof file === 'object' && file !== null && Array.isArray((file as { frames?: unknown[] }).frames)
      ? (file as { frames: unknown[] }).frames
      : typeof file === 'object' && file !== null && 'results' in file
        ? Object.values((file as { results: Record<string, { frames?: unknown[] }> }).results).flatMap((r) => r.frames ?? [])
        : [];
  return list.map((f) => dataFrameFromJSON(f as DataFrameJSON));
}

const target = (refId: string, queryType: string, extra: Record<string, string> = {}) => ({
  refId,
  queryType,
  namespace: 'demo',
  rollout: 'rollouts-demo',
  ...extra,
});

export const SCENARIOS: Record<string, Scenario> = {
  single: {
    description: 'One paused canary with steps, metrics, traffic split, verdict, traces and analysis',
    frames: [
      rolloutsSingle,
      steps,
      canaryMetrics,
      trafficSplit,
      verdict,
      traces,
      analysis,
    ].flatMap(readFrames),
    targets: [
      target('A', 'rollouts'),
      target('B', 'steps'),
      target('C', 'canaryMetrics'),
      target('D', 'trafficSplit'),
      target('E', 'verdict'),
      target('F', 'traces', { revision: 'canary' }),
      target('G', 'analysis'),
    ],
    state: LoadingState.Done,
  },
  minimal: {
    description: 'One rollout, rollouts query only',
    frames: readFrames(rolloutsSingle),
    targets: [target('A', 'rollouts')],
    state: LoadingState.Done,
  },
  list: {
    description: 'Several rollouts: compact cards',
    frames: readFrames(rolloutsList),
    targets: [{ refId: 'A', queryType: 'rollouts', namespace: '' }],
    state: LoadingState.Done,
  },
  empty: {
    description: 'A rollouts query matching nothing',
    frames: readFrames(rolloutsEmpty),
    targets: [{ refId: 'A', queryType: 'rollouts', namespace: 'nowhere' }],
    state: LoadingState.Done,
  },
  error: {
    description: 'The query failed',
    frames: [],
    targets: [target('A', 'rollouts')],
    state: LoadingState.Error,
    errors: [{ refId: 'A', message: 'rollout demo/rollouts-demo not found' }],
  },
  noRollout: {
    description: 'Rollout-scoped queries with no rollout chosen',
    frames: [],
    targets: [target('A', 'steps', { rollout: '' }), target('B', 'verdict', { rollout: '' })],
    state: LoadingState.Done,
  },
  loading: {
    description: 'Waiting for the first answer',
    frames: [],
    targets: [target('A', 'rollouts')],
    state: LoadingState.Loading,
  },
};

/** The PanelData a panel receives for a scenario. */
export function panelData(s: Scenario): PanelData {
  const to = dateTime(Date.UTC(2026, 10, 25, 12, 30));
  const from = dateTime(Date.UTC(2026, 10, 25, 11, 30));
  const timeRange = { from, to, raw: { from: 'now-1h', to: 'now' } };
  return {
    state: s.state,
    series: s.frames,
    timeRange,
    errors: s.errors,
    request: {
      requestId: 'browser',
      interval: '1m',
      intervalMs: 60_000,
      range: timeRange,
      scopedVars: {},
      targets: s.targets,
      timezone: 'utc',
      app: 'dashboard',
      startTime: to.valueOf(),
    },
  };
}
