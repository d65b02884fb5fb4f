import {
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  getDefaultTimeRange,
  VariableSupportType,
} from '@grafana/data';
import { type BackendSrv, type BackendSrvRequest, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { lastValueFrom, of } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { ContractTemplateSrv } from '../../contract/templateSrv';
import { CanaryLensDataSource } from './datasource';
import type { CanaryLensOptions, CanaryLensQuery } from './types';
import type { CanaryLensVariableQuery } from './variableQuery';

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

function datasource(resources: Record<string, unknown> = {}) {
  const ds = new CanaryLensDataSource(settings);
  const calls: Array<{ path: string; params?: unknown }> = [];
  ds.getResource = vi.fn(async (path: string, params?: unknown) => {
    calls.push({ path, params });
    return resources[path];
  }) as typeof ds.getResource;
  return { ds, calls };
}

/** What the backend got: the queries of each /api/ds/query call. */
let posted: Array<Array<Record<string, unknown>>> = [];
/** What the backend answers a variable query: text/value rows by refId. */
let answers: Record<string, Array<[string, string]>> = {};

function textValueFrame(refId: string, rows: Array<[string, string]>) {
  return {
    schema: { refId, fields: [{ name: 'text', type: 'string' }, { name: 'value', type: 'string' }] },
    data: { values: [rows.map((r) => r[0]), rows.map((r) => r[1])] },
  };
}

/** Grafana's template service with $namespace = [demo, shop] (multi) and $rollout = checkout. */
function templates(namespace: string | string[] = ['demo', 'shop']) {
  const srv = new ContractTemplateSrv();
  const options = ['demo', 'shop', 'other'].map((v) => ({ text: v, value: v }));
  srv.variables = [
    { name: 'namespace', type: 'query', multi: true, includeAll: true, options, current: { text: namespace, value: namespace }, model: {} },
    {
      name: 'rollout',
      type: 'query',
      multi: false,
      includeAll: false,
      options: [],
      current: { text: 'checkout', value: 'checkout' },
      model: {},
    },
    { name: 'empty', type: 'textbox', multi: false, includeAll: false, options: [], current: { text: '', value: '' }, model: {} },
  ];
  setTemplateSrv(srv);
  return srv;
}

beforeEach(() => {
  posted = [];
  answers = {};
  templates();
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      const queries = (req.data as { queries: Array<Record<string, unknown>> }).queries;
      posted.push(queries);
      const results = Object.fromEntries(
        queries.map((q) => [q.refId, { frames: [textValueFrame(String(q.refId), answers[String(q.queryType)] ?? [])] }])
      );
      return of({ data: { results }, status: 200, ok: true, headers: new Headers(), url: req.url, config: req });
    },
  } as unknown as BackendSrv);
});

function variableRequest(target: unknown): DataQueryRequest<CanaryLensVariableQuery> {
  return {
    requestId: 'variable-1',
    interval: '',
    intervalMs: 0,
    range: getDefaultTimeRange(),
    scopedVars: {},
    targets: [target as CanaryLensVariableQuery],
    timezone: '',
    app: 'dashboard',
    startTime: 0,
  };
}

async function runVariable(ds: CanaryLensDataSource, target: unknown): Promise<DataQueryResponse> {
  const support = ds.variables;
  expect(support?.getType()).toBe(VariableSupportType.Custom);
  const query = (support as unknown as { query: (r: DataQueryRequest) => ReturnType<CanaryLensDataSource['query']> }).query;
  return lastValueFrom(query.call(support, variableRequest(target)) as never);
}

describe('CanaryLensDataSource', () => {
  it('interpolates every string field, multi-value variables as a csv list', () => {
    const { ds } = datasource();
    expect(ds.applyTemplateVariables({ refId: 'A', queryType: 'rollouts', namespace: '$namespace', rollout: '$rollout', limit: 3 }, {})).toEqual({
      refId: 'A',
      queryType: 'rollouts',
      namespace: 'demo,shop',
      rollout: 'checkout',
      limit: 3,
    });
  });

  it('interpolates queries for Explore and the query library, with its own datasource ref', () => {
    const { ds } = datasource();
    const out = ds.interpolateVariablesInQueries(
      [{ refId: 'A', queryType: 'events', namespace: '${namespace}', rollout: '$rollout' }],
      { rollout: { text: 'cart', value: 'cart' } }
    );
    expect(out).toEqual([
      {
        refId: 'A',
        queryType: 'events',
        namespace: 'demo,shop',
        rollout: 'cart',
        datasource: { type: 'canarylens-rollouts-datasource', uid: 'canary' },
      },
    ]);
  });

  it('declares custom variable support with an editor and a default query', () => {
    const { ds } = datasource();
    const support = ds.variables as unknown as { editor: unknown; getDefaultQuery: () => unknown };
    expect(support.editor).toBeTypeOf('function');
    expect(support.getDefaultQuery()).toEqual({ queryType: 'namespaces' });
  });

  it("runs the provisioned dashboard's stored variable queries through the backend", async () => {
    const { ds } = datasource();
    answers.namespaces = [
      ['demo', 'demo'],
      ['shop', 'shop'],
    ];
    answers.rolloutNames = [['demo/checkout', 'demo/checkout']];
    const namespaces = await runVariable(ds, { queryType: 'namespaces' });
    expect(namespaces.errors ?? []).toEqual([]);
    expect(namespaces.data[0].fields.map((f: { name: string }) => f.name)).toEqual(['text', 'value']);
    await runVariable(ds, { queryType: 'rolloutNames', namespace: '$namespace' });
    expect(posted.map((qs) => qs.map((q) => [q.queryType, q.namespace]))).toEqual([
      [['namespaces', undefined]],
      [['rolloutNames', 'demo,shop']],
    ]);
    expect(posted[1][0].refId).toBe('variable');
  });

  it('migrates the text form of older dashboards', async () => {
    const { ds } = datasource();
    await runVariable(ds, 'rollouts($namespace)');
    await runVariable(ds, 'revisions($namespace, $rollout)');
    await runVariable(ds, 'namespaces');
    expect(posted.map((qs) => qs[0])).toMatchObject([
      { queryType: 'rolloutNames', namespace: 'demo,shop' },
      { queryType: 'revisions', namespace: 'demo,shop', rollout: 'checkout' },
      { queryType: 'namespaces' },
    ]);
  });

  it('gives no revisions, without asking, while the rollout variable is empty', async () => {
    const { ds } = datasource();
    const res = await runVariable(ds, { queryType: 'revisions', namespace: 'demo', rollout: '$empty' });
    expect(res.data).toEqual([]);
    expect(posted).toEqual([]);
  });

  it('fails an unknown variable query naming it and the accepted forms', async () => {
    const { ds } = datasource();
    await expect(runVariable(ds, { queryType: 'pods' })).rejects.toThrow(/"pods".*namespaces, rolloutNames, revisions/);
    await expect(runVariable(ds, 'pods')).rejects.toThrow(/namespaces, rollouts\(<namespace>\)/);
  });

  it('still answers metricFindQuery, text form or object, as MetricFindValues', async () => {
    const { ds } = datasource();
    answers.revisions = [
      ['31 (canary)', '31'],
      ['30 (stable)', '30'],
    ];
    expect(await ds.metricFindQuery('revisions(demo, checkout)')).toEqual([
      { text: '31 (canary)', value: '31' },
      { text: '30 (stable)', value: '30' },
    ]);
    answers.rolloutNames = [['shop/cart', 'shop/cart']];
    expect(await ds.metricFindQuery({ refId: 'v', queryType: 'rolloutNames', namespace: '' })).toEqual([
      { text: 'shop/cart', value: 'shop/cart' },
    ]);
  });

  it('lists rollouts of every namespace a variable holds, as a csv list', async () => {
    const { ds, calls } = datasource({ rollouts: [{ namespace: 'demo', name: 'checkout' }, { bogus: true }] });
    expect(await ds.getRollouts('$namespace')).toEqual([{ namespace: 'demo', name: 'checkout' }]);
    expect(calls[0]).toEqual({ path: 'rollouts', params: { namespace: 'demo,shop' } });
    await ds.getRollouts('');
    expect(calls[1]).toEqual({ path: 'rollouts', params: undefined });
  });

  it('asks revisions of a namespace/name rollout in its own namespace', async () => {
    const { ds, calls } = datasource({ revisions: [{ revision: '31', role: 'canary' }, { revision: 7 }] });
    expect(await ds.getRevisions('', 'shop/cart')).toEqual([{ revision: '31', role: 'canary' }]);
    expect(calls[0]).toEqual({ path: 'revisions', params: { namespace: 'shop', rollout: 'cart' } });
  });

  it('turns annotation targets into events queries', () => {
    const { ds } = datasource();
    const query = ds.annotations?.prepareQuery?.({
      name: 'Rollouts',
      enable: true,
      iconColor: 'red',
      target: { refId: 'Anno', namespace: 'demo', rollout: 'checkout' },
    });
    expect(query).toEqual({ refId: 'Anno', queryType: 'events', namespace: 'demo', rollout: 'checkout' });
  });

  it('offers dashboard variables to the pickers', () => {
    const { ds } = datasource();
    expect(ds.variableNames()).toEqual(['$namespace', '$rollout', '$empty']);
  });

  it('sends a rollout-scoped query under an All namespace to the rollout’s own namespace', () => {
    templates(['$__all']);
    const { ds } = datasource();
    const q: CanaryLensQuery = { refId: 'A', queryType: 'verdict', namespace: '$namespace', rollout: 'shop/cart' };
    expect(ds.applyTemplateVariables(q, {})).toMatchObject({ namespace: 'shop', rollout: 'shop/cart' });
  });
});
