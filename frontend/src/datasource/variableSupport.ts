// Query variables the current way: Grafana finds `datasource.variables`, renders its
// editor in the variable form and runs its `query` for the options (@grafana/scenes
// variables/variants/query/createQueryVariableRunner.ts, CustomQueryRunner: the target is
// the variable's stored query as is, a string in older dashboards). The query goes to the
// backend's variable query types, which answer `text` and `value` fields.
import {
  CustomVariableSupport,
  type DataQueryRequest,
  type DataQueryResponse,
  type MetricFindValue,
} from '@grafana/data';
import { lastValueFrom, type Observable, of, throwError } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { CanaryLensDataSource } from './datasource';
import type { CanaryLensOptions, CanaryLensQuery } from './types';
import { type CanaryLensVariableQuery, framesToMetricFindValues, migrateVariableQuery } from './variableQuery';

export class CanaryLensVariableSupport extends CustomVariableSupport<
  CanaryLensDataSource,
  CanaryLensVariableQuery,
  CanaryLensQuery,
  CanaryLensOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: CanaryLensDataSource) {
    super();
  }

  /** A new variable lists namespaces. (Grafana types this as the datasource's query.) */
  override getDefaultQuery(): Partial<CanaryLensQuery> {
    const query: Partial<CanaryLensVariableQuery> = { queryType: 'namespaces' };
    return query as Partial<CanaryLensQuery>;
  }

  /**
   * Runs stored variable queries: text forms migrated, then through the datasource's
   * query path (template variables as csv lists) to the backend. A revisions query whose
   * rollout is still empty (its rollout variable has no value yet) has no options.
   */
  query(request: DataQueryRequest<CanaryLensVariableQuery>): Observable<DataQueryResponse> {
    let targets: CanaryLensVariableQuery[];
    try {
      targets = request.targets.map((t) => migrateVariableQuery(t));
    } catch (err) {
      return throwError(() => err);
    }
    targets = targets.filter(
      (t) => t.queryType !== 'revisions' || this.datasource.interpolate(t.rollout ?? '', request.scopedVars) !== ''
    );
    if (targets.length === 0) {
      return of({ data: [] });
    }
    const forward = { ...request, targets } as unknown as DataQueryRequest<CanaryLensQuery>;
    return this.datasource.query(forward);
  }

  /** The options of one stored variable query (any form), as MetricFindValues. */
  async findValues(
    stored: unknown,
    request: Omit<DataQueryRequest<CanaryLensVariableQuery>, 'targets'>
  ): Promise<MetricFindValue[]> {
    const empty: DataQueryResponse = { data: [] };
    const response = await lastValueFrom(this.query({ ...request, targets: [stored as CanaryLensVariableQuery] }), {
      defaultValue: empty,
    });
    const error = response.errors?.[0];
    if (error) {
      throw new Error(error.message ?? 'the variable query failed');
    }
    return framesToMetricFindValues(response.data);
  }
}
