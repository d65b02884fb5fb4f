// The model of a template variable query: what dashboards store as a query variable's
// `query` and what the backend's variable query types read. Older dashboards hold the
// text form (`namespaces`, `rollouts(<namespace>)`, `revisions(<namespace>, <rollout>)`):
// it is migrated here, wherever a stored query is read.
import type { DataFrame, MetricFindValue } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

export const VARIABLE_QUERY_TYPES = ['namespaces', 'rolloutNames', 'revisions'] as const;

export type VariableQueryType = (typeof VARIABLE_QUERY_TYPES)[number];

/** Labels and descriptions of the variable query types, in display order. */
export const VARIABLE_QUERY_INFO: Record<VariableQueryType, { label: string; description: string }> = {
  namespaces: { label: 'Namespaces', description: 'Namespaces that hold rollouts (the allowed ones when an allow-list is set)' },
  rolloutNames: {
    label: 'Rollouts',
    description: 'Rollouts of the namespace; namespace/name when none or several are chosen',
  },
  revisions: { label: 'Revisions', description: 'Revisions of one rollout, newest first, with their role' },
};

export interface CanaryLensVariableQuery extends DataQuery {
  queryType: VariableQueryType;
  /** rolloutNames: one namespace, a comma-separated list or a variable; empty means all. */
  namespace?: string;
  /** revisions: a rollout name, or namespace/name. */
  rollout?: string;
}

export function isVariableQueryType(value: unknown): value is VariableQueryType {
  return typeof value === 'string' && (VARIABLE_QUERY_TYPES as readonly string[]).includes(value);
}

export const DEFAULT_VARIABLE_QUERY: CanaryLensVariableQuery = { refId: 'variable', queryType: 'namespaces' };

const LEGACY_TEXT = /^\s*(namespaces|rollouts|revisions)\s*(?:\(([^)]*)\))?\s*$/;

export const LEGACY_FORMS = 'namespaces, rollouts(<namespace>) or revisions(<namespace>, <rollout>)';

/**
 * Parses the text form of older dashboards: `namespaces`, `rollouts`,
 * `rollouts(<namespace>)`, `revisions(<namespace>, <rollout>)`. Undefined otherwise.
 */
export function parseLegacyVariableQuery(text: string): CanaryLensVariableQuery | undefined {
  const match = LEGACY_TEXT.exec(text);
  if (!match) {
    return undefined;
  }
  const inner = (match[2] ?? '').trim();
  const args = inner === '' ? [] : inner.split(',').map((a) => a.trim());
  switch (match[1]) {
    case 'namespaces':
      return args.length === 0 ? { refId: 'variable', queryType: 'namespaces' } : undefined;
    case 'rollouts':
      return args.length <= 1 ? { refId: 'variable', queryType: 'rolloutNames', namespace: args[0] ?? '' } : undefined;
    case 'revisions':
      return args.length === 2 && args[1] !== ''
        ? { refId: 'variable', queryType: 'revisions', namespace: args[0], rollout: args[1] }
        : undefined;
    default:
      return undefined;
  }
}

/** Why a stored variable query cannot be run. */
export class VariableQueryError extends Error {}

/**
 * A stored variable query as the model: the text form migrated, an object kept with a
 * refId. An empty query (a new variable) is the default. Throws VariableQueryError, naming
 * the accepted forms, for anything else.
 */
export function migrateVariableQuery(stored: unknown): CanaryLensVariableQuery {
  if (stored === undefined || stored === null || (typeof stored === 'string' && stored.trim() === '')) {
    return { ...DEFAULT_VARIABLE_QUERY };
  }
  if (typeof stored === 'string') {
    const parsed = parseLegacyVariableQuery(stored);
    if (!parsed) {
      throw new VariableQueryError(`Unknown variable query "${stored}": use ${LEGACY_FORMS}`);
    }
    return parsed;
  }
  if (typeof stored !== 'object') {
    throw new VariableQueryError(`Unknown variable query ${JSON.stringify(stored)}`);
  }
  const query = stored as Partial<CanaryLensVariableQuery> & { query?: unknown };
  // A standard variable query ({ query: "<text>" }, what some editors store) holds the text form.
  if (query.queryType === undefined && typeof query.query === 'string') {
    return { ...migrateVariableQuery(query.query), refId: query.refId ?? 'variable' };
  }
  if (!isVariableQueryType(query.queryType)) {
    throw new VariableQueryError(
      `Unknown variable query type "${String(query.queryType)}": use one of ${VARIABLE_QUERY_TYPES.join(', ')}`
    );
  }
  const out: CanaryLensVariableQuery = { refId: query.refId ?? 'variable', queryType: query.queryType };
  if (query.queryType !== 'namespaces') {
    out.namespace = typeof query.namespace === 'string' ? query.namespace : '';
  }
  if (query.queryType === 'revisions') {
    out.rollout = typeof query.rollout === 'string' ? query.rollout : '';
  }
  return out;
}

/** A one-line description of a variable query (what Grafana lists as its definition). */
export function describeVariableQuery(query: CanaryLensVariableQuery): string {
  switch (query.queryType) {
    case 'namespaces':
      return 'namespaces';
    case 'rolloutNames':
      return query.namespace ? `rollouts in ${query.namespace}` : 'rollouts in all namespaces';
    case 'revisions':
      return `revisions of ${query.namespace ? `${query.namespace}/` : ''}${query.rollout ?? ''}`;
  }
}

/**
 * The options in the backend's answer to a variable query: its `text` and `value` string
 * fields, row by row (what Grafana's toMetricFindValues reads from such frames, in
 * @grafana/scenes variables/variants/query/toMetricFindValues.ts).
 */
export function framesToMetricFindValues(frames: DataFrame[]): MetricFindValue[] {
  const out: MetricFindValue[] = [];
  for (const frame of frames) {
    const value = frame.fields.find((f) => f.name === 'value');
    const text = frame.fields.find((f) => f.name === 'text') ?? value;
    if (!value || !text) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      out.push({ text: String(text.values[i] ?? ''), value: String(value.values[i] ?? '') });
    }
  }
  return out;
}
