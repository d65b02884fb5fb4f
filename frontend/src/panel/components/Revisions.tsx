// Stable and canary revisions with their images, and the replica counts.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { formatReplicas, imageTag } from '../format';
import type { RolloutView } from '../viewModel';
import { roleColor } from './status';

/** Blue-green names its revisions active and preview. */
export function roleLabel(strategy: string, role: string): string {
  if (strategy === 'BlueGreen') {
    return role === 'canary' ? 'preview' : 'active';
  }
  return role;
}

export function Revisions({ rollout }: { rollout: RolloutView }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.wrap} data-testid="revisions">
      {rollout.revisions.map((r) => (
        <div key={r.role} className={styles.row}>
          <span className={styles.role} style={{ background: roleColor(theme, r.role) }}>
            {roleLabel(rollout.strategy, r.role)}
          </span>
          <span className={styles.revision}>{r.revision ? `rev ${r.revision}` : ''}</span>
          <span className={styles.image} title={r.image}>
            {r.image ? imageTag(r.image) : '–'}
          </span>
        </div>
      ))}
      <div className={styles.replicas}>
        <span title="Ready / desired replicas">
          ready <strong>{formatReplicas(rollout.ready, rollout.desired)}</strong>
        </span>
        {rollout.updated !== null && (
          <span title="Replicas running the newest revision">
            updated <strong>{rollout.updated}</strong>
          </span>
        )}
        {rollout.available !== null && (
          <span>
            available <strong>{rollout.available}</strong>
          </span>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), minWidth: 0 }),
  row: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), minWidth: 0 }),
  role: css({
    color: theme.colors.getContrastText(theme.visualization.getColorByName('orange')),
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0, 0.75),
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    minWidth: 52,
    textAlign: 'center',
  }),
  revision: css({ color: theme.colors.text.secondary, whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }),
  image: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  replicas: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    '& strong': { color: theme.colors.text.primary, fontVariantNumeric: 'tabular-nums' },
  }),
});
