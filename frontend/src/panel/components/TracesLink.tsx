// The canary's slow or failing traces: the search in Explore and the slowest few, each
// through the frame's own data links (Grafana's link machinery, the panel's time range).
import { css } from '@emotion/css';
import type { Field, GrafanaTheme2, LinkModel } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';

import { textOr } from '../display';
import { formatLatency } from '../format';
import type { TracesView } from '../viewModel';

/** An anchor for a Grafana link model (href, target and the host's click handler). */
function LinkTo({ link, className, title, children }: { link: LinkModel<Field>; className: string; title?: string; children: React.ReactNode }) {
  return (
    <a
      className={className}
      href={link.href}
      target={link.target === '_self' ? undefined : link.target}
      title={title ?? link.title}
      onClick={link.onClick ? (e) => link.onClick?.(e) : undefined}
    >
      {children}
    </a>
  );
}

export function TracesLink({ traces, compact = false }: { traces: TracesView; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  const rows = [...traces.rows].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0)).slice(0, compact ? 0 : 3);
  const who = traces.revision === 'canary' || traces.revision === 'stable' ? traces.revision : `revision ${traces.revision}`;
  const summary = `${traces.rows.length} ${who} trace${traces.rows.length === 1 ? '' : 's'}${
    traces.errorCount > 0 ? `, ${traces.errorCount} failing` : ''
  }`;
  const search = traces.searchLinks[0];
  return (
    <div className={styles.wrap} data-testid="traces">
      <div>
        {search ? (
          <LinkTo link={search} className={styles.link}>
            <Icon name="compass" size="sm" /> {summary}
          </LinkTo>
        ) : (
          <span>{summary}</span>
        )}
      </div>
      {rows.length > 0 && (
        <ul className={styles.list}>
          {rows.map((r) => (
            <li key={r.traceID}>
              {r.links[0] ? (
                <LinkTo link={r.links[0]} className={styles.link} title={r.traceID}>
                  {r.traceID.slice(0, 8)}
                </LinkTo>
              ) : (
                <code>{r.traceID.slice(0, 8)}</code>
              )}{' '}
              <span className={styles.detail}>
                {r.rootSpan || r.rootService} ·{' '}
                {textOr(r.durationShown, formatLatency(r.durationMs === null ? null : r.durationMs / 1000))}
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
