import { toDataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import {
  describeVariableQuery,
  framesToMetricFindValues,
  migrateVariableQuery,
  parseLegacyVariableQuery,
  VariableQueryError,
} from './variableQuery';

describe('variable queries', () => {
  it('migrate the text forms of older dashboards', () => {
    expect(migrateVariableQuery('namespaces')).toEqual({ refId: 'variable', queryType: 'namespaces' });
    expect(migrateVariableQuery(' rollouts ')).toEqual({ refId: 'variable', queryType: 'rolloutNames', namespace: '' });
    expect(migrateVariableQuery('rollouts($namespace)')).toEqual({
      refId: 'variable',
      queryType: 'rolloutNames',
      namespace: '$namespace',
    });
    expect(migrateVariableQuery('revisions( demo , checkout )')).toEqual({
      refId: 'variable',
      queryType: 'revisions',
      namespace: 'demo',
      rollout: 'checkout',
    });
    // A standard variable query wrapping the text form.
    expect(migrateVariableQuery({ refId: 'S', query: 'rollouts(shop)' })).toEqual({
      refId: 'S',
      queryType: 'rolloutNames',
      namespace: 'shop',
    });
  });

  it('keep the stored object form, with a refId and only its own fields', () => {
    expect(migrateVariableQuery({ queryType: 'rolloutNames', namespace: '$namespace' })).toEqual({
      refId: 'variable',
      queryType: 'rolloutNames',
      namespace: '$namespace',
    });
    expect(migrateVariableQuery({ refId: 'x', queryType: 'namespaces', namespace: 'ignored' })).toEqual({
      refId: 'x',
      queryType: 'namespaces',
    });
    expect(migrateVariableQuery({ queryType: 'revisions' })).toEqual({
      refId: 'variable',
      queryType: 'revisions',
      namespace: '',
      rollout: '',
    });
  });

  it('start a new variable as a namespaces query', () => {
    expect(migrateVariableQuery('')).toEqual({ refId: 'variable', queryType: 'namespaces' });
    expect(migrateVariableQuery(undefined)).toEqual({ refId: 'variable', queryType: 'namespaces' });
  });

  it('reject anything else, naming the accepted forms', () => {
    for (const bad of ['pods', 'namespaces(x)', 'rollouts(a, b)', 'revisions(demo)', 'revisions(demo, )', 'rollouts(']) {
      expect(parseLegacyVariableQuery(bad)).toBeUndefined();
      expect(() => migrateVariableQuery(bad)).toThrow(VariableQueryError);
    }
    expect(() => migrateVariableQuery({ queryType: 'rollouts' })).toThrow(/"rollouts".*namespaces, rolloutNames, revisions/);
    expect(() => migrateVariableQuery(3)).toThrow(VariableQueryError);
  });

  it('describe themselves in one line', () => {
    expect(describeVariableQuery({ refId: 'v', queryType: 'rolloutNames', namespace: '$namespace' })).toBe(
      'rollouts in $namespace'
    );
    expect(describeVariableQuery({ refId: 'v', queryType: 'rolloutNames', namespace: '' })).toBe('rollouts in all namespaces');
    expect(describeVariableQuery({ refId: 'v', queryType: 'revisions', namespace: 'demo', rollout: 'cart' })).toBe(
      'revisions of demo/cart'
    );
  });

  it('read the backend answer as text and value pairs', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'text', values: ['31 (canary)', '30'] },
        { name: 'value', values: ['31', '30'] },
      ],
    });
    expect(framesToMetricFindValues([frame])).toEqual([
      { text: '31 (canary)', value: '31' },
      { text: '30', value: '30' },
    ]);
    expect(framesToMetricFindValues([toDataFrame({ fields: [{ name: 'value', values: ['a'] }] })])).toEqual([
      { text: 'a', value: 'a' },
    ]);
  });
});
