// One rollout: the full view (single rollout) or a compact card (lists).
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { textOr } from '../display';
import { formatPercent } from '../format';
import type { Drilldown } from '../list';
import type { CanaryPanelOptions } from '../types';
import type { CardModel } from '../viewModel';
import { AnalysisSummary } from './AnalysisSummary';
import { PodProblems } from './PodProblems';
import { Revisions, roleLabel } from './Revisions';
import { Sparklines } from './Sparklines';
import { StatusBadge } from './StatusBadge';
import { StepTimeline } from './StepTimeline';
import { TracesLink } from './TracesLink';
import { VerdictBox } from './VerdictBox';
import { verdictColor } from './status';
import { WeightBars } from './WeightBars';

interface Props {
  card: CardModel;
  options: CanaryPanelOptions;
  compact: boolean;
  /** Little height: leave out the verdict table and the trace list. */
  dense?: boolean;
  /** In a list: where the rollout's name leads (the single-rollout view). */
  drilldown?: Drilldown;
}

function Header({ card, compact, drilldown }: { card: CardModel; compact: boolean; drilldown?: Drilldown }) {
  const styles = useStyles2(getStyles);
  const { rollout, timeline } = card;
  const step = rollout.step || timeline.position;
  return (
    <div className={styles.header}>
      <StatusBadge status={rollout.status} iconOnly={compact} />
      {drilldown ? (
        <a
          className={`${styles.name} ${styles.link}`}
          href={drilldown.href}
          title={`Open ${rollout.namespace}/${rollout.name}`}
          onClick={
            drilldown.onClick
              ? (e) => {
                  e.preventDefault();
                  drilldown.onClick?.();
                }
              : undefined
          }
        >
          {rollout.name}
        </a>
      ) : (
        <span className={styles.name} title={`${rollout.namespace}/${rollout.name}`}>
          {rollout.name}
        </span>
      )}
      {!compact && rollout.namespace && <span className={styles.muted}>{rollout.namespace}</span>}
      {!compact && rollout.strategy && <span className={styles.muted}>{rollout.strategy}</span>}
      <span className={styles.spacer} />
      {step && (
        <span className={styles.step} data-testid="rollout-step">
          Step {step}
        </span>
      )}
      {!compact && rollout.age && <span className={styles.muted}>{rollout.age}</span>}
    </div>
  );
}

function CompactCard({ card, options, drilldown }: { card: CardModel; options: CanaryPanelOptions; drilldown?: Drilldown }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const { rollout } = card;
  const verdict = card.verdict?.outcome || rollout.verdict;
  return (
    <div className={styles.compact} data-testid="rollout-card">
      <Header card={card} compact drilldown={drilldown} />
      <div className={styles.compactLine}>
        {options.showWeights && rollout.setWeight !== null && (
          <span className={styles.muted}>
            weight{' '}
            <strong className={styles.strong} style={{ color: rollout.shown.setWeight?.color }}>
              {textOr(rollout.shown.setWeight, formatPercent(rollout.setWeight))}
            </strong>
            {rollout.actualWeight !== null && rollout.actualWeight !== rollout.setWeight && (
              <> (actual {textOr(rollout.shown.actualWeight, formatPercent(rollout.actualWeight))})</>
            )}
          </span>
        )}
        {options.showRevisions &&
          rollout.revisions.map((r) => (
            <span key={r.role} className={styles.muted}>
              {roleLabel(rollout.strategy, r.role)} <strong className={styles.strong}>{r.revision || '–'}</strong>
            </span>
          ))}
        {options.showVerdict && verdict && (
          <span style={{ color: verdictColor(theme, verdict) }} className={styles.strong}>
            {verdict}
          </span>
        )}
      </div>
      {options.showTimeline && <StepTimeline timeline={card.timeline} compact />}
      {rollout.message && (
        <div className={styles.message} title={rollout.message}>
          {rollout.message}
        </div>
      )}
    </div>
  );
}

function FullCard({ card, options, dense }: { card: CardModel; options: CanaryPanelOptions; dense: boolean }) {
  const styles = useStyles2(getStyles);
  const { rollout } = card;
  const showAnalysis = options.showAnalysis && (rollout.analysisStatus !== '' || card.analysis !== undefined);
  const verdict = card.verdict;
  const setWeight = card.traffic?.setWeight ?? rollout.setWeight;
  const actualWeight = card.traffic?.actualWeight ?? rollout.actualWeight;
  const observedShare = card.traffic?.observedCanaryShare ?? null;
  const shown = {
    setWeight: card.traffic?.setWeight != null ? card.traffic.shown.setWeight : rollout.shown.setWeight,
    actualWeight: card.traffic?.actualWeight != null ? card.traffic.shown.actualWeight : rollout.shown.actualWeight,
    observedShare: card.traffic?.shown.observedCanaryShare,
  };
  // Blue-green has no weights: no empty bars.
  const hasWeights = setWeight !== null || actualWeight !== null || observedShare !== null;
  // Without metrics, verdict or traces the left column takes the whole width.
  const hasRight =
    (options.showVerdict && (verdict !== undefined || rollout.verdict !== '')) ||
    (options.showTraces && card.traces !== undefined) ||
    (options.showMetrics && card.metrics.length > 0);
  return (
    <div className={styles.full} data-testid="rollout-card">
      <Header card={card} compact={false} />
      {rollout.message && <div className={styles.message}>{rollout.message}</div>}
      {options.showTimeline && <StepTimeline timeline={card.timeline} />}
      <div className={styles.columns}>
        <div className={styles.column}>
          {options.showWeights && hasWeights && (
            <WeightBars setWeight={setWeight} actualWeight={actualWeight} observedShare={observedShare} shown={shown} />
          )}
          {options.showRevisions && <Revisions rollout={rollout} />}
          {card.podProblems && card.podProblems.length > 0 && <PodProblems pods={card.podProblems} />}
          {showAnalysis && <AnalysisSummary status={rollout.analysisStatus} analysis={card.analysis} />}
        </div>
        {hasRight && (
          <div className={styles.column}>
            {options.showVerdict && verdict && <VerdictBox verdict={verdict} compact={dense} />}
            {options.showVerdict && !verdict && rollout.verdict && (
              <VerdictBox verdict={{ outcome: rollout.verdict, score: null, summary: '', rows: [] }} compact />
            )}
            {options.showTraces && card.traces && <TracesLink traces={card.traces} compact={dense} />}
            {options.showMetrics && <Sparklines metrics={card.metrics} height={dense ? 32 : 48} />}
          </div>
        )}
      </div>
    </div>
  );
}

export function RolloutCard({ card, options, compact, dense = false, drilldown }: Props) {
  return compact ? (
    <CompactCard card={card} options={options} drilldown={drilldown} />
  ) : (
    <FullCard card={card} options={options} dense={dense} />
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), minWidth: 0 }),
  name: css({
    fontWeight: theme.typography.fontWeightMedium,
    fontSize: theme.typography.h5.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'nowrap' }),
  strong: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  spacer: css({ flex: 1 }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  step: css({
    fontVariantNumeric: 'tabular-nums',
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap',
  }),
  message: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  full: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(240px, 1fr))',
    gap: theme.spacing(2),
  }),
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  compact: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    minWidth: 0,
  }),
  compactLine: css({ display: 'flex', gap: theme.spacing(1.5), flexWrap: 'wrap', alignItems: 'baseline' }),
});
