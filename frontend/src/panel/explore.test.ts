import { describe, expect, it } from 'vitest';

import { tempoExploreUrl } from './explore';

describe('tempoExploreUrl', () => {
  it('opens one Explore pane running the TraceQL on the Tempo datasource', () => {
    const url = tempoExploreUrl({ datasourceUid: 'tempo-uid', query: '{ status = error && name = "a\\"b" }' });
    expect(url.startsWith('/explore?schemaVersion=1&panes=')).toBe(true);
    const panes = JSON.parse(decodeURIComponent(new URL(url, 'http://grafana').searchParams.get('panes') ?? ''));
    expect(Object.values(panes)).toEqual([
      {
        datasource: 'tempo-uid',
        queries: [
          { refId: 'A', datasource: { type: 'tempo', uid: 'tempo-uid' }, queryType: 'traceql', query: '{ status = error && name = "a\\"b" }' },
        ],
        range: { from: 'now-1h', to: 'now' },
      },
    ]);
  });
});
