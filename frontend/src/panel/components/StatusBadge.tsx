// The rollout status with Argo's icon and colour.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import type { StatusKind } from '../viewModel';
import { statusColor } from './status';
import { StatusIcon } from './StatusIcon';

export function StatusBadge({ status, iconOnly = false }: { status: StatusKind; iconOnly?: boolean }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const color = statusColor(theme, status);
  return (
    <span
      className={styles.badge}
      style={{ color, borderColor: color }}
      title={status}
      data-testid="rollout-status"
      data-status={status}
    >
      <StatusIcon status={status} color={color} />
      {!iconOnly && <span>{status}</span>}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    border: '1px solid',
    borderRadius: theme.shape.radius.pill,
    padding: theme.spacing(0, 1),
    fontWeight: theme.typography.fontWeightMedium,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: '20px',
    whiteSpace: 'nowrap',
  }),
});
