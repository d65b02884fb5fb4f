// Pure query logic: template variable interpolation, which queries may run and
// annotation queries. No Grafana runtime access here, so everything is testable with a
// fake `replace`.
import type { ScopedVars } from '@grafana/data';

import {
  type CanaryLensQuery,
  DEFAULT_QUERY_TYPE,
  isQueryType,
  QUERY_DEFAULTS,
  ROLLOUT_SCOPED,
  TEMPLATED_QUERY_FIELDS,
} from './types';

/** The shape of TemplateSrv.replace that this module needs. */
export type Replace = (target: string, scopedVars?: ScopedVars, format?: string) => string;

/**
 * The format multi-value and All variables take in every query field: a comma-separated
 * list, which the backend reads in its list fields (namespace, rollout). Grafana's
 * default, glob (`{a,b}`), means nothing to the backend. `${var:format}` in the text
 * still chooses another format (formatRegistry.ts in @grafana/scenes).
 */
export const LIST_FORMAT = 'csv';

/**
 * Replaces template variables in every string field of the query (lists as csv). When a
 * query about one rollout gets a rollout written namespace/name and a namespace list that
 * holds that namespace (an All or multi-value namespace variable), the namespace becomes
 * the rollout's own, as the backend asks of these types.
 */
export function interpolateQuery<Q extends CanaryLensQuery>(query: Q, scopedVars: ScopedVars, replace: Replace): Q {
  const next: Q = { ...query };
  for (const field of TEMPLATED_QUERY_FIELDS) {
    const value = next[field];
    if (typeof value === 'string' && value !== '') {
      next[field] = replace(value, scopedVars, LIST_FORMAT);
    }
  }
  if (namesOneRollout(next.queryType)) {
    const own = namespaceOfRollout(next.rollout ?? '');
    const listed = splitList(next.namespace ?? '');
    if (own && listed.length > 1 && listed.includes(own)) {
      next.namespace = own;
    }
  }
  return next;
}

/** The query types about one rollout (the rollout-scoped ones and the revisions variable). */
function namesOneRollout(queryType: string | undefined): boolean {
  return (isQueryType(queryType) && ROLLOUT_SCOPED.has(queryType)) || queryType === 'revisions';
}

/** The namespace of a rollout written namespace/name, else undefined. */
export function namespaceOfRollout(rollout: string): string | undefined {
  const [ns, name, ...rest] = rollout.split('/');
  return rest.length === 0 && name !== undefined && ns.trim() !== '' && name.trim() !== '' ? ns.trim() : undefined;
}

/** The non-empty trimmed entries of a comma-separated list (as the backend splits them). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
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
