// Pods that are not running (from a `rollout` query's tree): often why a rollout is Degraded.
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import type { PodProblem } from '../viewModel';

const FAILING = /backoff|err|fail|killed|invalid/i;

export function PodProblems({ pods }: { pods: PodProblem[] }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const shown = pods.slice(0, 3);
  return (
    <div className={styles.wrap} data-testid="pod-problems">
      {shown.map((p) => (
        <div key={p.name} className={styles.row} title={p.name}>
          <span
            className={styles.status}
            style={{ color: theme.visualization.getColorByName(FAILING.test(p.status) ? 'red' : 'orange') }}
          >
            {p.status}
          </span>
          <span className={styles.name}>{p.name}</span>
          {p.revision && <span className={styles.muted}>rev {p.revision}</span>}
        </div>
      ))}
      {pods.length > shown.length && <div className={styles.muted}>and {pods.length - shown.length} more pods</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25), minWidth: 0 }),
  row: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'baseline', minWidth: 0 }),
  status: css({
    fontWeight: theme.typography.fontWeightMedium,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  name: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'nowrap' }),
});
