// How a Grafana dashboard drives a datasource, step by step, for the contract test. Each
// function names the Grafana or @grafana/scenes source it follows; where it simplifies,
// the comment says how.
import {
  CoreApp,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  DataTopic,
  FieldType,
  getDefaultTimeRange,
  getFieldDisplayName,
  getProcessedDataFrames,
  isDataFrame,
  LoadingState,
  type MetricFindValue,
  type PanelData,
  rangeUtil,
  type ScopedVars,
  stringToJsRegex,
  type TimeRange,
  VariableSupportType,
} from '@grafana/data';
import { toDataQueryError } from '@grafana/runtime';
import type { DataQuery } from '@grafana/schema';
import { from, lastValueFrom, type Observable, tap } from 'rxjs';

import {
  ALL_VARIABLE_TEXT,
  ALL_VARIABLE_VALUE,
  type ContractTemplateSrv,
  type ContractVariable,
  type VariableOption,
} from './templateSrv';

type QueryFunction = (request: DataQueryRequest) => Observable<DataQueryResponse> | Promise<DataQueryResponse>;

let requestCounter = 100;
const nextRequestId = (prefix: string) => `${prefix}${requestCounter++}`;

/** public/app/core/utils/query.ts `queryIsEmpty`: nothing beyond the DataQuery props. */
function queryIsEmpty(query: DataQuery): boolean {
  const dataQueryProps = ['refId', 'hide', 'key', 'queryType', 'datasource'];
  return Object.keys(query).every((key) => key === 'label' || dataQueryProps.includes(key));
}

/** The merged outcome of a request: PanelData with every error of every packet. */
export type RunResult = Omit<PanelData, 'error'>;

/**
 * A packet's errors. `DataSourceWithBackend` sets `errors` for failed refIds and only the
 * older single `error` when the request itself failed; Grafana's runRequest reads both.
 */
function packetErrors(packet: DataQueryResponse): DataQueryError[] {
  const single = (packet as { error?: DataQueryError }).error;
  return packet.errors?.length ? packet.errors : single ? [single] : [];
}

/**
 * public/app/features/query/state/runRequest.ts: `callQueryMethod` (defaults for empty
 * queries, `filterQuery` unless a custom query function is given, nothing to run → no
 * data) and `processResponsePacket` (packets by key; frames with the annotations data
 * topic go to `annotations`; any packet error makes the state Error). Waits for the
 * stream to complete instead of emitting Loading states.
 */
export async function runRequest(ds: DataSourceApi, request: DataQueryRequest, queryFunction?: QueryFunction): Promise<RunResult> {
  request.targets = request.targets.map((t) =>
    queryIsEmpty(t) ? { ...ds.getDefaultQuery?.(CoreApp.PanelEditor), ...t } : t
  );
  if (!queryFunction) {
    request.targets = request.targets.filter((t) => ds.filterQuery?.(t) ?? true);
  }
  const empty: RunResult = { state: LoadingState.Done, series: [], annotations: [], request, timeRange: request.range };
  if (request.targets.length === 0) {
    return empty;
  }
  const packets: Record<string, DataQueryResponse> = {};
  try {
    const stream = from(queryFunction ? queryFunction(request) : ds.query(request));
    await lastValueFrom(stream.pipe(tap((packet: DataQueryResponse) => (packets[packet.key || 'A'] = packet))), {
      defaultValue: undefined,
    });
  } catch (err) {
    return { ...empty, state: LoadingState.Error, errors: [toDataQueryError(err)] };
  }
  const result: RunResult = { ...empty, series: [], annotations: [] };
  const errors: DataQueryError[] = [];
  for (const packet of Object.values(packets)) {
    if (!Array.isArray(packet.data)) {
      throw new Error(`Expected response data to be array, got ${typeof packet.data}.`);
    }
    const failed = packetErrors(packet);
    if (failed.length) {
      result.state = LoadingState.Error;
      errors.push(...failed);
    }
    for (const item of packet.data) {
      if (item.meta?.dataTopic === DataTopic.Annotations) {
        result.annotations!.push(item);
      } else {
        result.series.push(item);
      }
    }
  }
  result.errors = errors;
  result.series = getProcessedDataFrames(result.series);
  result.annotations = getProcessedDataFrames(result.annotations);
  return result;
}

// ---------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------

type VariableSupport = { getType(): VariableSupportType; toDataQuery?: unknown; query?: unknown; editor?: unknown };

function variableSupport(ds: DataSourceApi): VariableSupport | undefined {
  return (ds as unknown as { variables?: VariableSupport }).variables;
}

/**
 * @grafana/scenes variables/variants/query/createQueryVariableRunner.ts and guards.ts: the
 * standard, legacy, custom and datasource variable runners, picked in that order, each
 * giving the target and how to run it. `metricFindQuery` answers become the series.
 */
async function runVariableQuery(ds: DataSourceApi, variable: ContractVariable, request: DataQueryRequest): Promise<RunResult> {
  const support = variableSupport(ds);
  const query = variable.model.query as DataQuery | string | undefined;
  const asDataQuery = (): DataQuery =>
    typeof query === 'object' && query !== null
      ? { ...query, refId: query.refId ?? `variable-${variable.name}` }
      : ({ query: query ?? '', refId: `variable-${variable.name}` } as DataQuery);
  const queryFn = (s: VariableSupport) =>
    typeof s.query === 'function' ? (s.query as QueryFunction).bind(s) : undefined;

  if (support?.getType() === VariableSupportType.Standard && typeof support.toDataQuery === 'function') {
    request.targets = [(support.toDataQuery as (q: DataQuery) => DataQuery)(asDataQuery())];
    return runRequest(ds, request, queryFn(support));
  }
  if (!support && typeof ds.metricFindQuery === 'function') {
    request.targets = [query as unknown as DataQuery];
    // The variable's type too, as scenes passes it (the SQL datasources read it).
    const options = { ...request, variable: { name: variable.name, type: variable.type } };
    const values = await ds.metricFindQuery(query, options);
    return {
      state: LoadingState.Done,
      series: (values ?? []) as unknown as DataFrame[],
      timeRange: request.range,
    };
  }
  if (support?.getType() === VariableSupportType.Custom && support.query && support.editor) {
    request.targets = [query as unknown as DataQuery];
    return runRequest(ds, request, queryFn(support));
  }
  if (support?.getType() === VariableSupportType.Datasource) {
    request.targets = [typeof query === 'string' ? (query as unknown as DataQuery) : asDataQuery()];
    return runRequest(ds, request);
  }
  throw new Error(`Couldn't create a query runner for datasource ${ds.type}`);
}

function areMetricFindValues(data: unknown[]): data is MetricFindValue[] {
  if (!data.length) {
    return true;
  }
  const first = data[0];
  if (isDataFrame(first) || typeof first !== 'object' || first === null) {
    return false;
  }
  return Object.entries(first).some(
    ([key, v]) => (v === null || typeof v === 'string' || typeof v === 'number') && ['text', 'value'].includes(key.toLowerCase())
  );
}

/**
 * @grafana/scenes variables/variants/query/toMetricFindValues.ts: the first string field
 * is the fallback; fields named `text` and `value` (string) win.
 */
export function toMetricFindValues(frames: DataFrame[] | MetricFindValue[]): MetricFindValue[] {
  if (!frames.length) {
    return [];
  }
  if (areMetricFindValues(frames)) {
    return frames;
  }
  const dataFrames = frames as DataFrame[];
  if (dataFrames[0].fields.length === 0) {
    return [];
  }
  let valueIndex = -1;
  let textIndex = -1;
  let stringIndex = -1;
  for (const frame of getProcessedDataFrames(dataFrames)) {
    frame.fields.forEach((field, index) => {
      const name = getFieldDisplayName(field, frame, dataFrames).toLowerCase();
      if (field.type === FieldType.string && stringIndex === -1) {
        stringIndex = index;
      }
      if (name === 'text' && field.type === FieldType.string && textIndex === -1) {
        textIndex = index;
      }
      if (name === 'value' && field.type === FieldType.string && valueIndex === -1) {
        valueIndex = index;
      }
    });
  }
  if (stringIndex === -1) {
    throw new Error("Couldn't find any field of type string in the results.");
  }
  const metrics: MetricFindValue[] = [];
  for (const frame of dataFrames) {
    for (let i = 0; i < frame.length; i++) {
      const string = frame.fields[stringIndex].values[i];
      const text = textIndex !== -1 ? frame.fields[textIndex].values[i] : null;
      const value = valueIndex !== -1 ? frame.fields[valueIndex].values[i] : null;
      if (valueIndex === -1 && textIndex === -1) {
        metrics.push({ text: string, value: string });
      } else if (valueIndex === -1) {
        metrics.push({ text, value: text });
      } else if (textIndex === -1) {
        metrics.push({ text: value, value });
      } else {
        metrics.push({ text, value });
      }
    }
  }
  return metrics;
}

/**
 * @grafana/scenes variables/variants/query/utils.ts `metricNamesToVariableValues`: the
 * regex (with its `text` / `value` groups), duplicates by value dropped, then the sort
 * (1/2 alphabetical, 3/4 numerical, 5/6 case-insensitive, 7/8 natural; odd ascending).
 */
export function metricNamesToVariableValues(regex: string, sort: number, values: MetricFindValue[]): VariableOption[] {
  const re = regex ? stringToJsRegex(regex) : undefined;
  let options: VariableOption[] = [];
  for (const item of values) {
    let text = String(item.text ?? item.value ?? '');
    let value = String(item.value ?? item.text ?? '');
    if (re) {
      re.lastIndex = 0;
      const match = re.exec(value);
      if (!match) {
        continue;
      }
      if (match.groups?.value || match.groups?.text) {
        value = match.groups.value ?? match.groups.text;
        text = match.groups.text ?? match.groups.value;
      } else if (match.length > 1) {
        text = match[1];
        value = match[1];
      }
    }
    options.push({ text, value });
  }
  options = options.filter((o, i) => options.findIndex((x) => x.value === o.value) === i);
  const numeric = (o: VariableOption) => {
    const m = o.text.match(/.*?(\d+).*/);
    return m ? parseInt(m[1], 10) : -1;
  };
  const collator = new Intl.Collator(undefined, { sensitivity: 'accent', numeric: true });
  const by = <T>(key: (o: VariableOption) => T) =>
    [...options].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let sorted = options;
  switch (sort) {
    case 1:
    case 2:
      sorted = by((o) => o.text);
      break;
    case 3:
    case 4:
      sorted = by(numeric);
      break;
    case 5:
    case 6:
      sorted = by((o) => o.text.toLowerCase());
      break;
    case 7:
    case 8:
      sorted = [...options].sort((a, b) => collator.compare(a.text, b.text));
      break;
    default:
      return options;
  }
  return sort % 2 === 0 ? sorted.reverse() : sorted;
}

/** @grafana/scenes variables/variants/CustomOptionsProviders.ts `CsvOptionsProvider`. */
function csvOptions(csv: string): VariableOption[] {
  return (csv.match(/(?:\\,|[^,])+/g) ?? []).map((raw) => {
    const item = raw.replace(/\\,/g, ',');
    const keyValue = /^\s*(.+)\s:\s(.+)$/g.exec(item);
    return keyValue ? { text: keyValue[1].trim(), value: keyValue[2].trim() } : { text: item.trim(), value: item.trim() };
  });
}

/**
 * @grafana/scenes variables/variants/MultiValueVariable.ts `getStateUpdateGivenNewOptions`:
 * keep the current value when it is among the options (by value, else by text), else the
 * first option (or All when the variable defaults to it); multi-value keeps the valid
 * subset.
 */
export function validateCurrent(variable: ContractVariable, options: VariableOption[]): ContractVariable['current'] {
  const { value, text } = variable.current;
  if (options.length === 0) {
    if (variable.includeAll) {
      return { value: ALL_VARIABLE_VALUE, text: ALL_VARIABLE_TEXT };
    }
    return variable.multi ? { value: [], text: [] } : { value: '', text: '' };
  }
  const all = value === ALL_VARIABLE_VALUE || (Array.isArray(value) && value[0] === ALL_VARIABLE_VALUE);
  if (all) {
    if (variable.includeAll) {
      return { value, text: ALL_VARIABLE_TEXT };
    }
    const first = options[0];
    return variable.multi ? { value: [first.value], text: [first.text] } : { value: first.value, text: first.text };
  }
  if (variable.multi) {
    const values = (Array.isArray(value) ? value : [value]).filter((v) => options.some((o) => o.value === v));
    if (values.length === 0) {
      return { value: [options[0].value], text: [options[0].text] };
    }
    return { value: values, text: values.map((v) => options.find((o) => o.value === v)!.text) };
  }
  const match = options.find((o) => o.value === value) ?? options.find((o) => o.text === text);
  return match ? { value: match.value, text: match.text } : { value: options[0].value, text: options[0].text };
}

/**
 * A variable's options: `custom` from its CSV, `constant` / `textbox` from its query, and
 * `query` through the datasource (@grafana/scenes QueryVariable.getValueOptions: a
 * request over the default time range unless refresh is on time range change, no
 * interval, then toMetricFindValues and metricNamesToVariableValues).
 */
export async function variableOptions(
  variable: ContractVariable,
  ds: DataSourceApi | undefined,
  templateSrv: ContractTemplateSrv,
  range: TimeRange
): Promise<VariableOption[]> {
  const query = variable.model.query;
  switch (variable.type) {
    case 'custom':
      return csvOptions(templateSrv.replace(String(query ?? '')));
    case 'constant':
    case 'textbox': {
      const v = String(query ?? '');
      return [{ text: v, value: v }];
    }
    case 'query':
      break;
    default:
      throw new Error(`variables of type ${variable.type} are not part of this contract`);
  }
  if (!ds) {
    throw new Error(`variable ${variable.name}: no datasource`);
  }
  const request: DataQueryRequest = {
    app: CoreApp.Dashboard,
    requestId: nextRequestId('variable-'),
    timezone: '',
    range: variable.model.refresh === 2 ? range : getDefaultTimeRange(),
    interval: '',
    intervalMs: 0,
    targets: [],
    scopedVars: {},
    startTime: Date.now(),
  };
  const data = await runVariableQuery(ds, variable, request);
  if (data.state === LoadingState.Error) {
    throw new Error(data.errors?.[0]?.message ?? 'the variable query failed');
  }
  const regex = variable.model.regex ? templateSrv.replace(String(variable.model.regex), undefined, 'regex') : '';
  return metricNamesToVariableValues(regex, Number(variable.model.sort ?? 0), toMetricFindValues(data.series));
}

// ---------------------------------------------------------------------------------
// Panels and annotations
// ---------------------------------------------------------------------------------

/**
 * @grafana/scenes querying/SceneQueryRunner.ts `prepareRequests`: every target carries the
 * datasource, the interval follows the time range and the data points (the panel's width
 * in pixels), `__interval` / `__interval_ms` are scoped variables.
 */
export function panelRequest(
  ds: DataSourceApi,
  targets: DataQuery[],
  range: TimeRange,
  maxDataPoints: number,
  context: { dashboardUID: string; panelId: number; panelName: string; panelPluginId: string }
): DataQueryRequest {
  const norm = rangeUtil.calculateInterval(range, maxDataPoints, ds.interval ?? undefined);
  const scopedVars: ScopedVars = {
    __interval: { text: norm.interval, value: norm.interval },
    __interval_ms: { text: norm.intervalMs.toString(), value: norm.intervalMs },
  };
  return {
    app: CoreApp.Dashboard,
    requestId: nextRequestId('SQR'),
    timezone: 'browser',
    range,
    rangeRaw: range.raw,
    interval: norm.interval,
    intervalMs: norm.intervalMs,
    maxDataPoints,
    targets: structuredClone(targets).map((t) => ({ ...t, datasource: t.datasource ?? ds.getRef() })),
    scopedVars,
    startTime: Date.now(),
    ...context,
  };
}

/** One annotation as Grafana shows it. */
export interface AnnotationEventLike {
  time?: number;
  timeEnd?: number;
  title?: string;
  text?: string;
  tags?: string[];
}

/**
 * public/app/features/annotations/standardAnnotationSupport.ts `getAnnotationsFromData`:
 * `time` (or the first time field) and `text` (or the first string field) are required;
 * `timeEnd`, `title` and `tags` (split on commas) are read when present. Frames are
 * read one after the other instead of being joined by time first.
 */
export function annotationsFromFrames(frames: DataFrame[]): AnnotationEventLike[] {
  const events: AnnotationEventLike[] = [];
  for (const frame of frames) {
    const byName = new Map(frame.fields.map((f) => [getFieldDisplayName(f, frame).toLowerCase(), f]));
    const time = byName.get('time') ?? frame.fields.find((f) => f.type === FieldType.time);
    const text = byName.get('text') ?? frame.fields.find((f) => f.type === FieldType.string);
    if (!time || !text) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      const tags = byName.get('tags')?.values[i];
      events.push({
        time: time.values[i],
        timeEnd: byName.get('timeend')?.values[i],
        title: byName.get('title')?.values[i],
        text: text.values[i],
        tags: typeof tags === 'string' ? tags.split(',') : tags,
      });
    }
  }
  return events;
}

/**
 * @grafana/scenes querying/layers/annotations/standardAnnotationQuery.ts
 * `executeAnnotationQuery`: the datasource's annotation support over the standard one
 * (default query, prepareAnnotation, prepareQuery), one `Anno` target over the
 * dashboard's range with one data point per pixel, frames from the series or else the
 * annotations topic, then processEvents.
 */
export async function runAnnotation(
  ds: DataSourceApi,
  annotation: Record<string, unknown>,
  range: TimeRange,
  width: number
): Promise<{ result: RunResult; events: AnnotationEventLike[] }> {
  const support = ds.annotations ?? {};
  const withDefaults = { ...support.getDefaultQuery?.(), ...annotation };
  const prepared = support.prepareAnnotation ? support.prepareAnnotation(withDefaults as never) : withDefaults;
  const prepareQuery = support.prepareQuery ?? ((anno: { target?: DataQuery }) => anno.target);
  const query = prepared ? prepareQuery(prepared as never) : undefined;
  const empty: RunResult = { state: LoadingState.Done, series: [], timeRange: range };
  if (!query) {
    return { result: empty, events: [] };
  }
  const interval = rangeUtil.calculateInterval(range, width, ds.interval ?? undefined);
  const request: DataQueryRequest = {
    startTime: Date.now(),
    requestId: nextRequestId('AQ'),
    range,
    maxDataPoints: width,
    scopedVars: {
      __interval: { text: interval.interval, value: interval.interval },
      __interval_ms: { text: interval.intervalMs.toString(), value: interval.intervalMs },
      __annotation: { text: String(annotation.name ?? ''), value: prepared },
    },
    ...interval,
    app: CoreApp.Dashboard,
    timezone: 'browser',
    targets: [{ ...query, refId: 'Anno' }],
  };
  const result = await runRequest(ds, request);
  const frames = result.series.length ? result.series : (result.annotations ?? []);
  if (support.processEvents) {
    const events = await lastValueFrom(support.processEvents(prepared as never, frames), { defaultValue: undefined });
    return { result, events: (events ?? []) as AnnotationEventLike[] };
  }
  return { result, events: annotationsFromFrames(frames) };
}
