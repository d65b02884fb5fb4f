// Editor of the `canaryMetrics` query: which RED metrics, which latency quantiles, exemplars.
import { useState } from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, Input, MultiCombobox } from '@grafana/ui';

import { CANARY_METRICS, type CanaryMetric, DEFAULT_QUANTILES } from '../../types';
import { parseNumberList } from '../config/options';
import type { TypeEditorProps } from './editorProps';
import { RolloutTarget } from './RolloutTarget';

const METRIC_LABELS: Record<CanaryMetric, string> = {
  requestRate: 'Request rate',
  errorRatio: 'Error ratio',
  latency: 'Latency',
};

export function CanaryMetricsEditor(props: TypeEditorProps) {
  const { query, onChange } = props;
  const metrics = query.metrics ?? [...CANARY_METRICS];
  const [quantilesText, setQuantilesText] = useState((query.quantiles ?? DEFAULT_QUANTILES).join(', '));
  const quantiles = parseNumberList(quantilesText);
  const quantilesValid = quantiles !== undefined && quantiles.length > 0 && quantiles.every((q) => q > 0 && q < 1);
  return (
    <>
      <InlineFieldRow>
        <RolloutTarget {...props} rolloutRequired />
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Metrics" labelWidth={14}>
          <MultiCombobox<CanaryMetric>
            id="canarylens-metrics"
            aria-label="Metrics"
            width="auto"
            minWidth={24}
            maxWidth={52}
            options={CANARY_METRICS.map((m) => ({ label: METRIC_LABELS[m], value: m }))}
            value={metrics}
            onChange={(options) => onChange({ ...query, metrics: options.map((o) => o.value) })}
          />
        </InlineField>
        {metrics.includes('latency') && (
          <InlineField
            label="Quantiles"
            labelWidth={12}
            invalid={!quantilesValid}
            error="Numbers between 0 and 1, such as 0.5, 0.9, 0.99"
          >
            <Input
              id="canarylens-quantiles"
              width={18}
              value={quantilesText}
              onChange={(e) => setQuantilesText(e.currentTarget.value)}
              onBlur={() => quantilesValid && quantiles && onChange({ ...query, quantiles })}
            />
          </InlineField>
        )}
        <InlineField label="Exemplars" labelWidth={12} tooltip="Trace exemplars of the latency series">
          <InlineSwitch
            id="canarylens-exemplars"
            value={query.exemplars ?? true}
            onChange={(e) => onChange({ ...query, exemplars: e.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
    </>
  );
}
