// The Canary Lens datasource on the frontend: queries go to the backend unchanged except
// for template variables; pickers and variables read the backend's resource endpoints.
import type {
  CoreApp,
  DataSourceInstanceSettings,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { EventsAnnotationEditor } from './components/EventsAnnotationEditor';
import {
  interpolateQuery,
  interpolateVariableQuery,
  parseVariableQuery,
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
  type VariableQuery,
} from './types';

export class CanaryLensDataSource extends DataSourceWithBackend<CanaryLensQuery, CanaryLensOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<CanaryLensOptions>) {
    super(instanceSettings);
    this.annotations = {
      prepareQuery: (anno) => toAnnotationQuery(anno.target),
      getDefaultQuery: () => ({ queryType: 'events', ...QUERY_DEFAULTS.events }),
      QueryEditor: EventsAnnotationEditor,
    };
  }

  override getDefaultQuery(_app: CoreApp): Partial<CanaryLensQuery> {
    return defaultQuery(DEFAULT_QUERY_TYPE);
  }

  override applyTemplateVariables(query: CanaryLensQuery, scopedVars: ScopedVars): CanaryLensQuery {
    return interpolateQuery(query, scopedVars, this.replace);
  }

  override filterQuery(query: CanaryLensQuery): boolean {
    return shouldRunQuery(query);
  }

  /** Variable queries: `namespaces`, `rollouts(<namespace>)`, `revisions(<namespace>, <rollout>)`. */
  override async metricFindQuery(query: string, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const parsed = parseVariableQuery(query);
    if (!parsed) {
      throw new Error(
        `Unknown variable query "${query}": use namespaces, rollouts(<namespace>) or revisions(<namespace>, <rollout>)`
      );
    }
    return this.findValues(interpolateVariableQuery(parsed, this.replace, options?.scopedVars));
  }

  async findValues(query: VariableQuery): Promise<MetricFindValue[]> {
    switch (query.kind) {
      case 'namespaces':
        return (await this.getNamespaces()).map((ns) => ({ text: ns, value: ns }));
      case 'rollouts':
        return (await this.getRollouts(query.namespace)).map((r) => ({
          text: query.namespace ? r.name : `${r.namespace}/${r.name}`,
          value: r.name,
        }));
      case 'revisions':
        return (await this.getRevisions(query.namespace, query.rollout)).map((r) => ({
          text: r.role ? `${r.revision} (${r.role})` : r.revision,
          value: r.revision,
        }));
    }
  }

  async getNamespaces(): Promise<string[]> {
    const res = await this.getResource<unknown>('namespaces');
    return Array.isArray(res) ? res.filter((x): x is string => typeof x === 'string') : [];
  }

  async getRollouts(namespace: string): Promise<RolloutRef[]> {
    const params = namespace ? { namespace: this.replace(namespace) } : undefined;
    const res = await this.getResource<unknown>('rollouts', params);
    return Array.isArray(res) ? res.filter(isRolloutRef) : [];
  }

  async getRevisions(namespace: string, rollout: string): Promise<RevisionRef[]> {
    const res = await this.getResource<unknown>('revisions', {
      namespace: this.replace(namespace),
      rollout: this.replace(rollout),
    });
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
