import {
  createTheme,
  type DataFrame,
  dateTime,
  type FieldConfigSource,
  FieldType,
  type PanelData,
  type PanelProps,
  toDataFrame,
} from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { interpolator, withFieldConfig } from '../../browser/grafanaPanel';
import { panelData, type Scenario, SCENARIOS } from '../../browser/scenarios';
import { CanaryPanel } from './CanaryPanel';
import { plugin } from './module';
import { type CanaryPanelOptions, DEFAULT_OPTIONS } from './types';

interface RenderOptions {
  options?: Partial<CanaryPanelOptions>;
  height?: number;
  /** The user's field config (defaults and overrides), merged over the plugin's defaults. */
  fieldConfig?: Partial<FieldConfigSource>;
  /** The dashboard's time range (raw), for links. */
  range?: { from: string; to: string };
}

/**
 * The panel as Grafana renders it: the scenario's frames with the field config applied
 * (VizPanel.applyFieldConfig) and a replaceVariables that knows the data link macros.
 */
function renderScenario(scenario: Scenario, { options = {}, height = 400, fieldConfig = {}, range }: RenderOptions = {}) {
  const raw = panelData(scenario);
  const timeRange = range
    ? { from: dateTime(raw.timeRange.from.valueOf() - 5 * 3600_000), to: raw.timeRange.to, raw: range }
    : raw.timeRange;
  const replaceVariables = interpolator(timeRange);
  const theme = createTheme();
  const config: FieldConfigSource = {
    defaults: { ...plugin.fieldConfigDefaults.defaults, ...fieldConfig.defaults },
    overrides: fieldConfig.overrides ?? [],
  };
  const data: PanelData = withFieldConfig({ ...raw, timeRange }, config, replaceVariables, theme);
  const props = {
    id: 1,
    data,
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: config,
    transparent: false,
    width: 600,
    height,
    renderCounter: 0,
    title: 'Canary',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    replaceVariables,
  } as unknown as PanelProps<CanaryPanelOptions>;
  return render(<CanaryPanel {...props} />);
}

function renderPanel(name: keyof typeof SCENARIOS, options: Partial<CanaryPanelOptions> = {}, height = 400) {
  return renderScenario(SCENARIOS[name], { options, height });
}

/** The `panes` (or legacy `left`) state of an Explore URL. */
function exploreState(href: string | null): Record<string, unknown> {
  const url = new URL(href ?? '', 'http://grafana');
  expect(url.pathname).toBe('/explore');
  const left = url.searchParams.get('left');
  return JSON.parse(left ?? '{}');
}

afterEach(() => vi.restoreAllMocks());

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
      expect.stringContaining('/explore?')
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

/** A `rollouts` frame the way the backend answers it: units on the numbers, a data link on the name. */
function rolloutsFrame(rows: Array<{ namespace: string; name: string; status: string; step?: [number, number]; setWeight?: number; age?: string }>): DataFrame {
  return toDataFrame({
    refId: 'A',
    name: 'rollouts',
    meta: { type: 'table', typeVersion: [0, 1] },
    fields: [
      { name: 'namespace', type: FieldType.string, values: rows.map((r) => r.namespace) },
      {
        name: 'name',
        type: FieldType.string,
        values: rows.map((r) => r.name),
        config: {
          links: [
            {
              title: 'Show rollout ${__data.fields.namespace}/${__value.raw}',
              url: '',
              internal: {
                datasourceUid: 'canary-lens',
                datasourceName: 'Canary Lens',
                query: { queryType: 'rollout', namespace: '${__data.fields.namespace}', rollout: '${__value.raw}' },
              },
            },
          ],
        },
      },
      { name: 'strategy', type: FieldType.string, values: rows.map(() => 'Canary') },
      { name: 'status', type: FieldType.string, values: rows.map((r) => r.status) },
      { name: 'message', type: FieldType.string, values: rows.map(() => '') },
      { name: 'step', type: FieldType.string, values: rows.map((r) => (r.step ? `${r.step[0]}/${r.step[1]}` : '')) },
      { name: 'currentStep', type: FieldType.number, values: rows.map((r) => r.step?.[0] ?? null) },
      { name: 'stepCount', type: FieldType.number, values: rows.map((r) => r.step?.[1] ?? null) },
      { name: 'setWeight', type: FieldType.number, values: rows.map((r) => r.setWeight ?? null), config: { unit: 'percent' } },
      { name: 'age', type: FieldType.string, values: rows.map((r) => r.age ?? '1d') },
    ],
  });
}

const MANY = [
  { namespace: 'shop', name: 'checkout', status: 'Healthy', step: [4, 4] as [number, number], setWeight: 100, age: '30d' },
  { namespace: 'demo', name: 'api', status: 'Progressing', step: [1, 4] as [number, number], setWeight: 25, age: '2h' },
  { namespace: 'shop', name: 'cart', status: 'Degraded', step: [2, 8] as [number, number], setWeight: 12.5, age: '5d' },
  { namespace: 'demo', name: 'web', status: 'Paused', step: [3, 4] as [number, number], setWeight: 50, age: '10m' },
  { namespace: 'ops', name: 'batch', status: 'Healthy', age: '1y2d' },
  { namespace: 'ops', name: 'agent', status: 'Paused', step: [1, 2] as [number, number], setWeight: 10, age: '3d' },
  { namespace: 'shop', name: 'search', status: 'Healthy', step: [2, 2] as [number, number], setWeight: 100, age: '8d' },
];

function manyRollouts(): Scenario {
  return {
    description: 'Seven rollouts',
    frames: [rolloutsFrame(MANY)],
    targets: [{ refId: 'A', queryType: 'rollouts', namespace: '' }],
    state: SCENARIOS.list.state,
  };
}

const rowNames = () => screen.getAllByTestId('rollout-row').map((r) => within(r).getAllByRole('link')[0].textContent);

describe('CanaryPanel with Grafana field config', () => {
  it("formats weights by the frame's unit and the user's decimals override", () => {
    renderScenario(manyRollouts(), {
      options: { listMode: 'table' },
      fieldConfig: {
        overrides: [{ matcher: { id: 'byName', options: 'setWeight' }, properties: [{ id: 'decimals', value: 1 }] }],
      },
    });
    const cart = screen.getAllByTestId('rollout-row').find((r) => r.textContent?.includes('cart'));
    expect(cart).toHaveTextContent('12.5%');
    const checkout = screen.getAllByTestId('rollout-row').find((r) => r.textContent?.includes('checkout'));
    // decimals 1 from the override: Grafana's "percent" unit writes 100.0%.
    expect(checkout).toHaveTextContent('100.0%');
  });

  it('colours a value by the thresholds the user sets, and not by default', () => {
    const { unmount } = renderPanel('single', {}, 600);
    // Set weight, the first of the bars.
    const value = () => within(screen.getByTestId('weights')).getAllByText('25%')[0];
    // One base threshold by default (module.ts): the panel's own colour, none from the field.
    expect(value().style.color).toBe('');
    unmount();
    renderScenario(SCENARIOS.single, {
      height: 600,
      fieldConfig: {
        defaults: {
          thresholds: { mode: 'absolute' as never, steps: [{ value: -Infinity, color: 'green' }, { value: 20, color: 'red' }] },
        },
      },
    });
    // Grafana's "red" in the dark theme (getColorByName).
    expect(value()).toHaveStyle({ color: '#F2495C' });
  });

  it("opens the traces in Tempo at the panel's time range, through the frame's data links", () => {
    renderScenario(SCENARIOS.single, { range: { from: 'now-6h', to: 'now' }, height: 900 });
    const traces = screen.getByTestId('traces');
    const search = exploreState(within(traces).getByRole('link', { name: /4 canary traces/ }).getAttribute('href'));
    expect(search).toMatchObject({ datasource: 'tempo-uid', range: { from: 'now-6h', to: 'now' } });
    expect((search.queries as Array<{ query: string }>)[0].query).toMatch(/^\{ resource\.k8s\.pod\.name/);
    const slowest = within(traces).getAllByRole('link')[1];
    const trace = exploreState(slowest.getAttribute('href'));
    expect(trace).toMatchObject({ datasource: 'tempo-uid', range: { from: 'now-6h', to: 'now' } });
    expect(trace.queries).toEqual([
      expect.objectContaining({ query: slowest.getAttribute('title'), queryType: 'traceql', datasource: { uid: 'tempo-uid' } }),
    ]);
    // No organisation or time range of the panel's own making.
    expect(slowest.getAttribute('href')).not.toMatch(/orgId=|now-1h/);
  });
});

describe('CanaryPanel lists', () => {
  it('shows a table past the threshold, most urgent first', () => {
    renderScenario(manyRollouts());
    expect(screen.getByTestId('rollout-table')).toBeInTheDocument();
    expect(screen.queryByTestId('rollout-card')).not.toBeInTheDocument();
    expect(rowNames()).toEqual(['cart', 'agent', 'web', 'api', 'batch', 'checkout', 'search']);
  });

  it('keeps cards up to the threshold', () => {
    renderScenario(manyRollouts(), { options: { tableAbove: 7 } });
    expect(screen.queryByTestId('rollout-table')).not.toBeInTheDocument();
    expect(screen.getAllByTestId('rollout-card')).toHaveLength(7);
  });

  it.each([
    ['name', false, ['agent', 'api', 'batch', 'cart', 'checkout', 'search', 'web']],
    ['namespace', false, ['api', 'web', 'agent', 'batch', 'cart', 'checkout', 'search']],
    ['progress', false, ['api', 'cart', 'agent', 'web', 'batch', 'checkout', 'search']],
    ['updated', false, ['web', 'api', 'agent', 'cart', 'search', 'checkout', 'batch']],
    ['name', true, ['web', 'search', 'checkout', 'cart', 'batch', 'api', 'agent']],
  ] as const)('sorts by %s (reversed: %s)', (sortBy, sortDesc, names) => {
    renderScenario(manyRollouts(), { options: { sortBy, sortDesc } });
    expect(rowNames()).toEqual(names);
  });

  it('filters by text and status and limits, saying how many it leaves out', () => {
    renderScenario(manyRollouts(), { options: { filterText: 'shop/', filterStatus: ['Healthy', 'Degraded'], limit: 2, listMode: 'table' } });
    expect(rowNames()).toEqual(['cart', 'checkout']);
    expect(screen.getByTestId('list-note')).toHaveTextContent('2 of 7 rollouts (3 match the filter)');
  });

  it('says when the filter leaves nothing', () => {
    renderScenario(manyRollouts(), { options: { filterText: 'nothing-like-this' } });
    expect(screen.getByTestId('panel-no-match')).toHaveTextContent('7 rollouts received');
  });

  it("drills down by setting the dashboard's namespace and rollout variables", () => {
    const partial = vi.spyOn(locationService, 'partial').mockImplementation(() => {});
    renderScenario(manyRollouts());
    const link = screen.getByRole('link', { name: 'cart' });
    const href = new URL(link.getAttribute('href') ?? '', 'http://grafana');
    expect(href.searchParams.get('var-namespace')).toBe('shop');
    expect(href.searchParams.get('var-rollout')).toBe('cart');
    fireEvent.click(link);
    expect(partial).toHaveBeenCalledWith({ 'var-namespace': 'shop', 'var-rollout': 'cart' });
  });

  it('drills down to a dashboard URL with the rollout and the time range', () => {
    renderScenario(manyRollouts(), {
      options: { drilldownUrl: '/d/one/rollout?var-ns=${namespace}&var-name=${rollout}&${__url_time_range}' },
      range: { from: 'now-6h', to: 'now' },
    });
    expect(screen.getByRole('link', { name: 'cart' })).toHaveAttribute('href', '/d/one/rollout?var-ns=shop&var-name=cart&from=now-6h&to=now');
  });

  it("offers the frame's own link of each rollout, resolved by Grafana", () => {
    renderScenario(manyRollouts(), { range: { from: 'now-6h', to: 'now' } });
    const row = screen.getAllByTestId('rollout-row')[0];
    const link = within(row).getByTitle('Show rollout shop/cart');
    const state = exploreState(link.getAttribute('href'));
    expect(state).toMatchObject({
      datasource: 'canary-lens',
      range: { from: 'now-6h', to: 'now' },
      queries: [{ queryType: 'rollout', namespace: 'shop', rollout: 'cart', datasource: { uid: 'canary-lens' } }],
    });
  });
});
