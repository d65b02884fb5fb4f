import { describe, expect, it } from 'vitest';

import { sparklinePath } from './sparkline';

describe('sparklinePath', () => {
  it('maps the first and last points to the box edges with a zero baseline', () => {
    const pts: Array<[number, number]> = [
      [0, 5],
      [10, 10],
    ];
    expect(sparklinePath(pts, pts, 100, 22)).toBe('M0.0,11.0 L100.0,1.0');
  });

  it('shares the scale of the domain so two series compare', () => {
    const a: Array<[number, number]> = [
      [0, 10],
      [10, 10],
    ];
    const b: Array<[number, number]> = [
      [0, 20],
      [10, 20],
    ];
    expect(sparklinePath(a, [...a, ...b], 100, 22)).toBe('M0.0,11.0 L100.0,11.0');
    expect(sparklinePath(b, [...a, ...b], 100, 22)).toBe('M0.0,1.0 L100.0,1.0');
  });

  it('centres flat and single-point series and draws nothing without points', () => {
    expect(sparklinePath([[5, 3]], [[5, 3]], 100, 20)).toBe('M50.0,10.0');
    expect(sparklinePath([], [], 100, 20)).toBe('');
  });
});
