// The one source of truth, on the frontend, for the Canary Lens query model, its
// defaults, the datasource settings (jsonData) and the secret settings keys.
// contract.json mirrors the key lists for the backend's drift test; a unit test keeps
// the two in step.
import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

export const QUERY_TYPES = [
  'rollouts',
  'rollout',
  'steps',
  'analysis',
  'canaryMetrics',
  'trafficSplit',
  'traces',
  'verdict',
  'events',
] as const;

export type QueryType = (typeof QUERY_TYPES)[number];

export const DEFAULT_QUERY_TYPE: QueryType = 'rollouts';

/** Human labels and descriptions of the query types, in display order. */
export const QUERY_TYPE_INFO: Record<QueryType, { label: string; description: string }> = {
  rollouts: { label: 'Rollouts', description: 'One row per rollout: status, step, weights, revisions' },
  rollout: { label: 'Rollout tree', description: 'One rollout: its revisions, ReplicaSets, pods and analysis runs' },
  steps: { label: 'Steps', description: 'The canary steps with the current one marked' },
  analysis: { label: 'Analysis', description: 'Analysis runs: measurements per metric' },
  canaryMetrics: { label: 'Canary metrics', description: 'Request rate, error ratio and latency per revision' },
  trafficSplit: { label: 'Traffic split', description: 'Observed traffic share per revision vs set and actual weight' },
  traces: { label: 'Traces', description: 'Traces of one revision from Tempo' },
  verdict: { label: 'Verdict', description: 'Canary vs stable judged metric by metric' },
  events: { label: 'Events', description: 'Rollout events as annotations' },
};

export const CANARY_METRICS = ['requestRate', 'errorRatio', 'latency'] as const;
export type CanaryMetric = (typeof CANARY_METRICS)[number];

export const DEFAULT_QUANTILES = [0.5, 0.9, 0.99];

export interface CanaryLensQuery extends DataQuery {
  queryType?: QueryType;
  namespace?: string;
  rollout?: string;
  /** rollouts: Kubernetes label selector. */
  labelSelector?: string;
  /** rollouts: only rollouts with this status (Healthy, Progressing, Paused, Degraded). */
  status?: string;
  /** canaryMetrics */
  metrics?: CanaryMetric[];
  quantiles?: number[];
  exemplars?: boolean;
  /** traces: "canary", "stable" or a revision number. */
  revision?: string;
  errorsOnly?: boolean;
  minDuration?: string;
  limit?: number;
}

/** Query fields that hold strings and accept template variables. */
export const TEMPLATED_QUERY_FIELDS = [
  'namespace',
  'rollout',
  'labelSelector',
  'status',
  'revision',
  'minDuration',
] as const satisfies ReadonlyArray<keyof CanaryLensQuery>;

/** Query types that need a rollout name to run. */
export const ROLLOUT_SCOPED: ReadonlySet<QueryType> = new Set(
  QUERY_TYPES.filter((t) => t !== 'rollouts' && t !== 'events')
);

type QueryFields = Omit<CanaryLensQuery, keyof DataQuery>;

/** The default fields of each query type (what the backend assumes when a field is absent). */
export const QUERY_DEFAULTS: Record<QueryType, QueryFields> = {
  rollouts: { namespace: '', rollout: '', labelSelector: '', status: '' },
  rollout: { namespace: '', rollout: '' },
  steps: { namespace: '', rollout: '' },
  analysis: { namespace: '', rollout: '' },
  canaryMetrics: {
    namespace: '',
    rollout: '',
    metrics: [...CANARY_METRICS],
    quantiles: [...DEFAULT_QUANTILES],
    exemplars: true,
  },
  trafficSplit: { namespace: '', rollout: '' },
  traces: { namespace: '', rollout: '', revision: 'canary', errorsOnly: false, minDuration: '500ms', limit: 20 },
  verdict: { namespace: '', rollout: '' },
  events: { namespace: '', rollout: '' },
};

export function isQueryType(value: unknown): value is QueryType {
  return typeof value === 'string' && (QUERY_TYPES as readonly string[]).includes(value);
}

/** A fresh query of the given type with its defaults (deep copies, safe to mutate). */
export function defaultQuery(queryType: QueryType = DEFAULT_QUERY_TYPE): Partial<CanaryLensQuery> {
  return { queryType, ...structuredClone(QUERY_DEFAULTS[queryType]) };
}

/**
 * Switches a query to another type: keeps the common fields (namespace, rollout), takes
 * the new type's defaults for the rest and drops fields the new type does not read.
 */
export function withQueryType(query: CanaryLensQuery, queryType: QueryType): CanaryLensQuery {
  const { refId, datasource, hide, key } = query;
  const next: CanaryLensQuery = { refId, ...defaultQuery(queryType), queryType };
  if (datasource !== undefined) {
    next.datasource = datasource;
  }
  if (hide !== undefined) {
    next.hide = hide;
  }
  if (key !== undefined) {
    next.key = key;
  }
  next.namespace = query.namespace ?? '';
  next.rollout = query.rollout ?? '';
  return next;
}

// ---------------------------------------------------------------------------------
// Datasource settings
// ---------------------------------------------------------------------------------

export type KubeMode = 'inCluster' | 'kubeconfig' | 'url';
export type PrometheusAuth = 'none' | 'basic' | 'bearer';
export type JoinMode = 'pod' | 'podTemplateHash' | 'version';
export type MetricPreset = 'otel' | 'prometheus' | 'argoDemo' | 'custom';

export interface CanaryLensOptions extends DataSourceJsonData {
  /** Empty = auto: in-cluster inside a pod, else the default kubeconfig. */
  kubeMode?: KubeMode | '';
  kubeconfigPath?: string;
  kubeContext?: string;
  kubeUrl?: string;
  kubeTlsSkipVerify?: boolean;
  namespaces?: string[];
  prometheusUrl?: string;
  prometheusAuth?: PrometheusAuth;
  prometheusUser?: string;
  prometheusTlsSkipVerify?: boolean;
  prometheusTimeoutSeconds?: number;
  /** How often Prometheus scrapes the applications (default 15): sizes rate windows. */
  prometheusScrapeIntervalSeconds?: number;
  tempoUrl?: string;
  /** Seconds a trace search may take (default: the Prometheus timeout). */
  tempoTimeoutSeconds?: number;
  tempoDatasourceUid?: string;
  tempoTlsSkipVerify?: boolean;
  joinMode?: JoinMode;
  podLabel?: string;
  hashLabel?: string;
  versionLabel?: string;
  namespaceLabel?: string;
  traceAttribute?: string;
  metricPreset?: MetricPreset;
  requestsTemplate?: string;
  errorsTemplate?: string;
  latencyBucketTemplate?: string;
  quantiles?: number[];
  verdictPassThreshold?: number;
  verdictMarginalThreshold?: number;
  verdictTolerance?: number;
  verdictConfidence?: number;
  /** `sequential` (default; valid at every look) or `fixed` (Kayenta's one-look test). */
  verdictMode?: VerdictMode;
  /** A failing error ratio fails the whole canary (default true). */
  verdictErrorsCritical?: boolean;
  /** A failing latency quantile fails the whole canary (default false). */
  verdictLatencyCritical?: boolean;
  verdictErrorsWeight?: number;
  verdictLatencyWeight?: number;
  /** Smallest canary/stable mean ratio that counts as worse (default 1). */
  verdictEffectSize?: number;
  /** Mean ratio beyond which a critical metric fails the canary (default 1). */
  verdictCriticalEffectSize?: number;
}

export type VerdictMode = 'sequential' | 'fixed';

export interface CanaryLensSecureJsonData {
  kubeToken?: string;
  kubeCaCert?: string;
  prometheusPassword?: string;
  prometheusToken?: string;
  prometheusCaCert?: string;
  tempoToken?: string;
}

/** Every jsonData key the backend reads (compared with the backend by a drift test). */
export const JSON_DATA_KEYS = [
  'kubeMode',
  'kubeconfigPath',
  'kubeContext',
  'kubeUrl',
  'kubeTlsSkipVerify',
  'namespaces',
  'prometheusUrl',
  'prometheusAuth',
  'prometheusUser',
  'prometheusTlsSkipVerify',
  'prometheusTimeoutSeconds',
  'prometheusScrapeIntervalSeconds',
  'tempoUrl',
  'tempoTimeoutSeconds',
  'tempoDatasourceUid',
  'tempoTlsSkipVerify',
  'joinMode',
  'podLabel',
  'hashLabel',
  'versionLabel',
  'namespaceLabel',
  'traceAttribute',
  'metricPreset',
  'requestsTemplate',
  'errorsTemplate',
  'latencyBucketTemplate',
  'quantiles',
  'verdictPassThreshold',
  'verdictMarginalThreshold',
  'verdictTolerance',
  'verdictConfidence',
  'verdictMode',
  'verdictErrorsCritical',
  'verdictLatencyCritical',
  'verdictErrorsWeight',
  'verdictLatencyWeight',
  'verdictEffectSize',
  'verdictCriticalEffectSize',
] as const satisfies ReadonlyArray<keyof CanaryLensOptions>;

/** Every secureJsonData key the backend reads. */
export const SECURE_JSON_KEYS = [
  'kubeToken',
  'kubeCaCert',
  'prometheusPassword',
  'prometheusToken',
  'prometheusCaCert',
  'tempoToken',
] as const satisfies ReadonlyArray<keyof CanaryLensSecureJsonData>;

export type SecureJsonKey = (typeof SECURE_JSON_KEYS)[number];

/** Defaults the contract gives for absent keys; the editors show them as placeholders. */
export const SETTINGS_DEFAULTS = {
  kubeMode: '',
  prometheusAuth: 'none',
  joinMode: 'pod',
  podLabel: 'pod',
  hashLabel: 'rollouts_pod_template_hash',
  namespaceLabel: 'namespace',
  traceAttribute: 'k8s.pod.name',
  quantiles: [...DEFAULT_QUANTILES],
  verdictPassThreshold: 90,
  verdictMarginalThreshold: 75,
  verdictTolerance: 0.25,
  verdictConfidence: 0.98,
  verdictMode: 'sequential',
  verdictErrorsCritical: true,
  verdictLatencyCritical: false,
  verdictErrorsWeight: 50,
  verdictLatencyWeight: 50,
  verdictEffectSize: 1,
  verdictCriticalEffectSize: 1,
} as const satisfies Partial<Record<keyof CanaryLensOptions, unknown>>;

/** Rows of the resource endpoints. */
export interface RolloutRef {
  namespace: string;
  name: string;
  status?: string;
  strategy?: string;
}

export interface RevisionRef {
  revision: string;
  role?: string;
  replicaSet?: string;
  podTemplateHash?: string;
  image?: string;
}
