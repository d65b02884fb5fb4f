// The statistical verdict: outcome, score, summary and the per-metric results.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { type Shown, textOr } from '../display';
import { formatChange, formatMetric, formatPValue } from '../format';
import type { VerdictRow, VerdictView } from '../viewModel';
import { verdictColor } from './status';

/** A relative change as its field formats it, signed ("+400%"), or the panel's own format. */
function change(r: Pick<VerdictRow, 'relativeDifference' | 'shown'>): string {
  const shown = r.shown.relativeDifference;
  if (!shown || shown.text === '' || r.relativeDifference === null) {
    return formatChange(r.relativeDifference);
  }
  return r.relativeDifference > 0 && !/^[+]/.test(shown.text) ? `+${shown.text}` : shown.text.replace(/^-/, '−');
}

function Cell({ shown, fallback, className }: { shown?: Shown; fallback: string; className: string }) {
  return (
    <td className={className} style={{ color: shown?.color }}>
      {textOr(shown, fallback)}
    </td>
  );
}

export function VerdictBox({ verdict, compact = false }: { verdict: VerdictView; compact?: boolean }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const color = verdictColor(theme, verdict.outcome);
  const judged = verdict.rows.length > 0 && !verdict.rows.every((r) => r.result === 'nodata');
  const showTable = !compact && judged;
  // The table (or, when compact, one line of what did not pass) says per metric what
  // the summary sentence says; the sentence stays when it explains why there is no data.
  const showSummary = verdict.summary !== '' && !judged;
  const notPassing = verdict.rows.filter((r) => r.result === 'fail' || r.result === 'marginal');
  return (
    <div className={styles.wrap} style={{ borderLeftColor: color }} data-testid="verdict">
      <div className={styles.heading}>
        <span style={{ color }} className={styles.outcome}>
          {verdict.outcome || 'No verdict'}
        </span>
        {verdict.score !== null && <span className={styles.score}>score {Math.round(verdict.score)}</span>}
      </div>
      {showSummary && <div className={styles.summary}>{verdict.summary}</div>}
      {compact && judged && (
        <div className={styles.summary}>
          {notPassing.length > 0
            ? notPassing.map((r) => `${r.metric} ${change(r)}`).join(', ')
            : `${verdict.rows.filter((r) => r.result === 'pass').length} of ${verdict.rows.length} metrics pass`}
        </div>
      )}
      {showTable && (
        <table className={styles.table}>
          <thead>
            <tr>
              <th />
              <th className={styles.num}>canary</th>
              <th className={styles.num}>stable</th>
              <th className={styles.num}>Δ</th>
              <th className={styles.num}>p</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {verdict.rows.map((r) => (
              <tr key={r.metric} title={r.reason}>
                <td>{r.metric}</td>
                <Cell className={styles.num} shown={r.shown.experimentMedian} fallback={formatMetric(r.metric, r.experimentMedian)} />
                <Cell className={styles.num} shown={r.shown.controlMedian} fallback={formatMetric(r.metric, r.controlMedian)} />
                <td className={styles.num} style={{ color: r.shown.relativeDifference?.color }}>
                  {change(r)}
                </td>
                <Cell className={styles.num} shown={r.shown.pValue} fallback={formatPValue(r.pValue)} />
                <td style={{ color: verdictColor(theme, r.result) }} className={styles.result}>
                  {r.result}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    borderLeft: '3px solid',
    paddingLeft: theme.spacing(1),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.25),
  }),
  heading: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'baseline' }),
  outcome: css({ fontWeight: theme.typography.fontWeightBold, fontSize: theme.typography.h5.fontSize }),
  score: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  summary: css({ fontSize: theme.typography.bodySmall.fontSize }),
  table: css({
    fontSize: theme.typography.bodySmall.fontSize,
    borderCollapse: 'collapse',
    alignSelf: 'flex-start',
    '& td, & th': { padding: theme.spacing(0, 1, 0, 0) },
    '& th': { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightRegular },
  }),
  num: css({ fontVariantNumeric: 'tabular-nums', color: theme.colors.text.secondary, textAlign: 'right' }),
  result: css({ fontWeight: theme.typography.fontWeightMedium }),
});
