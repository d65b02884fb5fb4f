// Wiring of the Canary Lens rollout panel and its options.
import { PanelPlugin } from '@grafana/data';

import { CanaryPanel } from './CanaryPanel';
import { type CanaryPanelOptions, DEFAULT_OPTIONS, SECTIONS } from './types';

export const plugin = new PanelPlugin<CanaryPanelOptions>(CanaryPanel).setPanelOptions((builder) => {
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
  return builder;
});
