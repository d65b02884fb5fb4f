// SVG path of a sparkline: points scaled into a box, sharing the scale of `domain`.

export function sparklinePath(
  points: Array<[number, number]>,
  domain: Array<[number, number]>,
  width: number,
  height: number
): string {
  if (points.length === 0 || domain.length === 0) {
    return '';
  }
  let [tMin, tMax, vMin, vMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [t, v] of domain) {
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
    vMin = Math.min(vMin, v);
    vMax = Math.max(vMax, v);
  }
  // Flat series sit in the middle; a zero baseline is kept for non-negative data.
  if (vMin > 0 && vMin < vMax) {
    vMin = Math.min(vMin, 0);
  }
  const pad = 1;
  const x = (t: number) => (tMax === tMin ? width / 2 : ((t - tMin) / (tMax - tMin)) * width);
  const y = (v: number) =>
    vMax === vMin ? height / 2 : height - pad - ((v - vMin) / (vMax - vMin)) * (height - 2 * pad);
  return points
    .map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
    .join(' ');
}
