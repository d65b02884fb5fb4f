import type { DataSourceInstanceSettings } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { CanaryLensDataSource } from './datasource';
import type { CanaryLensOptions } from './types';

const settings = {
  id: 1,
  uid: 'canary',
  type: 'canarylens-rollouts-datasource',
  name: 'Canary Lens',
  jsonData: {},
  access: 'proxy',
  meta: { id: 'canarylens-rollouts-datasource' },
  readOnly: false,
} as unknown as DataSourceInstanceSettings<CanaryLensOptions>;

function datasource(resources: Record<string, unknown>) {
  const ds = new CanaryLensDataSource(settings);
  const calls: Array<{ path: string; params?: unknown }> = [];
  ds.getResource = vi.fn(async (path: string, params?: unknown) => {
    calls.push({ path, params });
    return resources[path];
  }) as typeof ds.getResource;
  return { ds, calls };
}

beforeEach(() => {
  setTemplateSrv({
    replace: (s?: string) => (s ?? '').replace('$namespace', 'demo').replace('$rollout', 'checkout'),
    getVariables: () => [{ name: 'namespace' }, { name: 'rollout' }],
    containsTemplate: () => false,
    updateTimeRange: () => {},
  } as unknown as TemplateSrv);
});

describe('CanaryLensDataSource', () => {
  it('applies template variables to every string field of a query', () => {
    const { ds } = datasource({});
    expect(ds.applyTemplateVariables({ refId: 'A', namespace: '$namespace', rollout: '$rollout', limit: 3 }, {})).toEqual({
      refId: 'A',
      namespace: 'demo',
      rollout: 'checkout',
      limit: 3,
    });
  });

  it('lists namespaces for a namespaces variable, ignoring malformed entries', async () => {
    const { ds, calls } = datasource({ namespaces: ['demo', 'shop', 3, null] });
    expect(await ds.metricFindQuery('namespaces')).toEqual([
      { text: 'demo', value: 'demo' },
      { text: 'shop', value: 'shop' },
    ]);
    expect(calls).toEqual([{ path: 'namespaces', params: undefined }]);
  });

  it('lists rollouts of an interpolated namespace', async () => {
    const { ds, calls } = datasource({
      rollouts: [{ namespace: 'demo', name: 'checkout', status: 'Paused', strategy: 'Canary' }, { bogus: true }],
    });
    expect(await ds.metricFindQuery('rollouts($namespace)')).toEqual([{ text: 'checkout', value: 'checkout' }]);
    expect(calls[0]).toEqual({ path: 'rollouts', params: { namespace: 'demo' } });
  });

  it('qualifies rollout names with their namespace when listing every namespace', async () => {
    const { ds } = datasource({ rollouts: [{ namespace: 'shop', name: 'cart' }] });
    expect(await ds.metricFindQuery('rollouts')).toEqual([{ text: 'shop/cart', value: 'cart' }]);
  });

  it('lists revisions with their role', async () => {
    const { ds, calls } = datasource({
      revisions: [
        { revision: '31', role: 'canary', image: 'x:2' },
        { revision: '30', role: 'stable', image: 'x:1' },
        { revision: '29' },
      ],
    });
    expect(await ds.metricFindQuery('revisions($namespace, $rollout)')).toEqual([
      { text: '31 (canary)', value: '31' },
      { text: '30 (stable)', value: '30' },
      { text: '29', value: '29' },
    ]);
    expect(calls[0]).toEqual({ path: 'revisions', params: { namespace: 'demo', rollout: 'checkout' } });
  });

  it('rejects an unknown variable query with the accepted forms', async () => {
    const { ds } = datasource({});
    await expect(ds.metricFindQuery('pods')).rejects.toThrow(/namespaces, rollouts\(<namespace>\)/);
  });

  it('turns annotation targets into events queries', () => {
    const { ds } = datasource({});
    const query = ds.annotations?.prepareQuery?.({
      name: 'Rollouts',
      enable: true,
      iconColor: 'red',
      target: { refId: 'Anno', namespace: 'demo', rollout: 'checkout' },
    });
    expect(query).toEqual({ refId: 'Anno', queryType: 'events', namespace: 'demo', rollout: 'checkout' });
  });

  it('offers dashboard variables to the pickers', () => {
    const { ds } = datasource({});
    expect(ds.variableNames()).toEqual(['$namespace', '$rollout']);
  });
});
