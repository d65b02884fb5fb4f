// A list of rollouts as the panel options ask: filtered, sorted, limited; and where each
// rollout of the list leads (the single-rollout view).
import { type InterpolateFunction, locationUtil, type ScopedVars, urlUtil } from '@grafana/data';

import { parseAge } from './format';
import type { CanaryPanelOptions, SortBy } from './types';
import type { CardModel, RolloutView, StatusKind } from './viewModel';

/** Most urgent first: what needs a person (Degraded, Paused) before what runs by itself. */
const SEVERITY: Record<StatusKind, number> = { Degraded: 0, Paused: 1, Progressing: 2, Unknown: 3, Healthy: 4 };

/** How far a rollout is through its steps (0..1); rollouts without steps count as done. */
export function progress(r: RolloutView): number {
  if (r.currentStep === null || r.stepCount === null || r.stepCount <= 0) {
    return 1;
  }
  return Math.min(1, r.currentStep / r.stepCount);
}

/**
 * Epoch ms of the rollout's last change: the frame's `lastUpdate` time when it has one,
 * otherwise the creation time its age implies (a younger rollout changed more recently).
 */
export function lastUpdate(r: RolloutView, nowMs: number): number | null {
  if (r.lastUpdateMs !== null) {
    return r.lastUpdateMs;
  }
  const age = parseAge(r.age);
  return age === null ? null : nowMs - age * 1000;
}

const byText = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });

function comparator(sortBy: SortBy, nowMs: number): (a: RolloutView, b: RolloutView) => number {
  const names = (a: RolloutView, b: RolloutView) => byText(a.name, b.name) || byText(a.namespace, b.namespace);
  switch (sortBy) {
    case 'name':
      return names;
    case 'namespace':
      return (a, b) => byText(a.namespace, b.namespace) || byText(a.name, b.name);
    case 'progress':
      return (a, b) => progress(a) - progress(b) || names(a, b);
    case 'updated':
      // Newest first; rollouts with no time last.
      return (a, b) => (lastUpdate(b, nowMs) ?? -Infinity) - (lastUpdate(a, nowMs) ?? -Infinity) || names(a, b);
    case 'severity':
    default:
      return (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || names(a, b);
  }
}

export interface ListResult {
  cards: CardModel[];
  /** Rollouts that matched the filters (before the limit). */
  matched: number;
  /** Rollouts the panel received. */
  total: number;
}

/** Filters (text on namespace/name, status), sorts and limits the cards. */
export function arrangeList(
  cards: CardModel[],
  options: Pick<CanaryPanelOptions, 'sortBy' | 'sortDesc' | 'filterText' | 'filterStatus' | 'limit'>,
  nowMs: number,
  replaceVariables: InterpolateFunction = (s) => s
): ListResult {
  const text = replaceVariables(options.filterText ?? '').trim().toLowerCase();
  const statuses = new Set(options.filterStatus ?? []);
  const matched = cards.filter(
    ({ rollout: r }) =>
      (text === '' || `${r.namespace}/${r.name}`.toLowerCase().includes(text)) && (statuses.size === 0 || statuses.has(r.status))
  );
  const compare = comparator(options.sortBy ?? 'severity', nowMs);
  const sorted = [...matched].sort((a, b) => (options.sortDesc ? -1 : 1) * compare(a.rollout, b.rollout));
  const limit = options.limit > 0 ? options.limit : sorted.length;
  return { cards: sorted.slice(0, limit), matched: matched.length, total: cards.length };
}

/** Where a rollout of a list leads. */
export interface Drilldown {
  href: string;
  /** Sets the dashboard's variables in place (no page load), when the link stays on this dashboard. */
  onClick?: () => void;
}

export interface DrilldownEnv {
  replaceVariables: InterpolateFunction;
  /** The current location (Grafana's locationService.getLocation()). */
  location: { pathname: string; search: string };
  /** Grafana's locationService.partial. */
  partial: (query: Record<string, string>) => void;
}

/**
 * The single-rollout view of a rollout: with a drill-down URL option, that URL interpolated
 * with the rollout's ${namespace} and ${rollout} (scoped variables win over the dashboard's,
 * as in a data link); otherwise this dashboard with its namespace and rollout variables set,
 * the way Grafana's own variable links do (locationService.partial, `var-<name>`).
 */
export function drilldown(
  r: RolloutView,
  options: Pick<CanaryPanelOptions, 'drilldownUrl' | 'namespaceVariable' | 'rolloutVariable'>,
  env: DrilldownEnv
): Drilldown {
  const url = (options.drilldownUrl ?? '').trim();
  if (url !== '') {
    const scoped: ScopedVars = {
      namespace: { text: r.namespace, value: r.namespace },
      rollout: { text: r.name, value: r.name },
    };
    return { href: locationUtil.assureBaseUrl(env.replaceVariables(url, scoped, 'uriencode')) };
  }
  const query: Record<string, string> = {};
  if (options.namespaceVariable) {
    query[`var-${options.namespaceVariable}`] = r.namespace;
  }
  if (options.rolloutVariable) {
    query[`var-${options.rolloutVariable}`] = r.name;
  }
  const search = urlUtil.parseKeyValue(env.location.search.replace(/^\?/, ''));
  return {
    href: locationUtil.assureBaseUrl(urlUtil.renderUrl(env.location.pathname, { ...search, ...query })),
    onClick: () => env.partial(query),
  };
}
