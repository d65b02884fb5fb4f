// The statistical verdict: outcome, score, summary and the per-metric results.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { formatMetric } from '../format';
import type { VerdictView } from '../viewModel';
import { verdictColor } from './status';

export function VerdictBox({ verdict, compact = false }: { verdict: VerdictView; compact?: boolean }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const color = verdictColor(theme, verdict.outcome);
  return (
    <div className={styles.wrap} style={{ borderLeftColor: color }} data-testid="verdict">
      <div className={styles.heading}>
        <span style={{ color }} className={styles.outcome}>
          {verdict.outcome || 'No verdict'}
        </span>
        {verdict.score !== null && <span className={styles.score}>score {Math.round(verdict.score)}</span>}
      </div>
      {verdict.summary && <div className={styles.summary}>{verdict.summary}</div>}
      {!compact && verdict.rows.length > 0 && (
        <table className={styles.table}>
          <tbody>
            {verdict.rows.map((r) => (
              <tr key={r.metric} title={r.reason}>
                <td>{r.metric}</td>
                <td className={styles.num}>
                  {formatMetric(r.metric, r.experimentMedian)} vs {formatMetric(r.metric, r.controlMedian)}
                </td>
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
    '& td': { padding: theme.spacing(0, 1, 0, 0) },
  }),
  num: css({ fontVariantNumeric: 'tabular-nums', color: theme.colors.text.secondary }),
  result: css({ fontWeight: theme.typography.fontWeightMedium }),
});
