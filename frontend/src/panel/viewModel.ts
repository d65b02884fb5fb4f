// Frames → the panel's view model: one card per rollout, with the frames of the other
// query types (steps, metrics, traffic split, verdict, traces, analysis) attached to the
// rollout they belong to.
import { createTheme, type DataFrame, type Field, FieldType, type LinkModel } from '@grafana/data';

import { type DisplayContext, fieldLinks, linkModels, type Shown, shownValue } from './display';
import { parseDuration } from './format';
import { classifyFrame, field, lastNumber, num, seriesPoints, str, timeMs } from './frames';
import { type Timeline, timelineFromRow, timelineFromSteps } from './timeline';

export type StatusKind = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | 'Unknown';

export interface RevisionView {
  role: 'stable' | 'canary';
  revision: string;
  image: string;
}

export interface RolloutView {
  key: string;
  namespace: string;
  name: string;
  strategy: string;
  status: StatusKind;
  message: string;
  step: string;
  currentStep: number | null;
  stepCount: number | null;
  setWeight: number | null;
  actualWeight: number | null;
  desired: number | null;
  current: number | null;
  updated: number | null;
  ready: number | null;
  available: number | null;
  revisions: RevisionView[];
  analysisStatus: string;
  age: string;
  canaryErrorRatio: number | null;
  stableErrorRatio: number | null;
  canaryP99: number | null;
  stableP99: number | null;
  /** Verdict text of the rollouts row, when Prometheus is configured. */
  verdict: string;
  /** Epoch ms of the last change (a `lastUpdate` time column), when the frame has one. */
  lastUpdateMs: number | null;
  /** Numbers formatted by their field's config (units, decimals, overrides). */
  shown: Partial<Record<ShownKey, Shown>>;
  /** The frame's own data links of the rollout (the `name` field's links). */
  links: Array<LinkModel<Field>>;
}

/** Numbers of a rollout that the panel formats through their field. */
export type ShownKey = 'setWeight' | 'actualWeight' | 'canaryErrorRatio' | 'stableErrorRatio' | 'canaryP99' | 'stableP99';
const SHOWN_KEYS: ShownKey[] = ['setWeight', 'actualWeight', 'canaryErrorRatio', 'stableErrorRatio', 'canaryP99', 'stableP99'];

export interface MetricSeries {
  metric: string;
  role: string;
  revision: string;
  quantile: string;
  points: Array<[number, number]>;
  /** The last point as its field formats it. */
  lastShown?: Shown;
}

export interface MetricComparison {
  /** requestRate, errorRatio, latency (with quantile) */
  metric: string;
  quantile: string;
  canary?: MetricSeries;
  stable?: MetricSeries;
}

export interface TrafficView {
  setWeight: number | null;
  actualWeight: number | null;
  /** Last observed share (%) of the canary's traffic. */
  observedCanaryShare: number | null;
  shown: { setWeight?: Shown; actualWeight?: Shown; observedCanaryShare?: Shown };
}

export interface VerdictRow {
  metric: string;
  result: string;
  reason: string;
  controlMedian: number | null;
  experimentMedian: number | null;
  relativeDifference: number | null;
  pValue: number | null;
  shown: Partial<Record<'controlMedian' | 'experimentMedian' | 'relativeDifference' | 'pValue', Shown>>;
}

export interface VerdictView {
  outcome: string;
  score: number | null;
  summary: string;
  rows: VerdictRow[];
}

export interface TraceRow {
  traceID: string;
  rootService: string;
  rootSpan: string;
  startMs: number | null;
  durationMs: number | null;
  status: string;
  /** The duration as its field formats it. */
  durationShown?: Shown;
  /** The traceID field's data links (to the trace in Tempo). */
  links: Array<LinkModel<Field>>;
}

export interface TracesView {
  rows: TraceRow[];
  errorCount: number;
  /** The TraceQL search the backend ran, opened in the Tempo datasource the trace links name. */
  searchLinks: Array<LinkModel<Field>>;
  revision: string;
}

export interface AnalysisView {
  /** Measurement count per phase (Successful, Failed, Error, Running, Inconclusive). */
  phases: Record<string, number>;
  /** The latest measurement of each metric. */
  latest: Array<{ run: string; metric: string; phase: string; value: string; message: string }>;
}

export interface CardModel {
  rollout: RolloutView;
  timeline: Timeline;
  metrics: MetricComparison[];
  traffic?: TrafficView;
  verdict?: VerdictView;
  traces?: TracesView;
  analysis?: AnalysisView;
  /** Pods of the rollout (from a `rollout` query's tree) that are not running. */
  podProblems?: PodProblem[];
}

export interface PodProblem {
  name: string;
  status: string;
  revision: string;
}

export interface PanelModel {
  cards: CardModel[];
  /** Whether any frame listed rollouts (an empty list then means "no rollouts found"). */
  sawRolloutList: boolean;
}

/** What the panel knows of each query (after template interpolation). */
export interface TargetInfo {
  refId: string;
  queryType?: string;
  namespace?: string;
  rollout?: string;
  revision?: string;
}

export function statusKind(status: string): StatusKind {
  const s = status.trim().toLowerCase();
  switch (s) {
    case 'healthy':
      return 'Healthy';
    case 'progressing':
      return 'Progressing';
    case 'paused':
      return 'Paused';
    case 'degraded':
      return 'Degraded';
    default:
      return 'Unknown';
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Images of a header frame: one "image (tags)" per line, tags such as "stable", "canary". */
function headerRevisions(images: string): RevisionView[] {
  const out: RevisionView[] = [];
  for (const line of images.split('\n')) {
    const m = /^\s*(\S+)\s*(?:\(([^)]*)\))?\s*$/.exec(line);
    if (!m) {
      continue;
    }
    const tags = (m[2] ?? '').split(',').map((t) => t.trim());
    if (tags.includes('stable')) {
      out.push({ role: 'stable', revision: '', image: m[1] });
    }
    // Blue-green's preview plays the canary's part.
    if (tags.includes('canary') || tags.includes('preview')) {
      out.push({ role: 'canary', revision: '', image: m[1] });
    }
  }
  return out;
}

/** Formatting and links when the caller gives no context: Grafana's dark theme, no variables. */
export function defaultContext(): DisplayContext {
  return { theme: createTheme(), replaceVariables: (s: string) => s };
}

/** The formatted value of a frame's field at a row, if the field says how to format it. */
function shownAt(frame: DataFrame, name: string, row: number, ctx: DisplayContext): Shown | undefined {
  const f = field(frame, name);
  return f ? shownValue(f, f.values[row], ctx.theme) : undefined;
}

function shownMap<K extends string>(frame: DataFrame, keys: K[], row: number, ctx: DisplayContext): Partial<Record<K, Shown>> {
  const out: Partial<Record<K, Shown>> = {};
  for (const k of keys) {
    const s = shownAt(frame, k, row, ctx);
    if (s) {
      out[k] = s;
    }
  }
  return out;
}

export function rolloutsFromFrame(frame: DataFrame, ctx: DisplayContext = defaultContext()): RolloutView[] {
  const out: RolloutView[] = [];
  const nameField = field(frame, 'name');
  const updateField = field(frame, 'lastUpdate') ?? field(frame, 'lastUpdated');
  for (let row = 0; row < frame.length; row++) {
    const namespace = str(frame, 'namespace', row);
    const name = str(frame, 'name', row);
    const revisions: RevisionView[] = field(frame, 'images')
      ? headerRevisions(str(frame, 'images', row))
      : [];
    for (const role of ['stable', 'canary'] as const) {
      const revision = str(frame, `${role}Revision`, row);
      const image = str(frame, `${role}Image`, row);
      if (revision || image) {
        revisions.push({ role, revision, image });
      }
    }
    // With no canary in flight the canary revision equals the stable one: show it once.
    const [stable, canary] = [revisions.find((r) => r.role === 'stable'), revisions.find((r) => r.role === 'canary')];
    const deduped =
      stable && canary && stable.revision !== '' && stable.revision === canary.revision
        ? [stable]
        : mergeRevisions(revisions, []);
    out.push({
      key: key(namespace, name),
      namespace,
      name,
      strategy: str(frame, 'strategy', row),
      status: statusKind(str(frame, 'status', row)),
      message: str(frame, 'message', row),
      step: str(frame, 'step', row),
      currentStep: num(frame, 'currentStep', row),
      stepCount: num(frame, 'stepCount', row),
      setWeight: num(frame, 'setWeight', row),
      actualWeight: num(frame, 'actualWeight', row),
      desired: num(frame, 'desired', row),
      current: num(frame, 'current', row),
      updated: num(frame, 'updated', row),
      ready: num(frame, 'ready', row),
      available: num(frame, 'available', row),
      revisions: deduped,
      analysisStatus: str(frame, 'analysisStatus', row),
      age: str(frame, 'age', row),
      canaryErrorRatio: num(frame, 'canaryErrorRatio', row),
      stableErrorRatio: num(frame, 'stableErrorRatio', row),
      canaryP99: num(frame, 'canaryP99', row),
      stableP99: num(frame, 'stableP99', row),
      verdict: str(frame, 'verdict', row),
      lastUpdateMs: timeMs(updateField?.values[row]),
      shown: shownMap(frame, SHOWN_KEYS, row, ctx),
      links: nameField ? fieldLinks(frame, nameField, row, ctx) : [],
    });
  }
  return out;
}

function emptyRollout(namespace: string, name: string): RolloutView {
  return {
    key: key(namespace, name),
    namespace,
    name,
    strategy: '',
    status: 'Unknown',
    message: '',
    step: '',
    currentStep: null,
    stepCount: null,
    setWeight: null,
    actualWeight: null,
    desired: null,
    current: null,
    updated: null,
    ready: null,
    available: null,
    revisions: [],
    analysisStatus: '',
    age: '',
    canaryErrorRatio: null,
    stableErrorRatio: null,
    canaryP99: null,
    stableP99: null,
    verdict: '',
    lastUpdateMs: null,
    shown: {},
    links: [],
  };
}

function verdictFromFrame(frame: DataFrame, ctx: DisplayContext): VerdictView {
  const custom = (frame.meta?.custom ?? {}) as Record<string, unknown>;
  const rows: VerdictRow[] = [];
  for (let row = 0; row < frame.length; row++) {
    rows.push({
      metric: str(frame, 'metric', row),
      result: str(frame, 'result', row),
      reason: str(frame, 'reason', row),
      controlMedian: num(frame, 'controlMedian', row),
      experimentMedian: num(frame, 'experimentMedian', row),
      relativeDifference: num(frame, 'relativeDifference', row),
      pValue: num(frame, 'pValue', row),
      shown: shownMap(frame, ['controlMedian', 'experimentMedian', 'relativeDifference', 'pValue'], row, ctx),
    });
  }
  return {
    outcome: typeof custom.outcome === 'string' ? custom.outcome : '',
    score: typeof custom.score === 'number' && Number.isFinite(custom.score) ? custom.score : null,
    summary: typeof custom.summary === 'string' ? custom.summary : '',
    rows,
  };
}

const DURATION_SCALE_TO_MS: Record<string, number> = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 };

function tracesFromFrame(frame: DataFrame, revision: string, ctx: DisplayContext): TracesView {
  const traceField = field(frame, 'traceID');
  const durationField = field(frame, 'duration');
  const scale = DURATION_SCALE_TO_MS[durationField?.config?.unit ?? 'ms'] ?? 1;
  const rows: TraceRow[] = [];
  for (let row = 0; row < frame.length; row++) {
    const rawDuration = durationField?.values[row];
    let durationMs: number | null = null;
    if (typeof rawDuration === 'number' && Number.isFinite(rawDuration)) {
      durationMs = rawDuration * scale;
    } else if (typeof rawDuration === 'string') {
      const seconds = parseDuration(rawDuration);
      durationMs = seconds === null ? null : seconds * 1000;
    }
    rows.push({
      traceID: str(frame, 'traceID', row),
      rootService: str(frame, 'rootService', row),
      rootSpan: str(frame, 'rootSpan', row),
      startMs: timeMs(field(frame, 'start')?.values[row]),
      durationMs,
      status: str(frame, 'status', row),
      durationShown: durationField ? shownValue(durationField, rawDuration, ctx.theme) : undefined,
      links: traceField ? fieldLinks(frame, traceField, row, ctx) : [],
    });
  }
  // The whole search opens in the Tempo datasource the trace links name, through the same
  // link machinery (an internal link whose query is the TraceQL the backend ran).
  const tempo = traceField?.config?.links?.find((l) => l.internal?.datasourceUid)?.internal;
  const custom = (frame.meta?.custom ?? {}) as Record<string, unknown>;
  const query = frame.meta?.executedQueryString ?? (typeof custom.query === 'string' ? custom.query : undefined);
  const searchLinks =
    tempo && query
      ? linkModels(
          {
            title: 'Search in Explore',
            url: '',
            internal: {
              datasourceUid: tempo.datasourceUid,
              datasourceName: tempo.datasourceName,
              query: { query: '${__value.raw}', queryType: 'traceql' },
            },
          },
          query,
          ctx
        )
      : [];
  return {
    rows,
    errorCount: rows.filter((r) => r.status.toLowerCase() === 'error').length,
    searchLinks,
    revision,
  };
}

function analysisFromFrame(frame: DataFrame): AnalysisView {
  const phases: Record<string, number> = {};
  const latest = new Map<string, AnalysisView['latest'][number] & { at: number }>();
  for (let row = 0; row < frame.length; row++) {
    const phase = str(frame, 'phase', row) || 'Unknown';
    phases[phase] = (phases[phase] ?? 0) + 1;
    const metric = str(frame, 'metric', row);
    const at = timeMs(field(frame, 'finishedAt')?.values[row]) ?? timeMs(field(frame, 'startedAt')?.values[row]) ?? row;
    const prev = latest.get(metric);
    if (!prev || at >= prev.at) {
      latest.set(metric, {
        run: str(frame, 'run', row),
        metric,
        phase,
        value: str(frame, 'value', row),
        message: str(frame, 'message', row),
        at,
      });
    }
  }
  return { phases, latest: [...latest.values()].map(({ at: _at, ...rest }) => rest) };
}

function metricSeriesFromFrame(frame: DataFrame, ctx: DisplayContext): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const f of frame.fields) {
    if (f.type !== FieldType.number || !f.labels?.metric || !f.labels?.role) {
      continue;
    }
    const points = seriesPoints(frame, f);
    out.push({
      metric: f.labels.metric,
      role: f.labels.role,
      revision: f.labels.revision ?? '',
      quantile: f.labels.quantile ?? '',
      points,
      lastShown: points.length > 0 ? shownValue(f, points[points.length - 1][1], ctx.theme) : undefined,
    });
  }
  return out;
}

/** The number field of a trafficSplit series: by name (one wide frame) or by its metric label. */
function weightField(frame: DataFrame, metric: 'setWeight' | 'actualWeight'): Field | undefined {
  return field(frame, metric) ?? frame.fields.find((f) => f.type === FieldType.number && f.labels?.metric === metric);
}

function trafficFromFrame(frame: DataFrame, ctx: DisplayContext, prev?: TrafficView): TrafficView {
  const shareField =
    frame.fields.find((f) => f.type === FieldType.number && f.labels?.role === 'canary') ??
    frame.fields.find((f) => f.type === FieldType.number && /canary/i.test(f.name));
  const rawShare = lastNumber(shareField);
  let share = rawShare;
  // A share reported as a ratio (0..1) is shown as a percentage.
  if (share !== null && share <= 1 && shareField?.config?.unit === 'percentunit') {
    share *= 100;
  }
  const set = weightField(frame, 'setWeight');
  const actual = weightField(frame, 'actualWeight');
  const shown = (f: Field | undefined) => (f ? shownValue(f, lastNumber(f), ctx.theme) : undefined);
  // trafficSplit answers one frame per series: each fills what the previous ones lacked.
  return {
    setWeight: lastNumber(set) ?? prev?.setWeight ?? null,
    actualWeight: lastNumber(actual) ?? prev?.actualWeight ?? null,
    observedCanaryShare: share ?? prev?.observedCanaryShare ?? null,
    shown: {
      setWeight: shown(set) ?? prev?.shown.setWeight,
      actualWeight: shown(actual) ?? prev?.shown.actualWeight,
      observedCanaryShare: (shareField && rawShare !== null ? shownValue(shareField, rawShare, ctx.theme) : undefined) ?? prev?.shown.observedCanaryShare,
    },
  };
}

const ROLE_ORDER: Record<RevisionView['role'], number> = { stable: 0, canary: 1 };

/** Stable first, then canary; one entry per role, each value from whichever has it. */
function mergeRevisions(a: RevisionView[], b: RevisionView[]): RevisionView[] {
  const byRole = new Map<RevisionView['role'], RevisionView>();
  for (const r of [...a, ...b]) {
    const prev = byRole.get(r.role);
    byRole.set(r.role, prev ? { role: r.role, revision: prev.revision || r.revision, image: prev.image || r.image } : r);
  }
  return [...byRole.values()].sort((x, y) => ROLE_ORDER[x.role] - ROLE_ORDER[y.role]);
}

/** Two views of the same rollout (a `rollouts` row, a `header` frame): known values win over blanks. */
function mergeRollouts(a: RolloutView, b: RolloutView): RolloutView {
  const merged = { ...a };
  for (const k of Object.keys(b) as Array<keyof RolloutView>) {
    const mine = a[k];
    if (mine === null || mine === '' || (k === 'status' && mine === 'Unknown')) {
      (merged as Record<string, unknown>)[k] = b[k];
    }
  }
  merged.revisions = mergeRevisions(a.revisions, b.revisions);
  merged.shown = { ...b.shown, ...a.shown };
  merged.links = a.links.length > 0 ? a.links : b.links;
  return merged;
}

/** Revision numbers from a `tree` frame: its ReplicaSet rows tagged stable/active or canary/preview. */
function withTreeRevisions(revisions: RevisionView[], frame: DataFrame): RevisionView[] {
  const fromTree: RevisionView[] = [];
  for (let row = 0; row < frame.length; row++) {
    if (str(frame, 'kind', row) !== 'ReplicaSet') {
      continue;
    }
    const tags = str(frame, 'info', row)
      .split(',')
      .map((t) => t.trim());
    const revision = str(frame, 'revision', row);
    if (tags.includes('stable')) {
      fromTree.push({ role: 'stable', revision, image: '' });
    }
    if (tags.includes('canary') || tags.includes('preview')) {
      fromTree.push({ role: 'canary', revision, image: '' });
    }
  }
  return mergeRevisions(revisions, fromTree);
}

const POD_OK = new Set(['running', 'succeeded', 'completed']);

/** Pods of a `tree` frame whose status is not Running/Succeeded/Completed (ImagePullBackOff...). */
function podProblems(frame: DataFrame): PodProblem[] {
  const out: PodProblem[] = [];
  for (let row = 0; row < frame.length; row++) {
    const status = str(frame, 'status', row);
    if (str(frame, 'kind', row) === 'Pod' && status !== '' && !POD_OK.has(status.toLowerCase())) {
      out.push({ name: str(frame, 'name', row), status, revision: str(frame, 'revision', row) });
    }
  }
  return out;
}

/** Which rollout a frame is about: its labels, meta.custom, or the query that produced it. */
function owner(frame: DataFrame, targets: Map<string, TargetInfo>): { namespace: string; name: string } | undefined {
  const custom = (frame.meta?.custom ?? {}) as Record<string, unknown>;
  const target = frame.refId ? targets.get(frame.refId) : undefined;
  const labelled = frame.fields.find((f) => f.labels?.rollout)?.labels;
  const name =
    labelled?.rollout ?? (typeof custom.rollout === 'string' ? custom.rollout : undefined) ?? target?.rollout ?? '';
  const namespace =
    labelled?.namespace ?? (typeof custom.namespace === 'string' ? custom.namespace : undefined) ?? target?.namespace ?? '';
  return name ? { namespace, name } : undefined;
}

/** Builds the view model from the panel's frames. */
export function buildPanelModel(
  frames: DataFrame[],
  targetList: TargetInfo[],
  nowMs: number,
  ctx: DisplayContext = defaultContext()
): PanelModel {
  const targets = new Map(targetList.map((t) => [t.refId, t]));
  const cards: CardModel[] = [];
  const byKey = new Map<string, CardModel>();
  let sawRolloutList = false;

  const addCard = (rollout: RolloutView) => {
    const existing = byKey.get(rollout.key);
    if (existing) {
      // The `rollouts` row and a `header` frame of the same rollout: each fills what the other lacks.
      existing.rollout = mergeRollouts(existing.rollout, rollout);
      existing.timeline = timelineFromRow(existing.rollout.step, existing.rollout.currentStep, existing.rollout.stepCount);
      return existing;
    }
    const card: CardModel = {
      rollout,
      timeline: timelineFromRow(rollout.step, rollout.currentStep, rollout.stepCount),
      metrics: [],
    };
    cards.push(card);
    byKey.set(rollout.key, card);
    return card;
  };

  const classified = frames.map((frame) => ({ frame, kind: classifyFrame(frame) }));
  for (const { frame, kind } of classified) {
    if (kind === 'rollouts') {
      sawRolloutList = true;
      rolloutsFromFrame(frame, ctx).forEach(addCard);
    }
  }

  const cardFor = (frame: DataFrame): CardModel | undefined => {
    const who = owner(frame, targets);
    if (who) {
      const exact = byKey.get(key(who.namespace, who.name));
      if (exact) {
        return exact;
      }
      const byName = cards.filter((c) => c.rollout.name === who.name);
      if (byName.length === 1) {
        return byName[0];
      }
      if (byName.length === 0) {
        return addCard(emptyRollout(who.namespace, who.name));
      }
      return undefined;
    }
    return cards.length === 1 ? cards[0] : undefined;
  };

  const series = new Map<CardModel, MetricSeries[]>();
  for (const { frame, kind } of classified) {
    switch (kind) {
      case 'steps': {
        const card = cardFor(frame);
        if (card && frame.length > 0) {
          card.timeline = timelineFromSteps(frame, nowMs);
        }
        break;
      }
      case 'canaryMetric': {
        const card = cardFor(frame);
        if (card) {
          series.set(card, [...(series.get(card) ?? []), ...metricSeriesFromFrame(frame, ctx)]);
        }
        break;
      }
      case 'trafficSplit': {
        const card = cardFor(frame);
        if (card) {
          card.traffic = trafficFromFrame(frame, ctx, card.traffic);
        }
        break;
      }
      case 'verdict': {
        const card = cardFor(frame);
        if (card) {
          card.verdict = verdictFromFrame(frame, ctx);
        }
        break;
      }
      case 'traces': {
        const card = cardFor(frame);
        if (card) {
          const target = frame.refId ? targets.get(frame.refId) : undefined;
          card.traces = tracesFromFrame(frame, target?.revision || 'canary', ctx);
        }
        break;
      }
      case 'analysis': {
        const card = cardFor(frame);
        // No AnalysisRun measurements: nothing to show beyond the rollout's analysis status.
        if (card && frame.length > 0) {
          card.analysis = analysisFromFrame(frame);
        }
        break;
      }
      case 'tree': {
        const card = cardFor(frame);
        if (card) {
          card.rollout = { ...card.rollout, revisions: withTreeRevisions(card.rollout.revisions, frame) };
          card.podProblems = podProblems(frame);
        }
        break;
      }
      default:
        break;
    }
  }
  for (const [card, list] of series) {
    card.metrics = compareSeries(list);
  }
  return { cards, sawRolloutList };
}

const METRIC_ORDER = ['requestRate', 'errorRatio', 'latency'];

/** Pairs canary and stable series of the same metric (and quantile), in a stable order. */
export function compareSeries(list: MetricSeries[]): MetricComparison[] {
  const groups = new Map<string, MetricComparison>();
  for (const s of list) {
    const k = `${s.metric}|${s.quantile}`;
    const group = groups.get(k) ?? { metric: s.metric, quantile: s.quantile };
    if (s.role === 'canary' || s.role === 'preview') {
      group.canary = s;
    } else if (s.role === 'stable' || s.role === 'active') {
      group.stable = s;
    }
    groups.set(k, group);
  }
  const rank = (m: string) => {
    const i = METRIC_ORDER.indexOf(m);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  return [...groups.values()]
    .filter((g) => g.canary || g.stable)
    .sort((a, b) => rank(a.metric) - rank(b.metric) || Number(a.quantile || 0) - Number(b.quantile || 0));
}
