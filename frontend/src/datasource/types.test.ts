import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  type CanaryLensOptions,
  type CanaryLensSecureJsonData,
  DEFAULT_QUERY_TYPE,
  defaultQuery,
  JSON_DATA_KEYS,
  QUERY_DEFAULTS,
  QUERY_TYPES,
  SECURE_JSON_KEYS,
  withQueryType,
} from './types';
import { VARIABLE_QUERY_TYPES } from './variableQuery';

// Every key of the settings types, spelled out: adding a key to the type without adding
// it here fails to compile, and the tests below then fail until the lists follow.
const ALL_OPTIONS: Required<Omit<CanaryLensOptions, 'authType' | 'defaultRegion' | 'profile' | 'manageAlerts' | 'alertmanagerUid'>> = {
  kubeMode: 'url',
  kubeconfigPath: '',
  kubeContext: '',
  kubeUrl: '',
  kubeTlsSkipVerify: false,
  namespaces: [],
  prometheusUrl: '',
  prometheusAuth: 'none',
  prometheusUser: '',
  prometheusTlsSkipVerify: false,
  prometheusTimeoutSeconds: 1,
  prometheusScrapeIntervalSeconds: 15,
  tempoUrl: '',
  tempoTimeoutSeconds: 30,
  tempoDatasourceUid: '',
  tempoTlsSkipVerify: false,
  joinMode: 'pod',
  podLabel: '',
  hashLabel: '',
  versionLabel: '',
  namespaceLabel: '',
  traceAttribute: '',
  metricPreset: 'otel',
  requestsTemplate: '',
  errorsTemplate: '',
  latencyBucketTemplate: '',
  quantiles: [],
  verdictPassThreshold: 0,
  verdictMarginalThreshold: 0,
  verdictTolerance: 0,
  verdictConfidence: 0,
  verdictMode: 'sequential',
  verdictErrorsCritical: true,
  verdictLatencyCritical: false,
  verdictErrorsWeight: 50,
  verdictLatencyWeight: 50,
  verdictEffectSize: 1,
  verdictCriticalEffectSize: 1,
};
const ALL_SECURE: Required<CanaryLensSecureJsonData> = {
  kubeToken: '',
  kubeCaCert: '',
  prometheusPassword: '',
  prometheusToken: '',
  prometheusCaCert: '',
  tempoToken: '',
};

describe('settings keys', () => {
  it('list every jsonData key of the options type, once', () => {
    expect([...JSON_DATA_KEYS].sort()).toEqual(Object.keys(ALL_OPTIONS).sort());
    expect(new Set(JSON_DATA_KEYS).size).toBe(JSON_DATA_KEYS.length);
  });

  it('list every secure key of the secure type, once', () => {
    expect([...SECURE_JSON_KEYS].sort()).toEqual(Object.keys(ALL_SECURE).sort());
    expect(new Set(SECURE_JSON_KEYS).size).toBe(SECURE_JSON_KEYS.length);
  });

  it('never list a secret among the plain settings', () => {
    const plain = new Set<string>(JSON_DATA_KEYS);
    expect(SECURE_JSON_KEYS.filter((k) => plain.has(k))).toEqual([]);
  });

  it('match contract.json, the file the backend drift test reads', () => {
    const file = path.join(__dirname, 'contract.json');
    const expected = {
      jsonDataKeys: [...JSON_DATA_KEYS],
      secureJsonDataKeys: [...SECURE_JSON_KEYS],
      queryTypes: [...QUERY_TYPES],
      queryDefaults: QUERY_DEFAULTS,
      variableQueryTypes: [...VARIABLE_QUERY_TYPES],
    };
    if (process.env.UPDATE_CONTRACT) {
      fs.writeFileSync(file, `${JSON.stringify(expected, null, 2)}\n`);
    }
    // Out of date? Run: UPDATE_CONTRACT=1 npx vitest run src/datasource/types.test.ts
    const contract = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(contract.jsonDataKeys).toEqual([...JSON_DATA_KEYS]);
    expect(contract.secureJsonDataKeys).toEqual([...SECURE_JSON_KEYS]);
    expect(contract.queryTypes).toEqual([...QUERY_TYPES]);
    expect(contract.variableQueryTypes).toEqual([...VARIABLE_QUERY_TYPES]);
    expect(contract.queryDefaults).toEqual(JSON.parse(JSON.stringify(QUERY_DEFAULTS)));
  });
});

describe('query defaults', () => {
  it('start with the rollouts type', () => {
    expect(DEFAULT_QUERY_TYPE).toBe('rollouts');
    expect(defaultQuery()).toEqual({ queryType: 'rollouts', namespace: '', rollout: '', labelSelector: '', status: '' });
  });

  it('give traces and canary metrics their documented defaults', () => {
    expect(defaultQuery('traces')).toMatchObject({ revision: 'canary', errorsOnly: false, minDuration: '500ms', limit: 20 });
    expect(defaultQuery('canaryMetrics')).toMatchObject({
      metrics: ['requestRate', 'errorRatio', 'latency'],
      quantiles: [0.5, 0.9, 0.99],
      exemplars: true,
    });
  });

  it('are copies that callers may mutate', () => {
    const q = defaultQuery('canaryMetrics');
    q.metrics?.pop();
    expect(QUERY_DEFAULTS.canaryMetrics.metrics).toHaveLength(3);
  });

  it('switching type keeps refId, namespace and rollout and drops fields of the old type', () => {
    const traces = { refId: 'B', queryType: 'traces' as const, namespace: 'demo', rollout: 'r', minDuration: '2s', limit: 5 };
    const next = withQueryType(traces, 'verdict');
    expect(next).toEqual({ refId: 'B', queryType: 'verdict', namespace: 'demo', rollout: 'r' });
  });
});
