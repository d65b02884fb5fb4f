import { describe, expect, it } from 'vitest';

import {
  formatVariableQuery,
  interpolateQuery,
  interpolateVariableQuery,
  lacksRollout,
  parseVariableQuery,
  type Replace,
  shouldRunQuery,
  toAnnotationQuery,
} from './templating';
import type { CanaryLensQuery } from './types';

/** A template service with $namespace=demo, $rollout=checkout and scoped $rev. */
const replace: Replace = (target, scopedVars) =>
  target.replace(/\$(\w+)/g, (whole, name: string) => {
    const scoped = scopedVars?.[name]?.value;
    if (scoped !== undefined) {
      return String(scoped);
    }
    return ({ namespace: 'demo', rollout: 'checkout', min: '750ms' } as Record<string, string>)[name] ?? whole;
  });

describe('interpolateQuery', () => {
  it('replaces variables in every string field and leaves the rest alone', () => {
    const query: CanaryLensQuery = {
      refId: 'A',
      queryType: 'traces',
      namespace: '$namespace',
      rollout: '$rollout',
      labelSelector: 'app=$rollout',
      status: '$status',
      revision: '$rev',
      minDuration: '$min',
      limit: 20,
      errorsOnly: true,
    };
    const out = interpolateQuery(query, { rev: { text: '31', value: '31' } }, replace);
    expect(out).toEqual({
      ...query,
      namespace: 'demo',
      rollout: 'checkout',
      labelSelector: 'app=checkout',
      status: '$status',
      revision: '31',
      minDuration: '750ms',
    });
    expect(query.namespace).toBe('$namespace');
  });
});

describe('shouldRunQuery', () => {
  it('skips hidden queries', () => {
    expect(shouldRunQuery({ refId: 'A', queryType: 'rollouts', hide: true })).toBe(false);
  });

  it('runs rollouts and events queries without a rollout', () => {
    expect(shouldRunQuery({ refId: 'A', queryType: 'rollouts' })).toBe(true);
    expect(shouldRunQuery({ refId: 'A', queryType: 'events', rollout: '' })).toBe(true);
    expect(shouldRunQuery({ refId: 'A' })).toBe(true);
  });

  it('holds back rollout-scoped queries until a rollout is chosen', () => {
    for (const queryType of ['rollout', 'steps', 'analysis', 'canaryMetrics', 'trafficSplit', 'traces', 'verdict'] as const) {
      expect(shouldRunQuery({ refId: 'A', queryType, rollout: ' ' })).toBe(false);
      expect(shouldRunQuery({ refId: 'A', queryType, rollout: '$rollout' })).toBe(true);
      expect(lacksRollout({ queryType, rollout: '' })).toBe(true);
    }
    expect(lacksRollout({ queryType: 'rollouts', rollout: '' })).toBe(false);
  });
});

describe('variable queries', () => {
  it('parse the three forms', () => {
    expect(parseVariableQuery('namespaces')).toEqual({ kind: 'namespaces' });
    expect(parseVariableQuery(' rollouts ')).toEqual({ kind: 'rollouts', namespace: '' });
    expect(parseVariableQuery('rollouts($namespace)')).toEqual({ kind: 'rollouts', namespace: '$namespace' });
    expect(parseVariableQuery('revisions( demo , checkout )')).toEqual({
      kind: 'revisions',
      namespace: 'demo',
      rollout: 'checkout',
    });
  });

  it('reject anything else', () => {
    for (const bad of ['', 'pods', 'namespaces(x)', 'rollouts(a, b)', 'revisions(demo)', 'revisions(demo, )', 'rollouts(']) {
      expect(parseVariableQuery(bad)).toBeUndefined();
    }
  });

  it('format back to the text they were parsed from', () => {
    for (const text of ['namespaces', 'rollouts', 'rollouts($namespace)', 'revisions(demo, checkout)']) {
      const parsed = parseVariableQuery(text);
      expect(parsed).toBeDefined();
      expect(formatVariableQuery(parsed!)).toBe(text);
    }
  });

  it('interpolate chained variables in their arguments', () => {
    expect(interpolateVariableQuery({ kind: 'revisions', namespace: '$namespace', rollout: '$rollout' }, replace)).toEqual({
      kind: 'revisions',
      namespace: 'demo',
      rollout: 'checkout',
    });
  });
});

describe('annotations', () => {
  it('always query events for the chosen namespace and rollout', () => {
    expect(toAnnotationQuery({ refId: 'X', queryType: 'rollouts', namespace: 'demo', rollout: 'checkout' })).toEqual({
      refId: 'X',
      queryType: 'events',
      namespace: 'demo',
      rollout: 'checkout',
    });
    expect(toAnnotationQuery(undefined)).toMatchObject({ refId: 'Anno', queryType: 'events', namespace: '', rollout: '' });
  });
});
