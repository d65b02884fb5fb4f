// Analysis: the rollout's analysis status and, with an `analysis` query, the latest
// measurement of each metric.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import type { AnalysisView } from '../viewModel';

function phaseColor(theme: GrafanaTheme2, phase: string): string {
  switch (phase.toLowerCase()) {
    case 'successful':
      return theme.visualization.getColorByName('green');
    case 'failed':
    case 'error':
      return theme.visualization.getColorByName('red');
    case 'inconclusive':
      return theme.visualization.getColorByName('orange');
    case 'running':
    case 'pending':
      return theme.visualization.getColorByName('blue');
    default:
      return theme.colors.text.secondary;
  }
}

export function AnalysisSummary({ status, analysis }: { status: string; analysis?: AnalysisView }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  if (!status && !analysis) {
    return null;
  }
  return (
    <div className={styles.wrap} data-testid="analysis">
      <div className={styles.heading}>
        Analysis{' '}
        {status && (
          <span style={{ color: phaseColor(theme, status) }} className={styles.status}>
            {status}
          </span>
        )}
        {analysis &&
          Object.entries(analysis.phases).map(([phase, count]) => (
            <span key={phase} className={styles.count} style={{ color: phaseColor(theme, phase) }}>
              {count} {phase.toLowerCase()}
            </span>
          ))}
      </div>
      {analysis && analysis.latest.length > 0 && (
        <ul className={styles.list}>
          {analysis.latest.map((m) => (
            <li key={m.metric} title={m.message || `${m.run}: ${m.phase}`}>
              <span className={styles.dot} style={{ background: phaseColor(theme, m.phase) }} />
              {m.metric} <span className={styles.value}>{m.value || m.phase}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25) }),
  heading: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'baseline', flexWrap: 'wrap' }),
  status: css({ fontWeight: theme.typography.fontWeightMedium }),
  count: css({ fontSize: theme.typography.bodySmall.fontSize }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    fontSize: theme.typography.bodySmall.fontSize,
    '& li': { display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) },
  }),
  dot: css({ width: 8, height: 8, borderRadius: '50%', display: 'inline-block', flex: 'none' }),
  value: css({ color: theme.colors.text.secondary, fontFamily: theme.typography.fontFamilyMonospace }),
});
