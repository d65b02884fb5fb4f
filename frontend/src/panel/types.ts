// Options of the Canary Lens rollout panel.

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
};

export const SECTIONS: Array<{ key: Exclude<keyof CanaryPanelOptions, 'compact'>; name: string; description: string }> = [
  { key: 'showTimeline', name: 'Step timeline', description: 'Canary steps with the current one highlighted' },
  { key: 'showWeights', name: 'Weights', description: 'Set weight, actual weight and observed traffic share' },
  { key: 'showRevisions', name: 'Revisions', description: 'Stable and canary revisions with their images' },
  { key: 'showAnalysis', name: 'Analysis', description: 'Analysis runs summary' },
  { key: 'showMetrics', name: 'Canary vs stable', description: 'Sparklines of request rate, errors and latency' },
  { key: 'showVerdict', name: 'Verdict', description: 'The statistical verdict, metric by metric' },
  { key: 'showTraces', name: 'Traces', description: "A link to the canary's slow or failing traces" },
];
