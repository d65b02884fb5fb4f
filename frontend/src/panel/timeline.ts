// The step timeline of a canary: one segment per step, from the `steps` frame when the
// panel has it, else reconstructed from the rollouts row ("2/5").
import type { DataFrame } from '@grafana/data';

import { formatDuration, parseDuration } from './format';
import { num, str } from './frames';

export type StepState = 'done' | 'current' | 'pending';

export interface StepSegment {
  index: number;
  /** Argo step key: setWeight, pause, analysis, experiment, setCanaryScale, ... */
  kind: string;
  value: string;
  state: StepState;
  /** Short text for the segment ("20%", "pause 30s", "pause ∞", "analysis"). */
  label: string;
  /** Whether the step gates promotion on an analysis or experiment. */
  gated: boolean;
  isPause: boolean;
  /** For the current pause: seconds left when known. */
  remainingSeconds?: number;
}

export interface Timeline {
  segments: StepSegment[];
  /** "2/5" (1-based current position) or "" when the rollout has no steps. */
  position: string;
  /** Index of the current step, null when done or unknown. */
  current: number | null;
  complete: boolean;
}

export function stepLabel(kind: string, value: string): string {
  const v = value.trim();
  switch (kind) {
    case 'setWeight':
      return v === '' ? 'weight' : /%$/.test(v) ? v : `${v}%`;
    case 'pause': {
      // The backend names a pause without duration "indefinite" (as kubectl argo rollouts does).
      if (v === '' || v === '{}' || v.toLowerCase() === 'indefinite') {
        return 'pause ∞';
      }
      const seconds = parseDuration(v);
      return seconds === null ? `pause ${v}` : `pause ${formatDuration(seconds)}`;
    }
    case 'analysis':
      return 'analysis';
    case 'experiment':
      return 'experiment';
    case 'setCanaryScale':
      return v === '' ? 'scale' : `scale ${v}`;
    case 'setHeaderRoute':
      return 'header route';
    case 'setMirrorRoute':
      return 'mirror';
    case 'plugin':
      return v === '' ? 'plugin' : v;
    default:
      return v === '' ? kind : `${kind} ${v}`;
  }
}

function normaliseState(s: string): StepState {
  return s === 'done' || s === 'current' ? s : 'pending';
}

/**
 * Builds the timeline from a `steps` frame (index, kind, value, state; optional
 * `remainingSeconds` or `pauseEndsAt` for the current pause).
 */
export function timelineFromSteps(frame: DataFrame, nowMs: number): Timeline {
  const segments: StepSegment[] = [];
  for (let row = 0; row < frame.length; row++) {
    const kind = str(frame, 'kind', row);
    const value = str(frame, 'value', row);
    const state = normaliseState(str(frame, 'state', row));
    const segment: StepSegment = {
      index: num(frame, 'index', row) ?? row,
      kind,
      value,
      state,
      label: stepLabel(kind, value),
      gated: kind === 'analysis' || kind === 'experiment',
      isPause: kind === 'pause',
    };
    if (segment.isPause && state === 'current') {
      const remaining = num(frame, 'remainingSeconds', row);
      const endsAt = Date.parse(str(frame, 'pauseEndsAt', row));
      if (remaining !== null) {
        segment.remainingSeconds = Math.max(0, remaining);
      } else if (!Number.isNaN(endsAt)) {
        segment.remainingSeconds = Math.max(0, Math.round((endsAt - nowMs) / 1000));
      }
    }
    segments.push(segment);
  }
  segments.sort((a, b) => a.index - b.index);
  const currentIdx = segments.findIndex((s) => s.state === 'current');
  const done = segments.filter((s) => s.state === 'done').length;
  const complete = segments.length > 0 && done === segments.length;
  return {
    segments,
    // Argo's "<currentStepIndex>/<count>": the number of steps already done.
    position: segments.length === 0 ? '' : `${done}/${segments.length}`,
    current: currentIdx < 0 ? null : segments[currentIdx].index,
    complete,
  };
}

/**
 * Builds a timeline without step details from the rollouts row: `step` is Argo's
 * "<currentStepIndex>/<count>" and `currentStep` the index (0-based).
 */
export function timelineFromRow(step: string, currentStep: number | null, stepCount: number | null): Timeline {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(step);
  const count = stepCount ?? (match ? Number(match[2]) : 0);
  const index = currentStep ?? (match ? Number(match[1]) : null);
  if (!count) {
    return { segments: [], position: step, current: null, complete: false };
  }
  const complete = index !== null && index >= count;
  const segments: StepSegment[] = Array.from({ length: count }, (_, i) => ({
    index: i,
    kind: 'step',
    value: '',
    state: index === null || i > index ? 'pending' : i < index || complete ? 'done' : 'current',
    label: `${i + 1}`,
    gated: false,
    isPause: false,
  }));
  return { segments, position: step || `${index ?? 0}/${count}`, current: complete ? null : index, complete };
}
