// Pure query logic: template variable interpolation, which queries may run, variable
// queries (text form ⇄ model) and annotation queries. No Grafana runtime access here, so
// everything is testable with a fake `replace`.
import type { ScopedVars } from '@grafana/data';

import {
  type CanaryLensQuery,
  DEFAULT_QUERY_TYPE,
  isQueryType,
  QUERY_DEFAULTS,
  ROLLOUT_SCOPED,
  TEMPLATED_QUERY_FIELDS,
  type VariableQuery,
} from './types';

/** The shape of TemplateSrv.replace that this module needs. */
export type Replace = (target: string, scopedVars?: ScopedVars, format?: string) => string;

/** Replaces template variables in every string field of the query. */
export function interpolateQuery(query: CanaryLensQuery, scopedVars: ScopedVars, replace: Replace): CanaryLensQuery {
  const next: CanaryLensQuery = { ...query };
  for (const field of TEMPLATED_QUERY_FIELDS) {
    const value = next[field];
    if (typeof value === 'string' && value !== '') {
      next[field] = replace(value, scopedVars);
    }
  }
  return next;
}

/**
 * Whether a query should be sent: hidden queries are not, and rollout-scoped types need
 * a rollout (the panel then shows "no rollout selected" rather than an error per query).
 */
export function shouldRunQuery(query: CanaryLensQuery): boolean {
  if (query.hide) {
    return false;
  }
  const queryType = isQueryType(query.queryType) ? query.queryType : DEFAULT_QUERY_TYPE;
  if (ROLLOUT_SCOPED.has(queryType)) {
    return (query.rollout ?? '').trim() !== '';
  }
  return true;
}

/** Whether a query targets one rollout but names none (used by the panel's empty state). */
export function lacksRollout(query: { queryType?: string; rollout?: string }): boolean {
  return isQueryType(query.queryType) && ROLLOUT_SCOPED.has(query.queryType) && (query.rollout ?? '').trim() === '';
}

const VARIABLE_QUERY = /^\s*(namespaces|rollouts|revisions)\s*(?:\(([^)]*)\))?\s*$/;

/**
 * Parses a variable query: `namespaces`, `rollouts(<namespace>)`, `rollouts`,
 * `revisions(<namespace>, <rollout>)`. Returns undefined for anything else.
 */
export function parseVariableQuery(text: string): VariableQuery | undefined {
  const match = VARIABLE_QUERY.exec(text);
  if (!match) {
    return undefined;
  }
  const inner = (match[2] ?? '').trim();
  const args = inner === '' ? [] : inner.split(',').map((a) => a.trim());
  switch (match[1]) {
    case 'namespaces':
      return args.length === 0 ? { kind: 'namespaces' } : undefined;
    case 'rollouts':
      return args.length <= 1 ? { kind: 'rollouts', namespace: args[0] ?? '' } : undefined;
    case 'revisions':
      return args.length === 2 && args[1] !== ''
        ? { kind: 'revisions', namespace: args[0], rollout: args[1] }
        : undefined;
    default:
      return undefined;
  }
}

/** The text form of a variable query (inverse of parseVariableQuery). */
export function formatVariableQuery(query: VariableQuery): string {
  switch (query.kind) {
    case 'namespaces':
      return 'namespaces';
    case 'rollouts':
      return query.namespace ? `rollouts(${query.namespace})` : 'rollouts';
    case 'revisions':
      return `revisions(${query.namespace}, ${query.rollout})`;
  }
}

/** Interpolates the arguments of a variable query (chained variables such as $namespace). */
export function interpolateVariableQuery(query: VariableQuery, replace: Replace, scopedVars?: ScopedVars): VariableQuery {
  switch (query.kind) {
    case 'namespaces':
      return query;
    case 'rollouts':
      return { ...query, namespace: replace(query.namespace, scopedVars) };
    case 'revisions':
      return { ...query, namespace: replace(query.namespace, scopedVars), rollout: replace(query.rollout, scopedVars) };
  }
}

/** An annotation target always runs the `events` query type. */
export function toAnnotationQuery(target: Partial<CanaryLensQuery> | undefined): CanaryLensQuery {
  return {
    refId: target?.refId ?? 'Anno',
    ...QUERY_DEFAULTS.events,
    namespace: target?.namespace ?? '',
    rollout: target?.rollout ?? '',
    queryType: 'events',
  };
}
