import {
  createTheme,
  type DataLinkPostProcessor,
  dateTime,
  FieldType,
  getDefaultTimeRange,
  toDataFrame,
} from '@grafana/data';
import { describe, expect, it, vi } from 'vitest';

import { interpolator } from '../../browser/grafanaPanel';
import { fieldLinks, shownValue, withRange } from './display';

const theme = createTheme();

describe('shownValue', () => {
  it("formats by the field's unit and decimals, as Grafana's display processor does", () => {
    const field = { name: 'p99', type: FieldType.number, config: { unit: 's' }, values: [0.42] };
    // Grafana's "s" unit (packages/grafana-data/src/valueFormats): 0.42 s is "420 ms".
    expect(shownValue(field, 0.42, theme)).toEqual({ text: '420 ms', color: undefined });
    expect(shownValue({ ...field, config: { unit: 'percentunit', decimals: 2 } }, 0.0046, theme)?.text).toBe('0.46%');
  });

  it('leaves a field with no format to the panel', () => {
    const field = { name: 'pValue', type: FieldType.number, config: {}, values: [0.04] };
    expect(shownValue(field, 0.04, theme)).toBeUndefined();
  });

  it('colours by thresholds beyond the base step only', () => {
    const base = { mode: 'absolute' as never, steps: [{ value: -Infinity, color: 'text' }] };
    const field = { name: 'w', type: FieldType.number, config: { unit: 'percent', thresholds: base }, values: [90] };
    expect(shownValue(field, 90, theme)?.color).toBeUndefined();
    const steps = { ...base, steps: [...base.steps, { value: 80, color: 'red' }] };
    expect(shownValue({ ...field, config: { ...field.config, thresholds: steps } }, 90, theme)?.color).toBe('#F2495C');
  });
});

describe('data links', () => {
  const frame = toDataFrame({
    fields: [
      {
        name: 'traceID',
        type: FieldType.string,
        values: ['abc123'],
        config: {
          links: [
            {
              title: 'View trace',
              url: '',
              internal: { datasourceUid: 'tempo-uid', datasourceName: 'Tempo', query: { query: '${__value.raw}', queryType: 'traceql' } },
            },
          ],
        },
      },
    ],
  });
  const range = { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-24h', to: 'now' } };
  const ctx = { theme, replaceVariables: interpolator(range), timeRange: range };

  it('gives an internal link the panel time range unless it has its own', () => {
    const link = frame.fields[0].config.links![0];
    expect(withRange(link, range).internal?.range).toBe(range);
    const own = { ...link, internal: { ...link.internal!, range: getDefaultTimeRange() } };
    expect(withRange(own, range)).toBe(own);
    expect(withRange({ title: 'x', url: '/d/abc' }, range)).toEqual({ title: 'x', url: '/d/abc' });
  });

  it("resolves a row's links through Grafana's getLinksSupplier at the panel time range", () => {
    const [link] = fieldLinks(frame, frame.fields[0], 0, ctx);
    const left = JSON.parse(new URL(link.href, 'http://grafana').searchParams.get('left') ?? '{}');
    expect(left).toEqual({
      range: { from: 'now-24h', to: 'now' },
      datasource: 'tempo-uid',
      queries: [{ query: 'abc123', queryType: 'traceql', datasource: { uid: 'tempo-uid' } }],
    });
    expect(link.title).toBe('View trace');
  });

  it("hands the host's post processor the link with the range (Explore's own links)", () => {
    const post = vi.fn<DataLinkPostProcessor>(({ linkModel }) => ({ ...linkModel, title: 'from host' }));
    const [link] = fieldLinks(frame, frame.fields[0], 0, { ...ctx, dataLinkPostProcessor: post });
    expect(link.title).toBe('from host');
    expect(post.mock.calls[0][0].link.internal?.range).toBe(range);
    expect(post.mock.calls[0][0].config.valueRowIndex).toBe(0);
  });
});
