// Links from the panel into Grafana's Explore on the Tempo datasource.

export interface ExploreTarget {
  datasourceUid: string;
  /** TraceQL query, or a trace ID when `traceId` is set. */
  query: string;
  from?: string;
  to?: string;
}

/** The Explore URL (schemaVersion 1, one pane) running `query` on the Tempo datasource. */
export function tempoExploreUrl({ datasourceUid, query, from = 'now-1h', to = 'now' }: ExploreTarget): string {
  const panes = {
    cl: {
      datasource: datasourceUid,
      queries: [{ refId: 'A', datasource: { type: 'tempo', uid: datasourceUid }, queryType: 'traceql', query }],
      range: { from, to },
    },
  };
  return `/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}&orgId=1`;
}
