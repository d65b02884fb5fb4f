// The step timeline: one segment per canary step, the current one highlighted.
import { css, cx } from '@emotion/css';
import { colorManipulator, type GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { formatDuration } from '../format';
import type { StepSegment, Timeline } from '../timeline';

function title(s: StepSegment): string {
  const parts = [`Step ${s.index + 1}: ${s.kind}${s.value ? ` ${s.value}` : ''}`, s.state];
  if (s.remainingSeconds !== undefined) {
    parts.push(`${formatDuration(s.remainingSeconds)} left`);
  }
  return parts.join(' · ');
}

export function StepTimeline({ timeline, compact = false }: { timeline: Timeline; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  if (timeline.segments.length === 0) {
    return null;
  }
  return (
    <div className={styles.wrap} data-testid="step-timeline">
      <ol className={styles.list} aria-label="Canary steps">
        {timeline.segments.map((s) => (
          <li
            key={s.index}
            title={title(s)}
            className={cx(
              styles.segment,
              s.state === 'done' && styles.done,
              s.state === 'current' && styles.current,
              s.isPause && styles.pause,
              s.gated && styles.gated,
              compact && styles.compactSegment
            )}
            data-state={s.state}
          >
            {!compact && (
              <span className={styles.label}>
                {s.gated && <span aria-hidden>⚑ </span>}
                {s.label}
                {s.remainingSeconds !== undefined && (
                  <span className={styles.remaining}> · {formatDuration(s.remainingSeconds)} left</span>
                )}
              </span>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const accent = theme.visualization.getColorByName('blue');
  return {
    wrap: css({ width: '100%', overflowX: 'auto' }),
    list: css({
      display: 'flex',
      gap: 2,
      listStyle: 'none',
      margin: 0,
      padding: 0,
      minWidth: 'min-content',
    }),
    segment: css({
      flex: '1 1 0',
      minWidth: 44,
      padding: theme.spacing(0.5, 0.75),
      background: theme.colors.background.secondary,
      border: `1px solid ${theme.colors.border.weak}`,
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
      textAlign: 'center',
      whiteSpace: 'nowrap',
      '&:first-child': { borderTopLeftRadius: theme.shape.radius.default, borderBottomLeftRadius: theme.shape.radius.default },
      '&:last-child': { borderTopRightRadius: theme.shape.radius.default, borderBottomRightRadius: theme.shape.radius.default },
    }),
    compactSegment: css({ minWidth: 10, height: 8, padding: 0 }),
    done: css({
      background: colorManipulator.alpha(accent, 0.25),
      color: theme.colors.text.primary,
      borderColor: colorManipulator.alpha(accent, 0.5),
    }),
    current: css({
      background: accent,
      borderColor: accent,
      color: theme.colors.getContrastText(accent),
      fontWeight: theme.typography.fontWeightMedium,
    }),
    pause: css({ borderStyle: 'dashed' }),
    gated: css({ fontStyle: 'italic' }),
    label: css({ display: 'block', overflow: 'hidden', textOverflow: 'ellipsis' }),
    remaining: css({ fontWeight: theme.typography.fontWeightRegular }),
  };
};
