// The Canary Lens rollout panel: states (loading, error, no data, no rollout selected),
// then one full rollout view or a list of compact cards.
import { useMemo } from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, LoadingState, type PanelProps } from '@grafana/data';
import { Alert, LoadingPlaceholder, useStyles2 } from '@grafana/ui';

import { lacksRollout } from '../datasource/templating';
import { RolloutCard } from './components/RolloutCard';
import type { CanaryPanelOptions } from './types';
import { buildPanelModel, type TargetInfo } from './viewModel';

type Props = PanelProps<CanaryPanelOptions>;

interface QueryLike {
  refId: string;
  queryType?: string;
  namespace?: string;
  rollout?: string;
  revision?: string;
}

/** The panel's queries with template variables replaced. */
export function targetsOf(targets: unknown[] | undefined, replace: (s: string) => string): TargetInfo[] {
  return (targets ?? []).map((t) => {
    const q = t as QueryLike;
    const r = (s?: string) => (typeof s === 'string' && s !== '' ? replace(s) : s);
    return { refId: q.refId, queryType: q.queryType, namespace: r(q.namespace), rollout: r(q.rollout), revision: r(q.revision) };
  });
}

export function CanaryPanel({ data, options, width, height, replaceVariables }: Props) {
  const styles = useStyles2(getStyles);
  const targets = useMemo(() => targetsOf(data.request?.targets, replaceVariables), [data.request, replaceVariables]);
  const model = useMemo(
    // "Now" for pause countdowns is when the query ran, so renders stay pure.
    () => buildPanelModel(data.series, targets, data.request?.startTime ?? data.timeRange?.to?.valueOf() ?? 0),
    [data.series, targets, data.request, data.timeRange]
  );
  const errors = data.errors ?? [];
  const box = { width, height };

  if (model.cards.length === 0) {
    if (errors.length > 0 || data.state === LoadingState.Error) {
      return (
        <div className={styles.center} style={box} data-testid="panel-error">
          <Alert severity="error" title="Canary Lens query failed">
            {errors.map((e, i) => (
              <div key={i}>{e.message ?? 'Unknown error'}</div>
            ))}
          </Alert>
        </div>
      );
    }
    if (data.state === LoadingState.Loading || data.state === LoadingState.NotStarted) {
      return (
        <div className={styles.center} style={box}>
          <LoadingPlaceholder text="Loading rollouts…" />
        </div>
      );
    }
    const missing = targets.filter((t) => lacksRollout(t));
    if (missing.length > 0 && missing.length === targets.length) {
      return (
        <div className={styles.center} style={box} data-testid="panel-no-rollout">
          <div className={styles.title}>No rollout selected</div>
          <div className={styles.hint}>Choose a rollout in the query editor, or use a $rollout variable.</div>
        </div>
      );
    }
    return (
      <div className={styles.center} style={box} data-testid="panel-no-data">
        <div className={styles.title}>{model.sawRolloutList ? 'No rollouts found' : 'No data'}</div>
        <div className={styles.hint}>
          {model.sawRolloutList
            ? 'No rollout matches the namespace, label selector or status of the query.'
            : 'Add a Canary Lens query of type Rollouts (one row per rollout).'}
        </div>
      </div>
    );
  }

  // Several rollouts, or a panel only a few grid rows high (a 6x4 panel is about
  // 400x110 pixels inside): compact cards.
  const compact = options.compact || model.cards.length > 1 || height < COMPACT_BELOW_HEIGHT;
  return (
    <div className={styles.scroll} style={box} data-testid="canary-panel">
      {errors.length > 0 && (
        <Alert severity="warning" title="Some queries failed">
          {errors.map((e, i) => (
            <div key={i}>{e.message ?? 'Unknown error'}</div>
          ))}
        </Alert>
      )}
      <div className={compact ? styles.list : undefined}>
        {model.cards.map((card) => (
          <RolloutCard key={card.rollout.key} card={card} options={options} compact={compact} dense={height < 480} />
        ))}
      </div>
    </div>
  );
}

/** Below this many pixels of height one rollout is shown as a compact card. */
export const COMPACT_BELOW_HEIGHT = 200;

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflow: 'auto' }),
  list: css({
    display: 'grid',
    // auto-fit: a few cards share the width instead of leaving empty tracks (and cut names).
    gridTemplateColumns: 'repeat(auto-fit, minmax(260px, 1fr))',
    gap: theme.spacing(1),
  }),
  center: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  hint: css({ color: theme.colors.text.secondary }),
});
