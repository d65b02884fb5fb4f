import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { CanaryLensDataSource } from '../datasource';
import type { CanaryLensVariableQuery } from '../variableQuery';
import { comboboxInJsdom } from './comboboxInJsdom';
import { VariableQueryEditor, withVariableType } from './VariableQueryEditor';

comboboxInJsdom();

function fakeDatasource() {
  return {
    getNamespaces: vi.fn(async () => ['demo', 'shop']),
    getRollouts: vi.fn(async () => [
      { namespace: 'demo', name: 'cart' },
      { namespace: 'shop', name: 'cart' },
    ]),
    getRevisions: vi.fn(async () => []),
    variableNames: () => ['$namespace'],
  } as unknown as CanaryLensDataSource;
}

/**
 * Renders the editor as Grafana's variable form does
 * (public/app/features/dashboard-scene/settings/variables/components/QueryEditor.tsx):
 * the stored query as is, string or object; onChange stores the new query.
 */
function renderEditor(stored: unknown) {
  const changes: CanaryLensVariableQuery[] = [];
  const ds = fakeDatasource();
  const props = () => ({ datasource: ds, onRunQuery: () => {}, onChange });
  let rerender: ((ui: React.ReactNode) => void) | undefined;
  function onChange(next: CanaryLensVariableQuery) {
    changes.push(next);
    rerender?.(<VariableQueryEditor {...props()} query={next} />);
  }
  rerender = render(<VariableQueryEditor {...props()} query={stored as CanaryLensVariableQuery} />).rerender;
  // A change made while mounting (the migration) reaches the editor as Grafana's next render.
  if (changes.length > 0) {
    rerender(<VariableQueryEditor {...props()} query={changes[changes.length - 1]} />);
  }
  return { changes, last: () => changes[changes.length - 1] };
}

describe('VariableQueryEditor', () => {
  it('stores the text form of an older dashboard back as its object', () => {
    const { changes } = renderEditor('rollouts($namespace)');
    expect(changes).toEqual([{ refId: 'variable', queryType: 'rolloutNames', namespace: '$namespace' }]);
    expect(screen.getByRole('combobox', { name: 'Variable query type' })).toHaveValue('Rollouts');
    expect(screen.getByRole('combobox', { name: 'Namespace' })).toHaveValue('$namespace');
  });

  it("shows the provisioned dashboard's stored query without rewriting it", () => {
    const { changes } = renderEditor({ queryType: 'rolloutNames', namespace: '$namespace' });
    expect(changes).toEqual([]);
    expect(screen.getByRole('combobox', { name: 'Variable query type' })).toHaveValue('Rollouts');
  });

  it('lists namespaces with no further fields', () => {
    renderEditor({ refId: 'A', queryType: 'namespaces' });
    expect(screen.queryByRole('combobox', { name: 'Namespace' })).not.toBeInTheDocument();
    expect(screen.queryByRole('combobox', { name: 'Rollout' })).not.toBeInTheDocument();
  });

  it('switches to revisions, keeping the namespace, and asks for a rollout', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'rolloutNames', namespace: 'demo' });
    await userEvent.click(screen.getByRole('combobox', { name: 'Variable query type' }));
    await userEvent.click(await screen.findByRole('option', { name: /^Revisions/ }));
    expect(last()).toEqual({ refId: 'A', queryType: 'revisions', namespace: 'demo', rollout: '' });
    expect(screen.getByText('Choose a rollout')).toBeInTheDocument();
  });

  it('takes a rollout picked under all namespaces as namespace/name', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'revisions', namespace: '', rollout: '' });
    await userEvent.click(screen.getByRole('combobox', { name: 'Rollout' }));
    await userEvent.click(await screen.findByRole('option', { name: /shop\/cart/ }));
    expect(last()).toEqual({ refId: 'A', queryType: 'revisions', namespace: '', rollout: 'shop/cart' });
  });

  it('says why a stored query cannot be read', () => {
    const { changes } = renderEditor({ queryType: 'pods' });
    expect(changes).toEqual([]);
    expect(screen.getByText(/Unknown variable query type "pods"/)).toBeInTheDocument();
  });

  it('keeps only the fields a type reads when switching', () => {
    expect(withVariableType({ refId: 'A', queryType: 'revisions', namespace: 'demo', rollout: 'cart' }, 'namespaces')).toEqual({
      refId: 'A',
      queryType: 'namespaces',
    });
  });
});
