// Loads a dashboard JSON the way Grafana does and runs everything it asks of the Canary
// Lens datasource: the variables in order (each one's options through the datasource,
// its current value validated against them), every panel target of this datasource per
// panel (one request per panel, as the panel's query runner sends it) and every enabled
// annotation of this datasource. Targets of other datasources are listed as skipped.
import { type DataFrame, type DataSourceApi, LoadingState, rangeUtil, type TimeRange } from '@grafana/data';
import type { DataQuery, DataSourceRef } from '@grafana/schema';

import { panelRequest, runAnnotation, runRequest, validateCurrent, variableOptions } from './runners';
import type { ContractTemplateSrv, ContractVariable } from './templateSrv';

/** One query the dashboard makes, and what came of it. */
export interface ContractEntry {
  dashboard: string;
  kind: 'variable' | 'target' | 'annotation';
  /** variable and annotation: its name; target: `<panel id>/<refId>`. */
  id: string;
  /** The panel title, or the variable's / annotation's label. */
  title: string;
  queryType: string;
  status: 'ok' | 'error' | 'skipped';
  error?: string;
  frames: number;
  /** target: rows over its frames; variable: options; annotation: events. */
  rows: number;
  /** variable: the value chosen and why; skipped: why. */
  detail?: string;
}

interface PanelJson {
  id: number;
  type: string;
  title?: string;
  datasource?: DataSourceRef | string | null;
  gridPos?: { w: number };
  targets?: Array<DataQuery & Record<string, unknown>>;
  panels?: PanelJson[];
}

export interface DashboardJson {
  uid?: string;
  title?: string;
  time?: { from: string; to: string };
  templating?: { list?: Array<Record<string, unknown>> };
  annotations?: { list?: Array<Record<string, unknown>> };
  panels?: PanelJson[];
}

/** The datasource under test: its instance and the refs that name it. */
export interface ContractDatasource {
  api: DataSourceApi;
  uids: string[];
  names: string[];
  type: string;
  isDefault: boolean;
}

function isOurs(ds: ContractDatasource, ref: DataSourceRef | string | null | undefined): boolean {
  if (ref === null || ref === undefined) {
    return ds.isDefault;
  }
  if (typeof ref === 'string') {
    return ds.names.includes(ref) || ds.uids.includes(ref);
  }
  if (ref.uid) {
    return ds.uids.includes(ref.uid);
  }
  return ref.type === ds.type;
}

const describeRef = (ref: DataSourceRef | string | null | undefined) =>
  typeof ref === 'string' ? ref : (ref?.uid ?? ref?.type ?? 'default');

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function rowsOf(frames: DataFrame[]): number {
  return frames.reduce((n, f) => n + f.length, 0);
}

/** Panels in grid order, with the panels of (collapsed) rows. */
function allPanels(panels: PanelJson[] = []): PanelJson[] {
  return panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/** The dashboard's variables, as the TemplateSrv will hold them before any refresh. */
function toVariables(list: Array<Record<string, unknown>>): ContractVariable[] {
  return list.map((model) => {
    const current = (model.current ?? {}) as { text?: string | string[]; value?: string | string[] };
    return {
      name: String(model.name),
      type: String(model.type ?? 'query'),
      multi: Boolean(model.multi),
      includeAll: Boolean(model.includeAll),
      allValue: typeof model.allValue === 'string' && model.allValue !== '' ? model.allValue : undefined,
      options: [],
      current: { text: current.text ?? '', value: current.value ?? '' },
      model,
    };
  });
}

function sameValue(a: string | string[], b: string | string[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The dashboard's variables resolved in order; one entry each. */
export async function resolveVariables(
  file: string,
  dashboard: DashboardJson,
  ds: ContractDatasource,
  templateSrv: ContractTemplateSrv,
  range: TimeRange
): Promise<ContractEntry[]> {
  const entries: ContractEntry[] = [];
  templateSrv.variables = toVariables(dashboard.templating?.list ?? []);
  for (const variable of templateSrv.variables) {
    const query = variable.model.query;
    const queryType =
      typeof query === 'object' && query !== null ? String((query as Record<string, unknown>).queryType ?? '') : String(query ?? '');
    const entry: ContractEntry = {
      dashboard: file,
      kind: 'variable',
      id: variable.name,
      title: String(variable.model.label ?? variable.name),
      queryType: variable.type === 'query' ? queryType : variable.type,
      status: 'ok',
      frames: 0,
      rows: 0,
    };
    const ref = variable.model.datasource as DataSourceRef | null | undefined;
    if (variable.type === 'query' && !isOurs(ds, ref)) {
      entries.push({ ...entry, status: 'skipped', detail: `datasource ${describeRef(ref)}` });
      continue;
    }
    try {
      const options = await variableOptions(variable, variable.type === 'query' ? ds.api : undefined, templateSrv, range);
      const saved = variable.current;
      variable.options = options;
      variable.current = validateCurrent(variable, options);
      entry.rows = options.length;
      const kept = sameValue(saved.value, variable.current.value);
      entry.detail = `${JSON.stringify(variable.current.value)} (${kept ? 'saved' : `saved ${JSON.stringify(saved.value)} not among the options`})`;
      if (options.length === 0) {
        entry.status = 'error';
        entry.error = 'no options';
      }
    } catch (err) {
      // Grafana shows the error on the variable and keeps its saved value.
      entry.status = 'error';
      entry.error = message(err);
    }
    entries.push(entry);
  }
  return entries;
}

/** Every panel target of the datasource, one request per panel. */
export async function runPanels(
  file: string,
  dashboard: DashboardJson,
  ds: ContractDatasource,
  range: TimeRange,
  width: number
): Promise<ContractEntry[]> {
  const entries: ContractEntry[] = [];
  for (const panel of allPanels(dashboard.panels)) {
    const targets = panel.targets ?? [];
    const title = panel.title ?? `panel ${panel.id}`;
    const ours = targets.filter((t) => isOurs(ds, t.datasource ?? panel.datasource));
    for (const t of targets.filter((t) => !ours.includes(t))) {
      entries.push({
        dashboard: file,
        kind: 'target',
        id: `${panel.id}/${t.refId}`,
        title,
        queryType: String(t.queryType ?? ''),
        status: 'skipped',
        frames: 0,
        rows: 0,
        detail: `datasource ${describeRef(t.datasource ?? panel.datasource)}`,
      });
    }
    if (ours.length === 0) {
      continue;
    }
    const maxDataPoints = Math.max(1, Math.round(((panel.gridPos?.w ?? 24) / 24) * width));
    const request = panelRequest(ds.api, ours, range, maxDataPoints, {
      dashboardUID: dashboard.uid ?? '',
      panelId: panel.id,
      panelName: title,
      panelPluginId: panel.type,
    });
    const result = await runRequest(ds.api, request);
    const sent = new Set(request.targets.map((t) => t.refId));
    for (const t of ours) {
      const frames = [...result.series, ...(result.annotations ?? [])].filter((f) => f.refId === t.refId);
      const error =
        result.errors?.find((e) => e.refId === t.refId) ?? (result.errors?.length === 1 && !result.errors[0].refId ? result.errors[0] : undefined);
      const entry: ContractEntry = {
        dashboard: file,
        kind: 'target',
        id: `${panel.id}/${t.refId}`,
        title,
        queryType: String(t.queryType ?? ''),
        status: 'ok',
        frames: frames.length,
        rows: rowsOf(frames),
      };
      if (!sent.has(t.refId)) {
        entry.status = 'error';
        entry.error = 'not sent: the datasource filtered it out (filterQuery)';
      } else if (error) {
        entry.status = 'error';
        entry.error = error.message ?? JSON.stringify(error);
      } else if (entry.rows === 0) {
        entry.status = 'error';
        entry.error = `no rows in ${frames.length} frame(s)`;
      }
      entries.push(entry);
    }
  }
  return entries;
}

/** Every enabled annotation of the datasource. */
export async function runAnnotations(
  file: string,
  dashboard: DashboardJson,
  ds: ContractDatasource,
  range: TimeRange,
  width: number
): Promise<ContractEntry[]> {
  const entries: ContractEntry[] = [];
  for (const annotation of dashboard.annotations?.list ?? []) {
    const ref = annotation.datasource as DataSourceRef | undefined;
    const name = String(annotation.name ?? '');
    const target = (annotation.target ?? {}) as Record<string, unknown>;
    const entry: ContractEntry = {
      dashboard: file,
      kind: 'annotation',
      id: name,
      title: name,
      queryType: String(target.queryType ?? ''),
      status: 'ok',
      frames: 0,
      rows: 0,
    };
    if (annotation.builtIn || !isOurs(ds, ref) || annotation.enable === false) {
      const why = annotation.builtIn ? 'built in' : annotation.enable === false ? 'disabled' : `datasource ${describeRef(ref)}`;
      entries.push({ ...entry, status: 'skipped', detail: why });
      continue;
    }
    try {
      const { result, events } = await runAnnotation(ds.api, annotation, range, width);
      entry.frames = result.series.length + (result.annotations?.length ?? 0);
      entry.rows = events.length;
      if (result.state === LoadingState.Error) {
        entry.status = 'error';
        entry.error = result.errors?.[0]?.message ?? 'the annotation query failed';
      } else if (events.length === 0) {
        entry.status = 'error';
        entry.error = `no events in ${entry.frames} frame(s)`;
      }
    } catch (err) {
      entry.status = 'error';
      entry.error = message(err);
    }
    entries.push(entry);
  }
  return entries;
}

/** The dashboard's time range, as its time picker holds it. */
export function dashboardRange(dashboard: DashboardJson): TimeRange {
  return rangeUtil.convertRawToRange(dashboard.time ?? { from: 'now-6h', to: 'now' }, 'browser');
}

/** Everything the dashboard asks of the datasource, in the order Grafana asks it. */
export async function runDashboard(
  file: string,
  dashboard: DashboardJson,
  ds: ContractDatasource,
  templateSrv: ContractTemplateSrv,
  width: number
): Promise<ContractEntry[]> {
  const range = dashboardRange(dashboard);
  templateSrv.updateTimeRange(range);
  const variables = await resolveVariables(file, dashboard, ds, templateSrv, range);
  const panels = await runPanels(file, dashboard, ds, range, width);
  const annotations = await runAnnotations(file, dashboard, ds, range, width);
  return [...variables, ...panels, ...annotations];
}
