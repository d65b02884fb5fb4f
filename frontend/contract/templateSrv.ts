// A small TemplateSrv that interpolates the way a Grafana dashboard does, for running the
// datasource's real code outside Grafana. It follows @grafana/scenes (what dashboards run
// on since Grafana 11):
//   variables/interpolation/sceneInterpolator.ts  $var, ${var}, ${var:fmt}, [[var]], scopedVars first
//   variables/interpolation/formatRegistry.ts      the formats (glob by default, csv, pipe, ...)
//   variables/variants/MultiValueVariable.ts       getValue / getValueText, All and customAllValue
//   variables/constants.ts                         VARIABLE_REGEX, $__all
// and Grafana's public/app/features/templating/template_srv.ts for containsTemplate and
// the __from / __to built-ins.
import { escapeRegex, type ScopedVar, type ScopedVars, type TimeRange, type TypedVariableModel } from '@grafana/data';
import type { TemplateSrv, VariableInterpolation } from '@grafana/runtime';

export const ALL_VARIABLE_VALUE = '$__all';
export const ALL_VARIABLE_TEXT = 'All';

const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?}/g;

export interface VariableOption {
  text: string;
  value: string;
}

/** A dashboard variable as the contract run holds it (the dashboard JSON's model). */
export interface ContractVariable {
  name: string;
  type: string;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  options: VariableOption[];
  current: { text: string | string[]; value: string | string[] };
  /** The rest of the variable's JSON (query, datasource, sort, regex, ...). */
  model: Record<string, unknown>;
}

type Value = string | number | boolean | string[] | undefined | null;

/** A value that formats itself (MultiValueVariable.ts CustomAllValue). */
class CustomAllValue {
  constructor(private readonly value: string) {}
  format(fmt: string | undefined): string {
    return fmt === 'text' ? ALL_VARIABLE_TEXT : this.value;
  }
}

function isAll(value: string | string[]): boolean {
  return value === ALL_VARIABLE_VALUE || (Array.isArray(value) && value[0] === ALL_VARIABLE_VALUE);
}

function variableValue(v: ContractVariable): Value | CustomAllValue {
  if (isAll(v.current.value)) {
    return v.allValue ? new CustomAllValue(v.allValue) : v.options.map((o) => o.value);
  }
  return v.current.value;
}

function variableText(v: ContractVariable): string {
  if (isAll(v.current.value)) {
    return ALL_VARIABLE_TEXT;
  }
  return Array.isArray(v.current.text) ? v.current.text.join(' + ') : String(v.current.text);
}

function quote(values: string[] | string, q: string, escaped: string): string {
  const one = (s: string) => `${q}${s.split(q).join(escaped)}${q}`;
  return Array.isArray(values) ? values.map(one).join(',') : one(values);
}

/** formatRegistry.ts, the formats a datasource query is likely to name. */
function formatValue(value: Value, format: string, text: () => string, name: string): string {
  const [id, ...args] = format.split(':');
  const list = Array.isArray(value) ? value.map(String) : undefined;
  const single = String(value);
  switch (id) {
    case 'raw':
      return single;
    case 'csv':
      return list ? list.join(',') : single;
    case 'join':
      return list ? list.join(args[0] ?? ',') : single;
    case 'pipe':
      return list ? list.join('|') : single;
    case 'distributed':
      return list ? list.map((v, i) => (i === 0 ? v : `${name}=${v}`)).join(',') : single;
    case 'regex':
      if (list) {
        const escaped = list.map((v) => escapeRegex(v));
        return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
      }
      return escapeRegex(single);
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'singlequote':
      return quote(list ?? single, "'", "\\'");
    case 'doublequote':
      return quote(list ?? single, '"', '\\"');
    case 'sqlstring':
      return quote(list ?? single, "'", "''");
    case 'text':
      return text();
    case 'queryparam':
      return (list ?? [single]).map((v) => `var-${name}=${encodeURIComponent(v)}`).join('&');
    case 'percentencode':
      return encodeURIComponent(list && list.length > 1 ? `{${list.join(',')}}` : single);
    case 'glob':
      return list && list.length > 1 ? `{${list.join(',')}}` : single;
    default:
      // Scenes logs the unknown format and falls back to glob.
      return formatValue(value, 'glob', text, name);
  }
}

export class ContractTemplateSrv implements TemplateSrv {
  variables: ContractVariable[] = [];
  private range?: TimeRange;

  getVariables(): TypedVariableModel[] {
    return this.variables.map(
      (v) =>
        ({
          ...v.model,
          name: v.name,
          type: v.type,
          multi: v.multi,
          includeAll: v.includeAll,
          options: v.options.map((o) => ({ ...o, selected: false })),
          current: v.current,
        }) as unknown as TypedVariableModel
    );
  }

  updateTimeRange(timeRange: TimeRange): void {
    this.range = timeRange;
  }

  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    VARIABLE_REGEX.lastIndex = 0;
    const match = VARIABLE_REGEX.exec(target);
    const name = match && (match[1] || match[2] || match[4]);
    return Boolean(name && this.variables.some((v) => v.name === name));
  }

  replace(
    target?: string,
    scopedVars?: ScopedVars,
    format?: string | Function,
    interpolations?: VariableInterpolation[]
  ): string {
    if (!target || typeof target !== 'string') {
      return target ?? '';
    }
    VARIABLE_REGEX.lastIndex = 0;
    return target.replace(VARIABLE_REGEX, (match, var1, var2, fmt2, var3, fieldPath, fmt3) => {
      const variableName: string = var1 || var2 || var3;
      const fmt: string | Function | undefined = fmt2 || fmt3 || format;
      const found = this.lookup(variableName, scopedVars);
      if (!found) {
        interpolations?.push({ match, variableName, fieldPath, format: asFormat(fmt), value: match, found: false });
        return match;
      }
      const { value, text } = found;
      let out: string;
      if (value === null || value === undefined) {
        out = '';
      } else if (value instanceof CustomAllValue) {
        out = value.format(typeof fmt === 'string' ? fmt : undefined);
      } else if (typeof fmt === 'function') {
        const variable = this.variables.find((v) => v.name === variableName);
        out = String(fmt(value, { name: variableName, type: variable?.type, multi: variable?.multi, includeAll: variable?.includeAll }));
      } else {
        out = formatValue(value, fmt ?? 'glob', text, variableName);
      }
      interpolations?.push({ match, variableName, fieldPath, format: asFormat(fmt), value: out, found: out !== match });
      return out;
    });
  }

  private lookup(name: string, scopedVars?: ScopedVars): { value: Value | CustomAllValue; text: () => string } | undefined {
    if (scopedVars && Object.prototype.hasOwnProperty.call(scopedVars, name)) {
      const scoped: ScopedVar | undefined = scopedVars[name];
      if (scoped) {
        return { value: scoped.value as Value, text: () => String(scoped.text) };
      }
    }
    const variable = this.variables.find((v) => v.name === name);
    if (variable) {
      return { value: variableValue(variable), text: () => variableText(variable) };
    }
    if (this.range && (name === '__from' || name === '__to')) {
      const ms = (name === '__from' ? this.range.from : this.range.to).valueOf();
      return { value: String(ms), text: () => String(ms) };
    }
    return undefined;
  }
}

function asFormat(fmt: string | Function | undefined): string | undefined {
  return typeof fmt === 'string' ? fmt : undefined;
}
