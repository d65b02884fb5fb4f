// Numbers and links the way Grafana's own panels make them: a field's display processor
// (unit, decimals, mappings, thresholds and the user's overrides) and its data links
// (getLinksSupplier), with internal links opening at the panel's time range.
import {
  type DataFrame,
  type DataLink,
  type DataLinkPostProcessor,
  type Field,
  FieldType,
  formattedValueToString,
  getDisplayProcessor,
  getLinksSupplier,
  type GrafanaTheme2,
  type InterpolateFunction,
  type LinkModel,
  type TimeRange,
} from '@grafana/data';

/** A number as the panel shows it. */
export interface Shown {
  text: string;
  /** Set when the field's thresholds, colour or value mappings say so. */
  color?: string;
}

/** What formatting and links need from the panel. */
export interface DisplayContext {
  theme: GrafanaTheme2;
  timeZone?: string;
  timeRange?: TimeRange;
  replaceVariables: InterpolateFunction;
  /** The host's post processor (Grafana's DataLinksContext); Grafana's default when absent. */
  dataLinkPostProcessor?: DataLinkPostProcessor;
}

/** Whether a field's config says how to format it: a unit, decimals or value mappings. */
function hasFormat(field: Field): boolean {
  const c = field.config ?? {};
  return Boolean(c.unit) || c.decimals !== undefined && c.decimals !== null || (c.mappings?.length ?? 0) > 0;
}

/**
 * Whether the field's colour is the user's: thresholds beyond the base step, a colour mode
 * other than thresholds, or value mappings (with a single base step the panel keeps its own
 * colours, as the stat panel does with "Color mode: None").
 */
function hasColor(field: Field): boolean {
  const c = field.config ?? {};
  const mode = c.color?.mode;
  return (c.thresholds?.steps?.length ?? 0) > 1 || (mode !== undefined && mode !== 'thresholds') || (c.mappings?.length ?? 0) > 0;
}

/**
 * A value of `field` as Grafana would show it, or undefined when the field carries no
 * format (then the panel's own per-metric format applies). Uses `field.display`, which
 * Grafana sets when it applies the field config (applyFieldOverrides), and builds the same
 * processor otherwise, as getFieldDisplayValues does (packages/grafana-data/src/field/fieldDisplay.ts).
 */
export function shownValue(field: Field | undefined, value: unknown, theme: GrafanaTheme2): Shown | undefined {
  if (!field || value === null || value === undefined || (!hasFormat(field) && !hasColor(field))) {
    return undefined;
  }
  const display = field.display ?? getDisplayProcessor({ field, theme });
  const shown = display(value);
  return {
    text: hasFormat(field) ? formattedValueToString(shown) : '',
    color: hasColor(field) ? shown.color : undefined,
  };
}

/** The text of a shown value, or the panel's own format of the value. */
export function textOr(shown: Shown | undefined, fallback: string): string {
  return shown && shown.text !== '' ? shown.text : fallback;
}

/**
 * An internal link opens Explore at the panel's time range unless the link names its own.
 * Grafana's default post processor passes `link.internal.range` to mapInternalLinkToExplore
 * (packages/grafana-data/src/field/fieldOverrides.ts), which dashboards leave unset, so
 * Explore would open at its default hour; Explore's own panels pass their range the same
 * way (public/app/features/explore/utils/links.ts, exploreDataLinkPostProcessorFactory).
 */
export function withRange(link: DataLink, timeRange: TimeRange | undefined): DataLink {
  if (!link.internal || link.internal.range || !timeRange) {
    return link;
  }
  return { ...link, internal: { ...link.internal, range: timeRange } };
}

/** The links of one value (row) of a field, through Grafana's getLinksSupplier. */
export function fieldLinks(frame: DataFrame, field: Field, row: number, ctx: DisplayContext): Array<LinkModel<Field>> {
  const links = field.config?.links ?? [];
  if (links.length === 0) {
    return [];
  }
  const ranged: Field = { ...field, config: { ...field.config, links: links.map((l) => withRange(l, ctx.timeRange)) } };
  const scopedVars = field.state?.scopedVars ?? {};
  const supplier = getLinksSupplier(frame, ranged, scopedVars, ctx.replaceVariables, ctx.timeZone, ctx.dataLinkPostProcessor);
  return supplier({ valueRowIndex: row });
}

/** Links of one DataLink not carried by any frame field (e.g. the whole TraceQL search). */
export function linkModels(link: DataLink, value: string, ctx: DisplayContext): Array<LinkModel<Field>> {
  const frame: DataFrame = {
    length: 1,
    fields: [{ name: 'query', type: FieldType.string, config: { links: [link] }, values: [value] }],
  };
  return fieldLinks(frame, frame.fields[0], 0, ctx);
}
