// Recognises Canary Lens frames by their shape (field names, labels, meta), never by
// refId, and reads their values defensively: frames come from the network.
import { type DataFrame, type Field, FieldType } from '@grafana/data';

export type FrameKind =
  | 'rollouts' // `rollouts` table or the `header` frame of a `rollout` query
  | 'tree'
  | 'steps'
  | 'analysis' // `measurements` table of an `analysis` query
  | 'canaryMetric' // one series of a `canaryMetrics` query (labels role + metric)
  | 'trafficSplit'
  | 'verdict'
  | 'traces'
  | 'exemplar'
  | 'annotations'
  | 'other';

function names(frame: DataFrame): Set<string> {
  return new Set(frame.fields.map((f) => f.name));
}

function hasAll(set: Set<string>, ...wanted: string[]): boolean {
  return wanted.every((w) => set.has(w));
}

/** The role/metric labels of a canary metric series, if the frame is one. */
function metricLabels(frame: DataFrame): Record<string, string> | undefined {
  const value = frame.fields.find((f) => f.type === FieldType.number && f.labels?.metric && f.labels?.role);
  return value?.labels;
}

export function classifyFrame(frame: DataFrame): FrameKind {
  const fields = names(frame);
  const custom = frame.meta?.custom as Record<string, unknown> | undefined;
  if (frame.name === 'exemplar') {
    return 'exemplar';
  }
  if (hasAll(fields, 'id', 'parentId', 'kind')) {
    return 'tree';
  }
  if (hasAll(fields, 'name', 'status', 'setWeight')) {
    return 'rollouts';
  }
  if (hasAll(fields, 'index', 'kind', 'state')) {
    return 'steps';
  }
  if (hasAll(fields, 'metric', 'result') || (custom && typeof custom.outcome === 'string')) {
    return 'verdict';
  }
  if (hasAll(fields, 'run', 'metric', 'phase')) {
    return 'analysis';
  }
  if (fields.has('traceID') && (fields.has('duration') || fields.has('rootSpan'))) {
    return 'traces';
  }
  if (frame.meta?.dataTopic === 'annotations' || hasAll(fields, 'time', 'title', 'text')) {
    return 'annotations';
  }
  const hasTime = frame.fields.some((f) => f.type === FieldType.time);
  if (
    hasTime &&
    (frame.name === 'trafficSplit' ||
      custom?.kind === 'trafficSplit' ||
      fields.has('setWeight') ||
      fields.has('actualWeight') ||
      frame.fields.some((f) => f.labels?.metric === 'trafficShare'))
  ) {
    return 'trafficSplit';
  }
  if (hasTime && metricLabels(frame)) {
    return 'canaryMetric';
  }
  return 'other';
}

export function field(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

export function str(frame: DataFrame, name: string, row: number): string {
  const v = field(frame, name)?.values[row];
  if (v === null || v === undefined) {
    return '';
  }
  return typeof v === 'string' ? v : String(v);
}

export function num(frame: DataFrame, name: string, row: number): number | null {
  const v = field(frame, name)?.values[row];
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return null;
}

/** Epoch milliseconds of a time value (number of ms, ISO string or Date). */
export function timeMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  if (v instanceof Date) {
    return v.getTime();
  }
  return null;
}

/** The (time, value) points of a time series frame's first number field matching `pick`. */
export function seriesPoints(frame: DataFrame, valueField: Field): Array<[number, number]> {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  if (!time) {
    return [];
  }
  const points: Array<[number, number]> = [];
  for (let i = 0; i < frame.length; i++) {
    const t = timeMs(time.values[i]);
    const v = valueField.values[i];
    if (t !== null && typeof v === 'number' && Number.isFinite(v)) {
      points.push([t, v]);
    }
  }
  return points;
}

/** The last non-null number of a field. */
export function lastNumber(f: Field | undefined): number | null {
  if (!f) {
    return null;
  }
  for (let i = f.values.length - 1; i >= 0; i--) {
    const v = f.values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return null;
}
