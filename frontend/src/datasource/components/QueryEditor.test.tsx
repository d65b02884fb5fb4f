import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { CanaryLensDataSource } from '../datasource';
import type { CanaryLensQuery } from '../types';
import { parseRawQuery } from './query/RawQueryEditor';
import { EDITORS, QueryEditor } from './QueryEditor';

function fakeDatasource() {
  return {
    getNamespaces: vi.fn(async () => ['demo', 'shop']),
    getRollouts: vi.fn(async () => [{ namespace: 'demo', name: 'rollouts-demo', status: 'Paused', strategy: 'Canary' }]),
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
    expect(screen.getByLabelText('Rollouts')).toBeChecked();
    expect(screen.getByText('Label selector')).toBeInTheDocument();
  });

  it('switches to the traces editor with its defaults, keeping the rollout, and runs the query', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'rollouts', namespace: 'demo', rollout: 'rollouts-demo', labelSelector: 'app=x' });
    await userEvent.click(screen.getByLabelText('Traces'));
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
