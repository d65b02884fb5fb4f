// Wiring of the Canary Lens rollout panel, its options and Grafana's standard field config.
import { FieldConfigProperty, PanelPlugin, type SelectableValue, ThresholdsMode } from '@grafana/data';

import { CanaryPanel } from './CanaryPanel';
import { type CanaryPanelOptions, DEFAULT_OPTIONS, SECTIONS, SORT_OPTIONS, STATUS_OPTIONS } from './types';

const LIST = ['Rollout list'];
const DRILLDOWN = ['Rollout list', 'Drill-down'];

export const plugin = new PanelPlugin<CanaryPanelOptions>(CanaryPanel)
  // Standard options (unit, decimals, min/max, thresholds, colour, value mappings, data links,
  // no value) and overrides, applied by Grafana to every field before the panel renders; the
  // frames' own units (percent, percentunit, s, ms, reqps) stay unless the user overrides them.
  // One base threshold in the text colour: numbers keep the panel's colours until the user
  // adds thresholds (the default green/red at 80 would paint a weight of 80% red).
  .useFieldConfig({
    standardOptions: {
      [FieldConfigProperty.Thresholds]: {
        defaultValue: { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'text' }] },
      },
    },
  })
  .setPanelOptions((builder) => {
    builder.addBooleanSwitch({
      path: 'compact',
      name: 'Compact',
      description: 'Compact cards even for a single rollout (several rollouts are always compact)',
      defaultValue: DEFAULT_OPTIONS.compact,
    });
    for (const section of SECTIONS) {
      builder.addBooleanSwitch({
        path: section.key,
        name: section.name,
        description: section.description,
        category: ['Sections'],
        defaultValue: DEFAULT_OPTIONS[section.key],
      });
    }
    builder
      .addSelect({
        path: 'sortBy',
        name: 'Sort by',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.sortBy,
        settings: { options: SORT_OPTIONS },
      })
      .addBooleanSwitch({
        path: 'sortDesc',
        name: 'Reverse order',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.sortDesc,
      })
      .addTextInput({
        path: 'filterText',
        name: 'Filter',
        description: 'Only rollouts whose namespace/name contains this text (template variables allowed)',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.filterText,
      })
      .addMultiSelect({
        path: 'filterStatus',
        name: 'Statuses',
        description: 'Only rollouts in these statuses (none chosen: all)',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.filterStatus,
        // addMultiSelect types its options by the whole value (string[]), not by one item.
        settings: { options: STATUS_OPTIONS.map((s) => ({ value: s, label: s })) as unknown as Array<SelectableValue<string[]>> },
      })
      .addNumberInput({
        path: 'limit',
        name: 'Limit',
        description: 'At most this many rollouts, after sorting (0: all)',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.limit,
        settings: { min: 0, integer: true },
      })
      .addRadio({
        path: 'listMode',
        name: 'Show as',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.listMode,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'cards', label: 'Cards' },
            { value: 'table', label: 'Table' },
          ],
        },
      })
      .addNumberInput({
        path: 'tableAbove',
        name: 'Table above',
        description: 'In auto mode, more rollouts than this are shown as a table',
        category: LIST,
        defaultValue: DEFAULT_OPTIONS.tableAbove,
        settings: { min: 1, integer: true },
        showIf: (o) => o.listMode === 'auto',
      })
      .addTextInput({
        path: 'drilldownUrl',
        name: 'Drill-down URL',
        description:
          'Where a rollout of the list leads, e.g. /d/<uid>/rollout?var-namespace=${namespace}&var-rollout=${rollout}&${__url_time_range}. ' +
          'Empty: this dashboard, with the variables below set.',
        category: DRILLDOWN,
        defaultValue: DEFAULT_OPTIONS.drilldownUrl,
      })
      .addTextInput({
        path: 'namespaceVariable',
        name: 'Namespace variable',
        category: DRILLDOWN,
        defaultValue: DEFAULT_OPTIONS.namespaceVariable,
        showIf: (o) => !o.drilldownUrl,
      })
      .addTextInput({
        path: 'rolloutVariable',
        name: 'Rollout variable',
        category: DRILLDOWN,
        defaultValue: DEFAULT_OPTIONS.rolloutVariable,
        showIf: (o) => !o.drilldownUrl,
      });
    return builder;
  });
