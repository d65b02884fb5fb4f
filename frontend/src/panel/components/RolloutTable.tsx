// Many rollouts: one compact row each, the name leading to the single-rollout view and the
// frame's own data links (e.g. "Show rollout" in Explore) behind a link icon.
import { css } from '@emotion/css';
import type { Field, GrafanaTheme2, LinkModel } from '@grafana/data';
import { DataLinksContextMenu, useStyles2, useTheme2 } from '@grafana/ui';

import { textOr } from '../display';
import { formatPercent } from '../format';
import type { Drilldown } from '../list';
import type { CardModel } from '../viewModel';
import { roleLabel } from './Revisions';
import { StatusBadge } from './StatusBadge';
import { verdictColor } from './status';

interface Props {
  cards: CardModel[];
  drilldown: (card: CardModel) => Drilldown;
  showVerdict: boolean;
  /** The panel's width: narrow panels leave out the revisions and message columns. */
  width: number;
}

/** Below this width the table keeps status, name, step, weight (and verdict). */
const NARROW = 900;

function FrameLinks({ links }: { links: Array<LinkModel<Field>> }) {
  const styles = useStyles2(getStyles);
  if (links.length === 0) {
    return null;
  }
  return (
    <DataLinksContextMenu links={() => links}>
      {({ openMenu, targetClassName }) =>
        openMenu ? (
          <button type="button" className={`${styles.iconButton} ${targetClassName ?? ''}`} onClick={openMenu} aria-label="Data links">
            ↗
          </button>
        ) : (
          <span className={styles.iconButton} aria-label={links[0].title} data-testid="rollout-data-link">
            ↗
          </span>
        )
      }
    </DataLinksContextMenu>
  );
}

export function RolloutTable({ cards, drilldown, showVerdict, width }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const withVerdict = showVerdict && cards.some((c) => c.verdict?.outcome || c.rollout.verdict);
  // One namespace for every row says nothing per row.
  const withNamespace = new Set(cards.map((c) => c.rollout.namespace)).size > 1;
  const wide = width >= NARROW;
  return (
    <table className={styles.table} data-testid="rollout-table">
      <thead>
        <tr>
          <th>Status</th>
          <th>Rollout</th>
          {withNamespace && <th>Namespace</th>}
          <th className={styles.num}>Step</th>
          <th className={styles.num}>Weight</th>
          {wide && <th>Revisions</th>}
          {withVerdict && <th>Verdict</th>}
          {wide && <th>Message</th>}
        </tr>
      </thead>
      <tbody>
        {cards.map((card) => {
          const r = card.rollout;
          const to = drilldown(card);
          const verdict = card.verdict?.outcome || r.verdict;
          return (
            <tr key={r.key} data-testid="rollout-row">
              <td title={r.message || undefined}>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <span className={styles.nameCell}>
                <a
                  className={styles.link}
                  href={to.href}
                  title={`Open ${r.namespace}/${r.name}`}
                  onClick={
                    to.onClick
                      ? (e) => {
                          e.preventDefault();
                          to.onClick?.();
                        }
                      : undefined
                  }
                >
                  {r.name}
                </a>
                <FrameLinks links={r.links} />
                </span>
              </td>
              {withNamespace && <td className={styles.muted}>{r.namespace}</td>}
              <td className={styles.num}>{r.step || card.timeline.position || '–'}</td>
              <td className={styles.num}>
                {r.setWeight === null ? '–' : textOr(r.shown.setWeight, formatPercent(r.setWeight))}
              </td>
              {wide && (
                <td className={styles.muted}>
                  {r.revisions.map((rev) => `${roleLabel(r.strategy, rev.role)} ${rev.revision || '–'}`).join(' · ')}
                </td>
              )}
              {withVerdict && (
                <td style={{ color: verdictColor(theme, verdict ?? '') }} className={styles.strong}>
                  {verdict}
                </td>
              )}
              {wide && (
                <td className={styles.message} title={r.message}>
                  {r.message}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    tableLayout: 'auto',
    '& th': {
      textAlign: 'left',
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.medium}`,
      whiteSpace: 'nowrap',
    },
    '& td': {
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      whiteSpace: 'nowrap',
      verticalAlign: 'middle',
    },
    '& tbody tr:hover': { background: theme.colors.action.hover },
  }),
  nameCell: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  link: css({
    color: theme.colors.text.link,
    fontWeight: theme.typography.fontWeightMedium,
    '&:hover': { textDecoration: 'underline' },
  }),
  iconButton: css({
    display: 'inline-flex',
    background: 'none',
    border: 'none',
    padding: 0,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    cursor: 'pointer',
    '&:hover': { color: theme.colors.text.link },
  }),
  muted: css({ color: theme.colors.text.secondary }),
  strong: css({ fontWeight: theme.typography.fontWeightMedium }),
  num: css({ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  message: css({
    color: theme.colors.text.secondary,
    maxWidth: 360,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
});
