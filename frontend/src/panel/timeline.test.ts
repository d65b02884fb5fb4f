import { toDataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import { stepLabel, timelineFromRow, timelineFromSteps } from './timeline';

function stepsFrame(rows: Array<[number, string, string, string]>, extra: Record<string, unknown[]> = {}) {
  return toDataFrame({
    fields: [
      { name: 'index', values: rows.map((r) => r[0]) },
      { name: 'kind', values: rows.map((r) => r[1]) },
      { name: 'value', values: rows.map((r) => r[2]) },
      { name: 'state', values: rows.map((r) => r[3]) },
      ...Object.entries(extra).map(([name, values]) => ({ name, values })),
    ],
  });
}

describe('stepLabel', () => {
  it('names each Argo step kind briefly', () => {
    expect(stepLabel('setWeight', '20')).toBe('20%');
    expect(stepLabel('setWeight', '20%')).toBe('20%');
    expect(stepLabel('pause', '')).toBe('pause ∞');
    expect(stepLabel('pause', '{}')).toBe('pause ∞');
    expect(stepLabel('pause', 'indefinite')).toBe('pause ∞');
    expect(stepLabel('pause', '1h30m')).toBe('pause 1h30m');
    expect(stepLabel('pause', '90')).toBe('pause 1m30s');
    expect(stepLabel('pause', 'soon')).toBe('pause soon');
    expect(stepLabel('analysis', 'success-rate')).toBe('analysis');
    expect(stepLabel('experiment', '')).toBe('experiment');
    expect(stepLabel('setCanaryScale', 'replicas: 2')).toBe('scale replicas: 2');
    expect(stepLabel('somethingNew', 'x')).toBe('somethingNew x');
  });
});

describe('timelineFromSteps', () => {
  it("counts done steps like Argo's step column and marks the current one", () => {
    const t = timelineFromSteps(
      stepsFrame([
        [0, 'setWeight', '20', 'done'],
        [1, 'pause', '', 'current'],
        [2, 'analysis', 'success-rate', 'pending'],
        [3, 'setWeight', '60', 'pending'],
      ]),
      0
    );
    expect(t.position).toBe('1/4');
    expect(t.current).toBe(1);
    expect(t.complete).toBe(false);
    expect(t.segments.map((s) => s.label)).toEqual(['20%', 'pause ∞', 'analysis', '60%']);
    expect(t.segments.map((s) => s.gated)).toEqual([false, false, true, false]);
    expect(t.segments[1].isPause).toBe(true);
  });

  it('is complete when every step is done', () => {
    const t = timelineFromSteps(stepsFrame([[0, 'setWeight', '50', 'done'], [1, 'pause', '10s', 'done']]), 0);
    expect(t).toMatchObject({ position: '2/2', current: null, complete: true });
  });

  it('sorts steps by index and treats unknown states as pending', () => {
    const t = timelineFromSteps(stepsFrame([[1, 'pause', '', 'weird'], [0, 'setWeight', '5', 'current']]), 0);
    expect(t.segments.map((s) => [s.index, s.state])).toEqual([
      [0, 'current'],
      [1, 'pending'],
    ]);
    expect(t.position).toBe('0/2');
  });

  it('gives the remaining time of the current pause from remainingSeconds or pauseEndsAt', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const byCount = timelineFromSteps(stepsFrame([[0, 'pause', '5m', 'current']], { remainingSeconds: [125] }), now);
    expect(byCount.segments[0].remainingSeconds).toBe(125);
    const byDeadline = timelineFromSteps(
      stepsFrame([[0, 'pause', '5m', 'current']], { pauseEndsAt: [new Date(now + 90_000).toISOString()] }),
      now
    );
    expect(byDeadline.segments[0].remainingSeconds).toBe(90);
    const past = timelineFromSteps(
      stepsFrame([[0, 'pause', '5m', 'current']], { pauseEndsAt: [new Date(now - 5_000).toISOString()] }),
      now
    );
    expect(past.segments[0].remainingSeconds).toBe(0);
    const unknown = timelineFromSteps(stepsFrame([[0, 'pause', '5m', 'current']]), now);
    expect(unknown.segments[0].remainingSeconds).toBeUndefined();
  });
});

describe('timelineFromRow', () => {
  it('rebuilds anonymous segments from "1/3"', () => {
    const t = timelineFromRow('1/3', 1, 3);
    expect(t.segments.map((s) => s.state)).toEqual(['done', 'current', 'pending']);
    expect(t).toMatchObject({ position: '1/3', current: 1, complete: false });
  });

  it('parses the step text when the numbers are missing', () => {
    expect(timelineFromRow('2/2', null, null)).toMatchObject({ complete: true, current: null });
    expect(timelineFromRow('2/2', null, null).segments.every((s) => s.state === 'done')).toBe(true);
  });

  it('has no segments for rollouts without steps', () => {
    expect(timelineFromRow('', null, null).segments).toEqual([]);
    expect(timelineFromRow('', null, 0).segments).toEqual([]);
  });
});
