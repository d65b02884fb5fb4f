// The Canary Lens rollout panel: states (loading, error, no data, no rollout selected),
// then one full rollout view, a list of compact cards, or past a handful a table.
import { useCallback, useMemo } from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, LoadingState, type PanelProps, useDataLinksContext } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, useStyles2, useTheme2 } from '@grafana/ui';

import { lacksRollout } from '../datasource/templating';
import { RolloutCard } from './components/RolloutCard';
import { RolloutTable } from './components/RolloutTable';
import type { DisplayContext } from './display';
import { arrangeList, drilldown } from './list';
import { type CanaryPanelOptions, DEFAULT_OPTIONS } from './types';
import { buildPanelModel, type CardModel, type TargetInfo } from './viewModel';

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

/** Whether the list is shown as a table: past `tableAbove` rollouts in auto mode. */
export function tableMode(options: Pick<CanaryPanelOptions, 'listMode' | 'tableAbove'>, count: number): boolean {
  if (count <= 1) {
    return false;
  }
  switch (options.listMode) {
    case 'table':
      return true;
    case 'cards':
      return false;
    default:
      return count > (options.tableAbove ?? DEFAULT_OPTIONS.tableAbove);
  }
}

export function CanaryPanel({ data, options: saved, width, height, replaceVariables, timeRange, timeZone }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  // Panels saved before an option existed lack it.
  const options = useMemo(() => ({ ...DEFAULT_OPTIONS, ...saved }), [saved]);
  const { dataLinkPostProcessor } = useDataLinksContext();
  const ctx: DisplayContext = useMemo(
    () => ({ theme, timeZone, timeRange: data.timeRange ?? timeRange, replaceVariables, dataLinkPostProcessor }),
    [theme, timeZone, data.timeRange, timeRange, replaceVariables, dataLinkPostProcessor]
  );
  const targets = useMemo(() => targetsOf(data.request?.targets, replaceVariables), [data.request, replaceVariables]);
  // "Now" for pause countdowns is when the query ran, so renders stay pure.
  const nowMs = data.request?.startTime ?? data.timeRange?.to?.valueOf() ?? 0;
  const model = useMemo(() => buildPanelModel(data.series, targets, nowMs, ctx), [data.series, targets, nowMs, ctx]);
  const list = useMemo(() => arrangeList(model.cards, options, nowMs, replaceVariables), [model.cards, options, nowMs, replaceVariables]);
  const linkTo = useCallback(
    (card: CardModel) =>
      drilldown(card.rollout, options, {
        replaceVariables,
        location: locationService.getLocation(),
        partial: (query) => locationService.partial(query),
      }),
    [options, replaceVariables]
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

  if (list.cards.length === 0) {
    return (
      <div className={styles.center} style={box} data-testid="panel-no-match">
        <div className={styles.title}>No rollout matches the panel&apos;s filter</div>
        <div className={styles.hint}>
          {list.total} rollout{list.total === 1 ? '' : 's'} received; change the filter in the panel options.
        </div>
      </div>
    );
  }

  // Several rollouts, or a panel only a few grid rows high (a 6x4 panel is about
  // 400x110 pixels inside): compact cards; past a handful of rollouts, a table.
  const many = list.cards.length > 1;
  const table = tableMode(options, list.cards.length);
  const compact = options.compact || many || height < COMPACT_BELOW_HEIGHT;
  return (
    <div className={styles.scroll} style={box} data-testid="canary-panel">
      {errors.length > 0 && (
        <Alert severity="warning" title="Some queries failed">
          {errors.map((e, i) => (
            <div key={i}>{e.message ?? 'Unknown error'}</div>
          ))}
        </Alert>
      )}
      {table ? (
        <RolloutTable cards={list.cards} drilldown={linkTo} showVerdict={options.showVerdict} width={width} />
      ) : (
        <div className={compact ? styles.list : undefined}>
          {list.cards.map((card) => (
            <RolloutCard
              key={card.rollout.key}
              card={card}
              options={options}
              compact={compact}
              dense={height < 480}
              drilldown={many ? linkTo(card) : undefined}
            />
          ))}
        </div>
      )}
      {list.cards.length < list.total && (
        <div className={styles.note} data-testid="list-note">
          {list.cards.length} of {list.total} rollouts
          {list.matched < list.total ? ` (${list.matched} match the filter)` : ''}
        </div>
      )}
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
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, padding: theme.spacing(0.5, 0) }),
});
