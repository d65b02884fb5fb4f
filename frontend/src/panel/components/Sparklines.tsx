// Canary vs stable mini charts: one small SVG per metric, both revisions on a shared scale.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { textOr } from '../display';
import { formatMetric } from '../format';
import { sparklinePath } from '../sparkline';
import type { MetricComparison, MetricSeries } from '../viewModel';
import { roleColor } from './status';

const LABELS: Record<string, string> = { requestRate: 'Requests', errorRatio: 'Errors', latency: 'Latency' };

function title(c: MetricComparison): string {
  const base = LABELS[c.metric] ?? c.metric;
  return c.quantile ? `${base} p${Math.round(Number(c.quantile) * 100)}` : base;
}

function last(s?: MetricSeries): number | null {
  return s && s.points.length > 0 ? s.points[s.points.length - 1][1] : null;
}

const W = 140;

export function Sparklines({ metrics, height = 32 }: { metrics: MetricComparison[]; height?: number }) {
  const H = height;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  if (metrics.length === 0) {
    return null;
  }
  return (
    <div className={styles.grid} data-testid="sparklines">
      {metrics.map((c) => {
        const series = [c.stable, c.canary].filter((s): s is MetricSeries => s !== undefined);
        const all = series.flatMap((s) => s.points);
        return (
          <div key={`${c.metric}-${c.quantile}`} className={styles.cell}>
            <div className={styles.head}>
              <span>{title(c)}</span>
              <span className={styles.values}>
                <span style={{ color: roleColor(theme, 'canary') }} title="canary">
                  {textOr(c.canary?.lastShown, formatMetric(c.metric, last(c.canary)))}
                </span>{' '}
                <span style={{ color: roleColor(theme, 'stable') }} title="stable">
                  {textOr(c.stable?.lastShown, formatMetric(c.metric, last(c.stable)))}
                </span>
              </span>
            </div>
            <svg width="100%" height={H} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={title(c)}>
              {series.map((s) => (
                <path
                  key={s.role}
                  d={sparklinePath(s.points, all, W, H)}
                  fill="none"
                  stroke={roleColor(theme, s.role)}
                  strokeWidth={1.5}
                  vectorEffect="non-scaling-stroke"
                />
              ))}
            </svg>
          </div>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(120px, 1fr))', gap: theme.spacing(1) }),
  cell: css({ minWidth: 0 }),
  head: css({
    display: 'flex',
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    columnGap: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
  }),
  values: css({ fontVariantNumeric: 'tabular-nums', fontWeight: theme.typography.fontWeightMedium }),
});
