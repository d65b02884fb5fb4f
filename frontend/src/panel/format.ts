// Formatting for the panel: weights, durations, ratios, latencies, images.

/** Parses Go/Argo durations ("30s", "1h30m", "500ms", "2m0s") or a bare number of seconds. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t === '') {
    return null;
  }
  if (/^\d+(\.\d+)?$/.test(t)) {
    return Number(t);
  }
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(part)) {
    total += Number(m[1]) * unit[m[2]];
    consumed += m[0].length;
  }
  return consumed === t.length ? total : null;
}

/** "45s", "2m", "1h30m", "2d3h": the short form kubectl prints. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) {
    return '';
  }
  const s = Math.round(totalSeconds);
  if (s < 60) {
    return `${s}s`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) {
    return h > 0 ? `${d}d${h}h` : `${d}d`;
  }
  if (h > 0) {
    return m > 0 ? `${h}h${m}m` : `${h}h`;
  }
  return sec > 0 ? `${m}m${sec}s` : `${m}m`;
}

export function formatPercent(value: number | null, digits = 0): string {
  return value === null || !Number.isFinite(value) ? '–' : `${value.toFixed(digits)}%`;
}

/** A ratio (0..1) as a percentage with enough digits for small error ratios. */
export function formatRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  const pct = value * 100;
  if (pct === 0) {
    return '0%';
  }
  return Math.abs(pct) < 1 ? `${pct.toFixed(2)}%` : `${pct.toFixed(1)}%`;
}

/** Seconds as a latency: "850ms", "1.20s", "320µs". */
export function formatLatency(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '–';
  }
  if (seconds >= 1) {
    return `${seconds.toFixed(2)}s`;
  }
  if (seconds >= 0.001) {
    return `${(seconds * 1000).toFixed(seconds >= 0.1 ? 0 : 1)}ms`;
  }
  return `${Math.round(seconds * 1e6)}µs`;
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) {
    return '–';
  }
  return perSecond >= 100 ? `${Math.round(perSecond)} req/s` : `${perSecond.toFixed(1)} req/s`;
}

export type MetricKind = 'requestRate' | 'errorRatio' | 'latency' | 'other';

/**
 * The kind of a metric, by the key the panel uses ("errorRatio") or by the name the
 * verdict frame gives it ("request rate", "error ratio", "p99 latency").
 */
export function metricKind(metric: string): MetricKind {
  const m = metric.toLowerCase();
  if (m === 'requestrate' || m === 'request rate') {
    return 'requestRate';
  }
  if (m === 'errorratio' || m === 'error ratio') {
    return 'errorRatio';
  }
  if (m === 'latency' || m.endsWith(' latency')) {
    return 'latency';
  }
  return 'other';
}

/** Formats a metric value by its kind. */
export function formatMetric(metric: string, value: number | null): string {
  switch (metricKind(metric)) {
    case 'requestRate':
      return formatRate(value);
    case 'errorRatio':
      return formatRatio(value);
    case 'latency':
      return formatLatency(value);
    default:
      return value === null ? '–' : String(Number(value.toPrecision(4)));
  }
}

/** A relative difference (0.35 = 35% more) as a signed percentage: "+35%", "−12%". */
export function formatChange(relative: number | null): string {
  if (relative === null || !Number.isFinite(relative)) {
    return '–';
  }
  const pct = relative * 100;
  const digits = Math.abs(pct) < 10 && pct !== 0 ? 1 : 0;
  const text = Math.abs(pct).toFixed(digits);
  if (Number(text) === 0) {
    return '0%';
  }
  return `${pct > 0 ? '+' : '−'}${text}%`;
}

/** A p-value as people read it: "< 0.001", "0.04", "0.31". */
export function formatPValue(p: number | null): string {
  if (p === null || !Number.isFinite(p)) {
    return '–';
  }
  if (p < 0.001) {
    return '< 0.001';
  }
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

/** The tag of an image reference ("registry/app:1.2" → "1.2"; digests shortened). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) {
    return image.slice(at + 1, at + 1 + 19);
  }
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** "ready/desired" such as "4/5". */
export function formatReplicas(ready: number | null, desired: number | null): string {
  return `${ready ?? 0}/${desired ?? 0}`;
}

/** Seconds of a kubectl age ("45s", "3m", "5d2h", "7y39d"); null when it is not one. */
export function parseAge(text: string): number | null {
  const t = text.trim();
  if (t === '') {
    return null;
  }
  const unit: Record<string, number> = { y: 365 * 86400, d: 86400, h: 3600, m: 60, s: 1 };
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(/(\d+)([ydhms])/g)) {
    total += Number(m[1]) * unit[m[2]];
    consumed += m[0].length;
  }
  return consumed === t.length ? total : null;
}
