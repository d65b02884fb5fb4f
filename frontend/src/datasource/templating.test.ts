import { describe, expect, it } from 'vitest';

import {
  interpolateQuery,
  lacksRollout,
  namespaceOfRollout,
  type Replace,
  shouldRunQuery,
  splitList,
  toAnnotationQuery,
} from './templating';
import type { CanaryLensQuery } from './types';

/**
 * A template service with $namespace=demo, $rollout=checkout, multi-value $many=[a, b] and
 * scoped $rev. Lists format as Grafana's formatRegistry does: glob `{a,b}` unless asked.
 */
const replace: Replace = (target, scopedVars, format) =>
  target.replace(/\$(\w+)/g, (whole, name: string) => {
    const scoped = scopedVars?.[name]?.value;
    if (scoped !== undefined) {
      return String(scoped);
    }
    if (name === 'many') {
      return format === 'csv' ? 'a,b' : '{a,b}';
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

  it('gives multi-value variables as a csv list, never {a,b}', () => {
    const out = interpolateQuery({ refId: 'A', queryType: 'rollouts', namespace: '$many', rollout: '$many', labelSelector: 'app in ($many)' }, {}, replace);
    expect(out).toMatchObject({ namespace: 'a,b', rollout: 'a,b', labelSelector: 'app in (a,b)' });
  });

  it('narrows a namespace list to the namespace of a namespace/name rollout', () => {
    const one = (namespace: string, rollout: string, queryType = 'steps') =>
      interpolateQuery({ refId: 'A', queryType: queryType as CanaryLensQuery['queryType'], namespace, rollout }, {}, replace);
    expect(one('$many', 'b/cart')).toMatchObject({ namespace: 'b', rollout: 'b/cart' });
    expect(one('$many', 'b/cart', 'revisions')).toMatchObject({ namespace: 'b' });
    // Not in the list, or a list query: left for the backend to judge.
    expect(one('$many', 'z/cart')).toMatchObject({ namespace: 'a,b' });
    expect(one('$many', 'b/cart', 'rollouts')).toMatchObject({ namespace: 'a,b' });
  });

  it('reads namespace/name rollouts and csv lists as the backend does', () => {
    expect(namespaceOfRollout('shop/cart')).toBe('shop');
    for (const plain of ['cart', '/cart', 'shop/', 'a/b/c', '']) {
      expect(namespaceOfRollout(plain)).toBeUndefined();
    }
    expect(splitList(' a, ,b ,')).toEqual(['a', 'b']);
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
