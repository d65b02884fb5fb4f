// Set weight vs actual weight vs observed traffic share, as three bars.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { type Shown, textOr } from '../display';
import { formatPercent } from '../format';
import { roleColor } from './status';

interface Props {
  setWeight: number | null;
  actualWeight: number | null;
  observedShare: number | null;
  /** The values as their fields format them (units, decimals, thresholds, overrides). */
  shown?: { setWeight?: Shown; actualWeight?: Shown; observedShare?: Shown };
}

export function WeightBars({ setWeight, actualWeight, observedShare, shown = {} }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const canary = roleColor(theme, 'canary');
  const rows: Array<{ label: string; value: number | null; hint: string; shown?: Shown }> = [
    { label: 'Set weight', value: setWeight, hint: 'Weight the current step asks for', shown: shown.setWeight },
    {
      label: 'Actual weight',
      value: actualWeight,
      hint: 'Weight reported by the traffic router, or the share of canary pods',
      shown: shown.actualWeight,
    },
    {
      label: 'Observed traffic',
      value: observedShare,
      hint: "The canary's share of requests measured in Prometheus",
      shown: shown.observedShare,
    },
  ];
  return (
    <div className={styles.wrap} data-testid="weights">
      {rows
        .filter((r) => r.label !== 'Observed traffic' || r.value !== null)
        .map((r) => (
          <div key={r.label} className={styles.row} title={r.hint}>
            <span className={styles.label}>{r.label}</span>
            <span className={styles.track} role="meter" aria-label={r.label} aria-valuenow={r.value ?? undefined} aria-valuemin={0} aria-valuemax={100}>
              <span
                className={styles.fill}
                style={{ width: `${Math.max(0, Math.min(100, r.value ?? 0))}%`, background: r.shown?.color ?? canary }}
              />
            </span>
            <span className={styles.value} style={{ color: r.shown?.color }}>
              {r.value === null ? '–' : textOr(r.shown, formatPercent(r.value, r.value % 1 !== 0 ? 1 : 0))}
            </span>
          </div>
        ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), maxWidth: 560 }),
  row: css({ display: 'grid', gridTemplateColumns: '110px 1fr 48px', alignItems: 'center', gap: theme.spacing(1) }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  track: css({
    height: 10,
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    overflow: 'hidden',
  }),
  fill: css({ display: 'block', height: '100%' }),
  value: css({ textAlign: 'right', fontVariantNumeric: 'tabular-nums', fontWeight: theme.typography.fontWeightMedium }),
});
