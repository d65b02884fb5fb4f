import { FieldConfigSource, getDefaultTimeRange, type PanelProps } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { panelData, SCENARIOS } from '../../browser/scenarios';
import { CanaryPanel } from './CanaryPanel';
import { type CanaryPanelOptions, DEFAULT_OPTIONS } from './types';

function renderPanel(name: keyof typeof SCENARIOS, options: Partial<CanaryPanelOptions> = {}, height = 400) {
  const props = {
    id: 1,
    data: panelData(SCENARIOS[name]),
    timeRange: getDefaultTimeRange(),
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: { defaults: {}, overrides: [] } as FieldConfigSource,
    transparent: false,
    width: 600,
    height,
    renderCounter: 0,
    title: 'Canary',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    replaceVariables: (s: string) => s,
  } as unknown as PanelProps<CanaryPanelOptions>;
  return render(<CanaryPanel {...props} />);
}

describe('CanaryPanel', () => {
  it('shows the full view of one rollout', () => {
    renderPanel('single');
    expect(screen.getByText('rollouts-demo')).toBeInTheDocument();
    expect(screen.getByTestId('rollout-status')).toHaveTextContent('Paused');
    expect(screen.getByRole('img', { name: '॥ Paused' })).toBeInTheDocument();
    expect(screen.getByTestId('rollout-step')).toHaveTextContent('Step 1/2');
    expect(screen.getByText('CanaryPauseStep')).toBeInTheDocument();
    const weights = screen.getByTestId('weights');
    expect(within(weights).getByRole('meter', { name: 'Set weight' })).toHaveAttribute('aria-valuenow', '25');
    expect(within(weights).getByRole('meter', { name: 'Observed traffic' })).toBeInTheDocument();
    const revisions = screen.getByTestId('revisions');
    expect(revisions).toHaveTextContent('rev 30');
    expect(revisions).toHaveTextContent('green');
    expect(revisions).toHaveTextContent('ready 5/4');
    expect(screen.getByTestId('verdict')).toHaveTextContent('Marginal');
    // 400 px high: one line naming what did not pass, instead of the table.
    expect(screen.getByTestId('verdict')).toHaveTextContent('p99 latency +35%');
    expect(screen.getByTestId('verdict')).not.toHaveTextContent('p50 latency');
    expect(screen.getByTestId('sparklines')).toHaveTextContent('Latency p99');
    const traces = screen.getByTestId('traces');
    expect(within(traces).getByRole('link', { name: /4 canary traces, 2 failing/ })).toHaveAttribute(
      'href',
      expect.stringContaining('/explore?schemaVersion=1')
    );
    expect(screen.getByTestId('analysis')).toHaveTextContent('Running');
  });

  it('tabulates the verdict per metric, with units, when the panel is tall enough', () => {
    renderPanel('single', {}, 900);
    const verdict = screen.getByTestId('verdict');
    const p99 = within(verdict).getByText('p99 latency').closest('tr');
    expect(p99).not.toBeNull();
    expect(p99).toHaveTextContent('420ms310ms+35%< 0.001fail');
    expect(within(verdict).getByText('error ratio').closest('tr')).toHaveTextContent('0.46%0.45%+2.0%0.81pass');
    // The sentence repeats the table: not shown.
    expect(verdict).not.toHaveTextContent('scored metrics pass');
  });

  it('shows one rollout as a compact card in a panel a few grid rows high', () => {
    renderPanel('single', {}, 144);
    const card = screen.getByTestId('rollout-card');
    expect(card).toHaveTextContent('rollouts-demo');
    expect(card).toHaveTextContent('Step 1/2');
    expect(card).toHaveTextContent('Marginal');
    // The full view's sections are not there.
    expect(screen.queryByTestId('verdict')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sparklines')).not.toBeInTheDocument();
  });

  it('hides sections switched off in the options', () => {
    renderPanel('single', { showVerdict: false, showTraces: false, showTimeline: false });
    expect(screen.queryByTestId('verdict')).not.toBeInTheDocument();
    expect(screen.queryByTestId('traces')).not.toBeInTheDocument();
    expect(screen.queryByTestId('step-timeline')).not.toBeInTheDocument();
    expect(screen.getByTestId('weights')).toBeInTheDocument();
  });

  it('lists several rollouts as compact cards', () => {
    renderPanel('list');
    const cards = screen.getAllByTestId('rollout-card');
    expect(cards).toHaveLength(4);
    expect(cards[0]).toHaveTextContent('canary-demo');
    expect(cards[0]).toHaveTextContent('Step 0/8');
    expect(cards[0]).toHaveTextContent('ProgressDeadlineExceeded');
    expect(screen.queryByTestId('weights')).not.toBeInTheDocument();
  });

  it('shows the query error when nothing came back', () => {
    renderPanel('error');
    expect(screen.getByTestId('panel-error')).toHaveTextContent('rollout demo/rollouts-demo not found');
  });

  it('asks for a rollout when every query lacks one', () => {
    renderPanel('noRollout');
    expect(screen.getByTestId('panel-no-rollout')).toHaveTextContent('No rollout selected');
  });

  it('tells an empty rollout list from no data', () => {
    renderPanel('empty');
    expect(screen.getByTestId('panel-no-data')).toHaveTextContent('No rollouts found');
  });

  it('shows a loading state before the first answer', () => {
    renderPanel('loading');
    expect(screen.getByText('Loading rollouts…')).toBeInTheDocument();
  });
});
