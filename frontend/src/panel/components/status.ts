// Argo's status icons and colours.
import type { GrafanaTheme2 } from '@grafana/data';

import type { StatusKind } from '../viewModel';

export const STATUS_ICON: Record<StatusKind, string> = {
  Healthy: '✔',
  Progressing: '◌',
  Paused: '॥',
  Degraded: '✖',
  Unknown: '?',
};

export function statusColor(theme: GrafanaTheme2, status: StatusKind): string {
  switch (status) {
    case 'Healthy':
      return theme.visualization.getColorByName('green');
    case 'Progressing':
      return theme.visualization.getColorByName('blue');
    case 'Paused':
      return theme.visualization.getColorByName('orange');
    case 'Degraded':
      return theme.visualization.getColorByName('red');
    default:
      return theme.colors.text.secondary;
  }
}

/** Colours of the two revisions in charts and bars. */
export function roleColor(theme: GrafanaTheme2, role: string): string {
  return role === 'canary' || role === 'preview'
    ? theme.visualization.getColorByName('orange')
    : theme.visualization.getColorByName('blue');
}

export function verdictColor(theme: GrafanaTheme2, outcome: string): string {
  switch (outcome.toLowerCase()) {
    case 'pass':
      return theme.visualization.getColorByName('green');
    case 'marginal':
      return theme.visualization.getColorByName('orange');
    case 'fail':
      return theme.visualization.getColorByName('red');
    default:
      return theme.colors.text.secondary;
  }
}
