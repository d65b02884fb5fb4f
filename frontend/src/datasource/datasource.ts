// The Canary Lens datasource on the frontend: queries go to the backend unchanged except
// for template variables (lists as csv); query variables run the backend's variable query
// types (variableSupport.ts); the editors' pickers read its resource endpoints.
import {
  type CoreApp,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  getDefaultTimeRange,
  type LegacyMetricFindQueryOptions,
  type MetricFindValue,
  type ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { EventsAnnotationEditor } from './components/EventsAnnotationEditor';
import {
  interpolateQuery,
  LIST_FORMAT,
  namespaceOfRollout,
  type Replace,
  shouldRunQuery,
  toAnnotationQuery,
} from './templating';
import {
  type CanaryLensOptions,
  type CanaryLensQuery,
  DEFAULT_QUERY_TYPE,
  defaultQuery,
  QUERY_DEFAULTS,
  type RevisionRef,
  type RolloutRef,
} from './types';
import type { CanaryLensVariableQuery } from './variableQuery';
import { CanaryLensVariableSupport } from './variableSupport';

export class CanaryLensDataSource extends DataSourceWithBackend<CanaryLensQuery, CanaryLensOptions> {
  private readonly variableSupport: CanaryLensVariableSupport;

  constructor(instanceSettings: DataSourceInstanceSettings<CanaryLensOptions>) {
    super(instanceSettings);
    this.annotations = {
      prepareQuery: (anno) => toAnnotationQuery(anno.target),
      getDefaultQuery: () => ({ queryType: 'events', ...QUERY_DEFAULTS.events }),
      QueryEditor: EventsAnnotationEditor,
    };
    this.variableSupport = new CanaryLensVariableSupport(this);
    this.variables = this.variableSupport;
  }

  override getDefaultQuery(_app: CoreApp): Partial<CanaryLensQuery> {
    return defaultQuery(DEFAULT_QUERY_TYPE);
  }

  override applyTemplateVariables(query: CanaryLensQuery, scopedVars: ScopedVars): CanaryLensQuery {
    return interpolateQuery(query, scopedVars, this.replace);
  }

  /**
   * Explore (switching datasources, "open in Explore") and the query library ask for the
   * queries with their variables replaced: the same interpolation as a dashboard's run.
   */
  override interpolateVariablesInQueries(queries: CanaryLensQuery[], scopedVars: ScopedVars): CanaryLensQuery[] {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars), datasource: this.getRef() }));
  }

  override filterQuery(query: CanaryLensQuery): boolean {
    return shouldRunQuery(query);
  }

  /**
   * Variable options outside the query variable runner (which uses `variables`): any
   * stored form, `{"queryType":"rolloutNames","namespace":"$namespace"}` as well as the
   * text forms `namespaces`, `rollouts(<namespace>)`, `revisions(<namespace>, <rollout>)`.
   */
  override async metricFindQuery(
    query: string | CanaryLensVariableQuery,
    options?: LegacyMetricFindQueryOptions
  ): Promise<MetricFindValue[]> {
    const range = options?.range ?? getDefaultTimeRange();
    const request: Omit<DataQueryRequest<CanaryLensVariableQuery>, 'targets'> = {
      requestId: `canarylens-variable-${options?.variable?.name ?? 'query'}`,
      interval: '',
      intervalMs: 0,
      range,
      scopedVars: options?.scopedVars ?? {},
      timezone: 'browser',
      app: 'dashboard',
      startTime: Date.now(),
    };
    return this.variableSupport.findValues(query, request);
  }

  /** A text with its variables replaced, lists as csv. */
  interpolate(text: string, scopedVars?: ScopedVars): string {
    return text ? this.replace(text, scopedVars, LIST_FORMAT) : '';
  }

  async getNamespaces(): Promise<string[]> {
    const res = await this.getResource<unknown>('namespaces');
    return Array.isArray(res) ? res.filter((x): x is string => typeof x === 'string') : [];
  }

  /** Rollouts of a namespace, a comma-separated list or a variable (every namespace when empty). */
  async getRollouts(namespace: string): Promise<RolloutRef[]> {
    const ns = this.interpolate(namespace);
    const res = await this.getResource<unknown>('rollouts', ns ? { namespace: ns } : undefined);
    return Array.isArray(res) ? res.filter(isRolloutRef) : [];
  }

  /** Revisions of a rollout named in its namespace, or as namespace/name. */
  async getRevisions(namespace: string, rollout: string): Promise<RevisionRef[]> {
    let ns = this.interpolate(namespace);
    let name = this.interpolate(rollout);
    const own = namespaceOfRollout(name);
    if (own) {
      ns = own;
      name = name.slice(own.length + 1).trim();
    }
    const res = await this.getResource<unknown>('revisions', { namespace: ns, rollout: name });
    return Array.isArray(res) ? res.filter(isRevisionRef) : [];
  }

  /** Names of the dashboard's variables, offered in the pickers as `$name`. */
  variableNames(): string[] {
    return getTemplateSrv()
      .getVariables()
      .map((v) => `$${v.name}`);
  }

  private replace: Replace = (target, scopedVars, format) => getTemplateSrv().replace(target, scopedVars, format);
}

function isRolloutRef(x: unknown): x is RolloutRef {
  return typeof x === 'object' && x !== null && typeof (x as RolloutRef).name === 'string';
}

function isRevisionRef(x: unknown): x is RevisionRef {
  return typeof x === 'object' && x !== null && typeof (x as RevisionRef).revision === 'string';
}
