// Options of the Canary Lens rollout panel.

/** How a list of rollouts is ordered. */
export type SortBy = 'severity' | 'name' | 'namespace' | 'progress' | 'updated';

/** How a list of rollouts is shown: cards up to `tableAbove` rollouts, then a table (auto). */
export type ListMode = 'auto' | 'cards' | 'table';

export interface CanaryPanelOptions {
  showTimeline: boolean;
  showWeights: boolean;
  showRevisions: boolean;
  showAnalysis: boolean;
  showMetrics: boolean;
  showVerdict: boolean;
  showTraces: boolean;
  /** Compact cards even for a single rollout. */
  compact: boolean;
  /** Order of a list of rollouts. */
  sortBy: SortBy;
  /** Reverse the order (severity: healthy first; names: Z to A; progress: furthest first; updated: oldest first). */
  sortDesc: boolean;
  /** Only rollouts whose namespace/name contains this text (template variables allowed). */
  filterText: string;
  /** Only rollouts in these statuses (none chosen: all). */
  filterStatus: string[];
  /** At most this many rollouts (0: all). */
  limit: number;
  listMode: ListMode;
  /** In auto mode, more rollouts than this are shown as a table. */
  tableAbove: number;
  /**
   * Where a rollout of a list leads. Empty: this dashboard with its namespace and rollout
   * variables set. Otherwise a URL (a drill-down dashboard), interpolated with
   * ${namespace}, ${rollout} and Grafana's variables such as ${__url_time_range}.
   */
  drilldownUrl: string;
  /** The dashboard variables a drill-down sets. */
  namespaceVariable: string;
  rolloutVariable: string;
}

export const DEFAULT_OPTIONS: CanaryPanelOptions = {
  showTimeline: true,
  showWeights: true,
  showRevisions: true,
  showAnalysis: true,
  showMetrics: true,
  showVerdict: true,
  showTraces: true,
  compact: false,
  sortBy: 'severity',
  sortDesc: false,
  filterText: '',
  filterStatus: [],
  limit: 0,
  listMode: 'auto',
  tableAbove: 6,
  drilldownUrl: '',
  namespaceVariable: 'namespace',
  rolloutVariable: 'rollout',
};

type SectionKey = 'showTimeline' | 'showWeights' | 'showRevisions' | 'showAnalysis' | 'showMetrics' | 'showVerdict' | 'showTraces';

export const SECTIONS: Array<{ key: SectionKey; name: string; description: string }> = [
  { key: 'showTimeline', name: 'Step timeline', description: 'Canary steps with the current one highlighted' },
  { key: 'showWeights', name: 'Weights', description: 'Set weight, actual weight and observed traffic share' },
  { key: 'showRevisions', name: 'Revisions', description: 'Stable and canary revisions with their images' },
  { key: 'showAnalysis', name: 'Analysis', description: 'Analysis runs summary' },
  { key: 'showMetrics', name: 'Canary vs stable', description: 'Sparklines of request rate, errors and latency' },
  { key: 'showVerdict', name: 'Verdict', description: 'The statistical verdict, metric by metric' },
  { key: 'showTraces', name: 'Traces', description: "A link to the canary's slow or failing traces" },
];

export const SORT_OPTIONS: Array<{ value: SortBy; label: string; description: string }> = [
  { value: 'severity', label: 'Status', description: 'Degraded, Paused, Progressing, Unknown, then Healthy' },
  { value: 'name', label: 'Name', description: 'Rollout name, then namespace' },
  { value: 'namespace', label: 'Namespace', description: 'Namespace, then rollout name' },
  { value: 'progress', label: 'Step progress', description: 'Least advanced first (current step / steps)' },
  { value: 'updated', label: 'Last update', description: 'Most recently changed first' },
];

export const STATUS_OPTIONS = ['Degraded', 'Paused', 'Progressing', 'Healthy', 'Unknown'] as const;
