// Panel scenarios fed with frames the real plugin binary produced for the fixture
// cluster (`cargo test --test export_frames` writes target/frames/*.json; the test server
// serves that folder as real-frames/). Which files make which scenario: real-scenarios.json.
import { LoadingState } from '@grafana/data';

import spec from './real-scenarios.json';
import { readFrames, type Scenario } from './scenarios';

/** One file of target/frames/: a query and the plugin's answer to it. */
export interface ExportedAnswer {
  scenario: string;
  query: { refId: string; queryType: string; namespace?: string; rollout?: string; revision?: string };
  status: number;
  error: string | null;
  frames: unknown[];
}

export const REAL_SCENARIOS: Record<string, { description: string; files: string[] }> = spec.scenarios;

/** The files every real scenario needs (the runner checks they exist before starting). */
export function realFiles(): string[] {
  return [...new Set(Object.values(REAL_SCENARIOS).flatMap((s) => s.files))];
}

async function fetchAnswer(file: string): Promise<ExportedAnswer> {
  const res = await fetch(`real-frames/${file}.json`);
  if (!res.ok) {
    throw new Error(`target/frames/${file}.json is missing (HTTP ${res.status}): run \`cargo test --test export_frames\``);
  }
  return (await res.json()) as ExportedAnswer;
}

/** A panel scenario from the exported answers, as Grafana would hand them to the panel. */
export function scenarioFromAnswers(description: string, answers: ExportedAnswer[]): Scenario {
  const errors = answers
    .filter((a) => a.error !== null)
    .map((a) => ({ refId: a.query.refId, message: a.error ?? '' }));
  return {
    description,
    frames: answers.flatMap((a) => readFrames({ frames: a.frames })),
    targets: answers.map((a) => a.query),
    // Grafana marks the whole request as errored when any query failed.
    state: errors.length > 0 ? LoadingState.Error : LoadingState.Done,
    errors: errors.length > 0 ? errors : undefined,
  };
}

/** Loads a real scenario by name; undefined when there is no such real scenario. */
export async function loadRealScenario(name: string): Promise<Scenario | undefined> {
  const s = REAL_SCENARIOS[name];
  if (!s) {
    return undefined;
  }
  return scenarioFromAnswers(s.description, await Promise.all(s.files.map(fetchAnswer)));
}
