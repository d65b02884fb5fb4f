import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { CanaryLensDataSource } from '../datasource';
import type { CanaryLensQuery } from '../types';
import { pickRollout, rolloutOptions } from './query/pickers';
import { parseRawQuery } from './query/RawQueryEditor';
import { comboboxInJsdom } from './comboboxInJsdom';
import { EDITORS, QueryEditor } from './QueryEditor';

comboboxInJsdom();

function fakeDatasource() {
  return {
    getNamespaces: vi.fn(async () => ['demo', 'shop']),
    getRollouts: vi.fn(async (namespace: string) =>
      namespace === ''
        ? [
            { namespace: 'demo', name: 'rollouts-demo', status: 'Paused', strategy: 'Canary' },
            { namespace: 'shop', name: 'rollouts-demo', status: 'Healthy', strategy: 'BlueGreen' },
          ]
        : [{ namespace: 'demo', name: 'rollouts-demo', status: 'Paused', strategy: 'Canary' }]
    ),
    getRevisions: vi.fn(async () => [{ revision: '31', role: 'canary', image: 'argoproj/rollouts-demo:green' }]),
    variableNames: () => ['$namespace'],
  } as unknown as CanaryLensDataSource;
}

/** Renders the editor as Grafana does: onChange feeds back the query. */
function renderEditor(initial: CanaryLensQuery) {
  const changes: CanaryLensQuery[] = [];
  const onRunQuery = vi.fn();
  const ds = fakeDatasource();
  const { rerender } = render(<QueryEditor datasource={ds} query={initial} onChange={onChange} onRunQuery={onRunQuery} />);
  function onChange(next: CanaryLensQuery) {
    changes.push(next);
    rerender(<QueryEditor datasource={ds} query={next} onChange={onChange} onRunQuery={onRunQuery} />);
  }
  return { changes, onRunQuery, last: () => changes[changes.length - 1] };
}

describe('QueryEditor', () => {
  it('has an editor for every query type', () => {
    expect(Object.keys(EDITORS).sort()).toEqual(
      ['analysis', 'canaryMetrics', 'events', 'rollout', 'rollouts', 'steps', 'trafficSplit', 'traces', 'verdict'].sort()
    );
  });

  it('treats a query without type as a rollouts query', () => {
    renderEditor({ refId: 'A' });
    expect(screen.getByRole('combobox', { name: 'Query type' })).toHaveValue('Rollouts');
    expect(screen.getByText('Label selector')).toBeInTheDocument();
  });

  it('picks the query type from one select, not a row of nine buttons', async () => {
    renderEditor({ refId: 'A', queryType: 'steps', rollout: 'r' });
    expect(screen.queryAllByRole('radio')).toHaveLength(0);
    await userEvent.click(screen.getByRole('combobox', { name: 'Query type' }));
    const options = await screen.findAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(
      expect.arrayContaining([expect.stringContaining('Canary metrics'), expect.stringContaining('Verdict')])
    );
    expect(options).toHaveLength(9);
  });

  it('sets the namespace too when a rollout is picked under all namespaces', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'verdict', namespace: '', rollout: '' });
    await userEvent.click(screen.getByRole('combobox', { name: 'Rollout' }));
    await userEvent.click(await screen.findByRole('option', { name: /shop\/rollouts-demo/ }));
    expect(last()).toMatchObject({ queryType: 'verdict', namespace: 'shop', rollout: 'rollouts-demo' });
  });

  it('switches to the traces editor with its defaults, keeping the rollout, and runs the query', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'rollouts', namespace: 'demo', rollout: 'rollouts-demo', labelSelector: 'app=x' });
    await userEvent.click(screen.getByRole('combobox', { name: 'Query type' }));
    await userEvent.click(await screen.findByRole('option', { name: /^Traces/ }));
    expect(last()).toEqual({
      refId: 'A',
      queryType: 'traces',
      namespace: 'demo',
      rollout: 'rollouts-demo',
      revision: 'canary',
      errorsOnly: false,
      minDuration: '500ms',
      limit: 20,
    });
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByText('Min duration')).toBeInTheDocument();
    expect(screen.queryByText('Label selector')).not.toBeInTheDocument();
  });

  it('shows the canary metrics editor with quantiles only while latency is selected', () => {
    renderEditor({ refId: 'A', queryType: 'canaryMetrics', rollout: 'r', metrics: ['requestRate'] });
    expect(screen.getByText('Exemplars')).toBeInTheDocument();
    expect(screen.queryByText('Quantiles')).not.toBeInTheDocument();
  });

  it('flags a missing rollout on rollout-scoped types', () => {
    renderEditor({ refId: 'A', queryType: 'verdict', namespace: 'demo', rollout: '' });
    expect(screen.getByText('Choose a rollout')).toBeInTheDocument();
  });

  it('edits text fields without running the query until blur', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'traces', rollout: 'r', minDuration: '' });
    await userEvent.type(screen.getByPlaceholderText('500ms'), '2s');
    expect(last().minDuration).toBe('2s');
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(screen.getByPlaceholderText('500ms'));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('offers a raw JSON view that applies valid JSON and keeps the refId', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'steps', namespace: 'demo', rollout: 'r' });
    await userEvent.click(screen.getByLabelText('Raw JSON'));
    const area = screen.getByLabelText('Query JSON');
    expect(JSON.parse((area as HTMLTextAreaElement).value)).toEqual({ queryType: 'steps', namespace: 'demo', rollout: 'r' });
    fireEvent.change(area, { target: { value: '{"queryType":"verdict","rollout":"x","refId":"Z"}' } });
    fireEvent.blur(area);
    expect(last()).toEqual({ refId: 'A', queryType: 'verdict', rollout: 'x', datasource: undefined });
  });

  it('reports invalid raw JSON instead of applying it', () => {
    expect(parseRawQuery('{', 'A')).toMatch(/^Invalid JSON/);
    expect(parseRawQuery('[1]', 'A')).toBe('The query must be a JSON object');
    expect(parseRawQuery('{"rollout":"r"}', 'B')).toEqual({ rollout: 'r', refId: 'B' });
  });
});

describe('rollout picker', () => {
  const rollouts = [
    { namespace: 'demo', name: 'cart', status: 'Paused', strategy: 'Canary' },
    { namespace: 'shop', name: 'cart' },
  ];

  it('names rollouts namespace/name unless one namespace is chosen', () => {
    expect(rolloutOptions(rollouts, '').map((o) => o.value)).toEqual(['demo/cart', 'shop/cart']);
    expect(rolloutOptions(rollouts, '$namespace').map((o) => o.value)).toEqual(['demo/cart', 'shop/cart']);
    expect(rolloutOptions(rollouts, 'demo,shop').map((o) => o.value)).toEqual(['demo/cart', 'shop/cart']);
    expect(rolloutOptions(rollouts.slice(0, 1), 'demo')).toEqual([{ label: 'cart', value: 'cart', description: 'Paused · Canary' }]);
  });

  it('gives the query the namespace of a rollout picked under all namespaces', () => {
    expect(pickRollout('', 'shop/cart')).toEqual({ namespace: 'shop', rollout: 'cart' });
    expect(pickRollout('$namespace', 'shop/cart')).toEqual({ namespace: '$namespace', rollout: 'shop/cart' });
    expect(pickRollout('demo', 'cart')).toEqual({ namespace: 'demo', rollout: 'cart' });
    expect(pickRollout('', '$rollout')).toEqual({ namespace: '', rollout: '$rollout' });
    expect(pickRollout('', '')).toEqual({ namespace: '', rollout: '' });
  });
});
