// What Grafana does around a panel before it renders, for the unit and browser tests:
// the field config applied to the frames, and a variable interpolator that knows the data
// link macros. Both follow Grafana's own code, named at each function.
import {
  applyFieldOverrides,
  type DataFrame,
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  type FieldConfigPropertyItem,
  type FieldConfigSource,
  FieldColorModeId,
  formattedValueToString,
  type GrafanaTheme2,
  identityOverrideProcessor,
  type InterpolateFunction,
  numberOverrideProcessor,
  type PanelData,
  type ScopedVars,
  standardFieldConfigEditorRegistry,
  thresholdsOverrideProcessor,
  ThresholdsMode,
  type TimeRange,
  valueMappingsOverrideProcessor,
} from '@grafana/data';

import { plugin } from '../src/panel/module';

/**
 * Grafana fills the standard field config registry at boot (public/app/app.ts:
 * standardFieldConfigEditorRegistry.setInit(getAllStandardFieldConfigs)); a panel's
 * useFieldConfig() copies from it. The same items here, with Grafana's ids, paths,
 * processors and defaults (public/app/features/dashboard/.../OptionsUI/registry.tsx), and
 * no editors, as Grafana's own tests do (public/test/helpers/fieldConfig.ts).
 */
function standardItem(id: string, process: FieldConfigPropertyItem['process'], defaultValue?: unknown): FieldConfigPropertyItem {
  return {
    id,
    path: id,
    name: id,
    category: ['Standard options'],
    process,
    defaultValue,
    shouldApply: () => true,
    editor: () => null,
    override: () => null,
  } as unknown as FieldConfigPropertyItem;
}

standardFieldConfigEditorRegistry.setInit(() => [
  standardItem('displayName', displayNameOverrideProcessor),
  standardItem('unit', identityOverrideProcessor),
  standardItem('min', numberOverrideProcessor),
  standardItem('max', numberOverrideProcessor),
  standardItem('decimals', numberOverrideProcessor),
  standardItem('noValue', identityOverrideProcessor),
  standardItem('mappings', valueMappingsOverrideProcessor),
  standardItem('thresholds', thresholdsOverrideProcessor, {
    mode: ThresholdsMode.Absolute,
    steps: [
      { value: -Infinity, color: 'green' },
      { value: 80, color: 'red' },
    ],
  }),
  standardItem('color', identityOverrideProcessor, { mode: FieldColorModeId.Thresholds }),
  standardItem('links', dataLinksOverrideProcessor),
]);

/**
 * The panel's frames after Grafana applied its field config: defaults and overrides from
 * the plugin's registry, `field.display` and `field.getLinks` set. As the dashboard's
 * VizPanel.applyFieldConfig does (grafana/scenes packages/scenes/src/components/VizPanel/VizPanel.tsx).
 */
export function withFieldConfig(
  data: PanelData,
  fieldConfig: FieldConfigSource,
  replaceVariables: InterpolateFunction,
  theme: GrafanaTheme2
): PanelData {
  return {
    ...data,
    series: applyFieldOverrides({
      data: data.series,
      fieldConfig,
      fieldConfigRegistry: plugin.fieldConfigRegistry,
      replaceVariables,
      theme,
      timeZone: data.request?.timezone,
    }),
  };
}

/** A raw value, or a whole field's display text, of the data context's row. */
function dataValue(scoped: ScopedVars | undefined, path: string): string | undefined {
  const ctx = scoped?.__dataContext?.value as
    | { frame?: DataFrame; field?: DataFrame['fields'][number]; rowIndex?: number }
    | undefined;
  if (!ctx?.frame || ctx.rowIndex === undefined) {
    return undefined;
  }
  const row = ctx.rowIndex;
  // ${__value.raw|text}: valueMacro (public/app/features/templating/dataMacros.ts).
  if (path === '__value.raw' || path === '__value.text' || path === '__value') {
    const v = ctx.field?.values[row];
    if (path === '__value.raw') {
      return v === null || v === undefined ? '' : String(v);
    }
    return ctx.field?.display ? formattedValueToString(ctx.field.display(v)) : String(v ?? '');
  }
  // ${__data.fields.name}: the display text of that field at the row (getFieldDisplayValuesProxy).
  const m = /^__data\.fields(?:\.(\w+)|\["([^"]+)"\])$/.exec(path);
  if (m) {
    const f = ctx.frame.fields.find((x) => x.name === (m[1] ?? m[2]));
    if (!f) {
      return undefined;
    }
    const v = f.values[row];
    return f.display ? formattedValueToString(f.display(v)) : String(v ?? '');
  }
  return undefined;
}

/**
 * A replaceVariables for tests: dashboard variables, scoped variables (which win, as in
 * Grafana's templateSrv), the data macros, and the time range macros ${__from}, ${__to},
 * ${__url_time_range} (scenes' UrlTimeRangeMacro skips the format, so a URL keeps its `&`).
 */
export function interpolator(timeRange: TimeRange, variables: Record<string, string> = {}): InterpolateFunction {
  const urlRange = `from=${encodeURIComponent(String(timeRange.raw.from))}&to=${encodeURIComponent(String(timeRange.raw.to))}`;
  return (value: string, scoped?: ScopedVars, format?: unknown) => {
    if (typeof value !== 'string') {
      return value;
    }
    const encode = format === 'uriencode' ? encodeURIComponent : (s: string) => s;
    return value.replace(/\$\{([^}:]+)(?::[^}]*)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
      const name = (braced ?? bare ?? '').trim();
      if (name === '__url_time_range') {
        return urlRange;
      }
      if (name === '__from') {
        return String(timeRange.from.valueOf());
      }
      if (name === '__to') {
        return String(timeRange.to.valueOf());
      }
      const fromData = dataValue(scoped, name);
      if (fromData !== undefined) {
        return encode(fromData);
      }
      const scopedValue = scoped?.[name]?.value;
      if (scopedValue !== undefined && name !== '__dataContext') {
        return encode(String(scopedValue));
      }
      if (name in variables) {
        return encode(variables[name]);
      }
      return whole;
    });
  };
}
