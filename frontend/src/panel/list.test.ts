import { type InterpolateFunction, type ScopedVars, toDataFrame } from '@grafana/data';
import { describe, expect, it, vi } from 'vitest';

import { arrangeList, drilldown, type DrilldownEnv, lastUpdate, progress } from './list';
import { DEFAULT_OPTIONS } from './types';
import { type CardModel, rolloutsFromFrame, type StatusKind } from './viewModel';

function card(namespace: string, name: string, status: StatusKind, extra: Record<string, unknown> = {}): CardModel {
  const [rollout] = rolloutsFromFrame(
    toDataFrame([{ namespace, name, status, setWeight: 0, ...extra }])
  );
  return { rollout, timeline: { segments: [], position: '', current: null, complete: false }, metrics: [] };
}

const NOW = Date.UTC(2026, 10, 25, 12, 0);

describe('arrangeList', () => {
  const cards = [
    card('b', 'web', 'Healthy', { currentStep: 4, stepCount: 4, age: '3d' }),
    card('a', 'api', 'Degraded', { currentStep: 1, stepCount: 4, age: '2h' }),
    card('a', 'worker', 'Paused', { currentStep: 2, stepCount: 8, lastUpdate: NOW - 60_000, age: '90d' }),
    card('c', 'Api2', 'Unknown', { age: '1y' }),
  ];
  const names = (opts: Partial<typeof DEFAULT_OPTIONS>) => arrangeList(cards, { ...DEFAULT_OPTIONS, ...opts }, NOW).cards.map((c) => c.rollout.name);

  it('puts what needs a person first by default', () => {
    expect(names({})).toEqual(['api', 'worker', 'Api2', 'web']);
  });

  it('sorts names naturally and case-insensitively', () => {
    expect(names({ sortBy: 'name' })).toEqual(['api', 'Api2', 'web', 'worker']);
    expect(names({ sortBy: 'name', sortDesc: true })).toEqual(['worker', 'web', 'Api2', 'api']);
  });

  it('sorts by step progress, rollouts without steps as done', () => {
    expect(progress(cards[3].rollout)).toBe(1);
    expect(names({ sortBy: 'progress' })).toEqual(['api', 'worker', 'Api2', 'web']);
  });

  it("sorts by last update: the frame's lastUpdate time, else the age", () => {
    expect(lastUpdate(cards[2].rollout, NOW)).toBe(NOW - 60_000);
    expect(lastUpdate(cards[1].rollout, NOW)).toBe(NOW - 2 * 3600_000);
    expect(names({ sortBy: 'updated' })).toEqual(['worker', 'api', 'web', 'Api2']);
  });

  it('filters on namespace/name text (with variables) and on status, then limits', () => {
    const replace = (s: string) => s.replace('$ns', 'a/');
    const out = arrangeList(cards, { ...DEFAULT_OPTIONS, filterText: '$ns', filterStatus: ['Paused', 'Degraded'], limit: 1 }, NOW, replace);
    expect(out.cards.map((c) => c.rollout.name)).toEqual(['api']);
    expect(out).toMatchObject({ matched: 2, total: 4 });
  });
});

describe('drilldown', () => {
  const replaceVariables: InterpolateFunction = (s: string, scoped?: ScopedVars) =>
    s.replace(/\$\{(\w+)\}/g, (_m, n: string) => String(scoped?.[n]?.value ?? `<${n}>`));
  const partial = vi.fn<DrilldownEnv['partial']>();
  const env: DrilldownEnv = {
    replaceVariables,
    location: { pathname: '/d/canary/canary-lens', search: '?orgId=1&var-namespace=x&from=now-6h' },
    partial,
  };

  it("sets this dashboard's variables, keeping the rest of the URL", () => {
    const to = drilldown(card('shop', 'cart', 'Paused').rollout, DEFAULT_OPTIONS, env);
    const url = new URL(to.href, 'http://grafana');
    expect(url.pathname).toBe('/d/canary/canary-lens');
    expect(Object.fromEntries(url.searchParams)).toEqual({ orgId: '1', 'var-namespace': 'shop', 'var-rollout': 'cart', from: 'now-6h' });
    to.onClick?.();
    expect(partial).toHaveBeenCalledWith({ 'var-namespace': 'shop', 'var-rollout': 'cart' });
  });

  it('uses the variable names of the options', () => {
    const to = drilldown(card('shop', 'cart', 'Paused').rollout, { ...DEFAULT_OPTIONS, namespaceVariable: 'ns', rolloutVariable: '' }, env);
    expect(new URL(to.href, 'http://grafana').searchParams.get('var-ns')).toBe('shop');
    expect(new URL(to.href, 'http://grafana').searchParams.has('var-rollout')).toBe(false);
  });

  it('follows a drill-down URL with the rollout as scoped variables, and no in-place change', () => {
    const to = drilldown(card('shop', 'cart', 'Paused').rollout, { ...DEFAULT_OPTIONS, drilldownUrl: '/d/x?var-r=${rollout}&var-n=${namespace}' }, env);
    expect(to).toEqual({ href: '/d/x?var-r=cart&var-n=shop' });
  });
});
