// A link to the canary's slow or failing traces in Explore, and the slowest few.
import { css } from '@emotion/css';
import { type GrafanaTheme2, locationUtil } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';

import { tempoExploreUrl } from '../explore';
import { formatLatency } from '../format';
import type { TracesView } from '../viewModel';

/** The Explore URL under Grafana's sub path, if it has one. */
function explore(datasourceUid: string, query: string): string {
  return locationUtil.assureBaseUrl(tempoExploreUrl({ datasourceUid, query }));
}

export function TracesLink({ traces, compact = false }: { traces: TracesView; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  const uid = traces.datasourceUid;
  const rows = [...traces.rows].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0)).slice(0, compact ? 0 : 3);
  const who = traces.revision === 'canary' || traces.revision === 'stable' ? traces.revision : `revision ${traces.revision}`;
  const summary = `${traces.rows.length} ${who} trace${traces.rows.length === 1 ? '' : 's'}${
    traces.errorCount > 0 ? `, ${traces.errorCount} failing` : ''
  }`;
  return (
    <div className={styles.wrap} data-testid="traces">
      <div>
        {uid && traces.query ? (
          <a className={styles.link} href={explore(uid, traces.query)}>
            <Icon name="compass" size="sm" /> {summary}
          </a>
        ) : (
          <span>{summary}</span>
        )}
      </div>
      {rows.length > 0 && (
        <ul className={styles.list}>
          {rows.map((r) => (
            <li key={r.traceID}>
              {uid ? (
                <a className={styles.link} href={explore(uid, r.traceID)} title={r.traceID}>
                  {r.traceID.slice(0, 8)}
                </a>
              ) : (
                <code>{r.traceID.slice(0, 8)}</code>
              )}{' '}
              <span className={styles.detail}>
                {r.rootSpan || r.rootService} · {formatLatency(r.durationMs === null ? null : r.durationMs / 1000)}
                {r.status.toLowerCase() === 'error' ? ' · error' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ fontSize: theme.typography.bodySmall.fontSize, display: 'flex', flexDirection: 'column', gap: 2 }),
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  detail: css({ color: theme.colors.text.secondary }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
});
