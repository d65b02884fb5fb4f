import { describe, expect, it } from 'vitest';

import {
  formatDuration,
  formatLatency,
  formatChange,
  formatMetric,
  formatPercent,
  formatPValue,
  formatRatio,
  formatReplicas,
  imageTag,
  parseDuration,
} from './format';

describe('durations', () => {
  it('parse Go and Argo forms', () => {
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2m0s')).toBe(120);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration('')).toBeNull();
    expect(parseDuration('5 minutes')).toBeNull();
    expect(parseDuration('10x')).toBeNull();
  });

  it('format like kubectl', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(7200)).toBe('2h');
    expect(formatDuration(183600)).toBe('2d3h');
    expect(formatDuration(-1)).toBe('');
  });
});

describe('numbers', () => {
  it('show percentages and missing values', () => {
    expect(formatPercent(25)).toBe('25%');
    expect(formatPercent(24.26, 1)).toBe('24.3%');
    expect(formatPercent(null)).toBe('–');
  });

  it('show small error ratios with two decimals', () => {
    expect(formatRatio(0.0045)).toBe('0.45%');
    expect(formatRatio(0.123)).toBe('12.3%');
    expect(formatRatio(0)).toBe('0%');
    expect(formatRatio(Number.NaN)).toBe('–');
  });

  it('show latencies in a readable unit', () => {
    expect(formatLatency(1.234)).toBe('1.23s');
    expect(formatLatency(0.42)).toBe('420ms');
    expect(formatLatency(0.0125)).toBe('12.5ms');
    expect(formatLatency(0.00032)).toBe('320µs');
  });

  it('format a metric by its kind', () => {
    expect(formatMetric('requestRate', 12.53)).toBe('12.5 req/s');
    expect(formatMetric('requestRate', 1234.4)).toBe('1234 req/s');
    expect(formatMetric('errorRatio', 0.02)).toBe('2.0%');
    expect(formatMetric('latency', 0.31)).toBe('310ms');
    expect(formatMetric('other', 1 / 3)).toBe('0.3333');
    expect(formatMetric('other', null)).toBe('–');
  });

  it('know the names the verdict frame gives its metrics', () => {
    expect(formatMetric('error ratio', 0.1)).toBe('10.0%');
    expect(formatMetric('p50 latency', 0.0625)).toBe('62.5ms');
    expect(formatMetric('p99.9 latency', 1.5)).toBe('1.50s');
    expect(formatMetric('request rate', 40)).toBe('40.0 req/s');
    expect(formatMetric('latency budget', 0.5)).toBe('0.5');
  });

  it('show replicas as ready/desired', () => {
    expect(formatReplicas(4, 5)).toBe('4/5');
    expect(formatReplicas(null, null)).toBe('0/0');
  });
});

describe('imageTag', () => {
  it('takes the tag, not a registry port', () => {
    expect(imageTag('argoproj/rollouts-demo:green')).toBe('green');
    expect(imageTag('registry:5000/app')).toBe('latest');
    expect(imageTag('registry:5000/app:1.2')).toBe('1.2');
    expect(imageTag('app@sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab');
  });
});

describe('verdict numbers', () => {
  it('show relative differences with their sign', () => {
    expect(formatChange(4)).toBe('+400%');
    expect(formatChange(0.355)).toBe('+36%');
    expect(formatChange(-0.052)).toBe('−5.2%');
    expect(formatChange(0)).toBe('0%');
    expect(formatChange(0.00001)).toBe('0%');
    expect(formatChange(null)).toBe('–');
  });

  it('show p-values as people read them', () => {
    expect(formatPValue(3.3e-5)).toBe('< 0.001');
    expect(formatPValue(0.0042)).toBe('0.004');
    expect(formatPValue(0.3141)).toBe('0.31');
    expect(formatPValue(Number.NaN)).toBe('–');
  });
});
