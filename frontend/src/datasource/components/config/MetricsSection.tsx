// Metric preset and custom PromQL templates for requests, errors and latency.
import { useState } from 'react';
import { Combobox, Field, Input, TextArea } from '@grafana/ui';

import { type MetricPreset, SETTINGS_DEFAULTS } from '../../types';
import { parseNumberList, type SectionProps } from './options';
import { Section } from './Section';

const PRESETS: Array<{ label: string; value: MetricPreset; description: string }> = [
  { label: 'OpenTelemetry', value: 'otel', description: 'http_server_request_duration_seconds (OTel semantic conventions)' },
  { label: 'Prometheus client', value: 'prometheus', description: 'http_requests_total and http_request_duration_seconds' },
  { label: 'Argo demo app', value: 'argoDemo', description: 'The metrics of the argoproj rollouts-demo app' },
  { label: 'Custom', value: 'custom', description: 'Your own PromQL templates' },
];

type TemplateKey = 'requestsTemplate' | 'errorsTemplate' | 'latencyBucketTemplate';

const TEMPLATES: Array<{ key: TemplateKey; label: string; placeholder: string }> = [
  { key: 'requestsTemplate', label: 'Requests', placeholder: 'sum(rate(http_requests_total{$__revision}[$__rate_interval]))' },
  {
    key: 'errorsTemplate',
    label: 'Errors',
    placeholder: 'sum(rate(http_requests_total{$__revision, code=~"5.."}[$__rate_interval]))',
  },
  {
    key: 'latencyBucketTemplate',
    label: 'Latency buckets',
    placeholder: 'sum by (le) (rate(http_request_duration_seconds_bucket{$__revision}[$__rate_interval]))',
  },
];

export function MetricsSection({ jsonData, setJson }: SectionProps) {
  const preset = jsonData.metricPreset;
  const [quantilesText, setQuantilesText] = useState((jsonData.quantiles ?? []).join(', '));
  const quantiles = parseNumberList(quantilesText);
  const quantilesValid = quantiles !== undefined && quantiles.every((q) => q > 0 && q < 1);
  return (
    <Section
      title="Metrics"
      description={
        <>
          Which series are requests, errors and latency. <code>$__revision</code> expands to the label matcher of one
          revision.
        </>
      }
    >
      <Field label="Preset" description={PRESETS.find((p) => p.value === preset)?.description}>
        <Combobox<MetricPreset>
          id="metric-preset"
          width={40}
          placeholder="Choose the metric names your services expose"
          options={PRESETS.map(({ label, value }) => ({ label, value }))}
          value={preset ?? null}
          isClearable
          onChange={(option) => setJson('metricPreset', option?.value)}
        />
      </Field>
      {preset === 'custom' &&
        TEMPLATES.map(({ key, label, placeholder }) => (
          <Field key={key} label={label}>
            <TextArea
              id={`metric-${key}`}
              cols={80}
              rows={2}
              placeholder={placeholder}
              value={jsonData[key] ?? ''}
              onChange={(e) => setJson(key, e.currentTarget.value)}
            />
          </Field>
        ))}
      <Field
        label="Latency quantiles"
        description="Comma separated, between 0 and 1"
        invalid={quantilesText.trim() !== '' && !quantilesValid}
        error="Numbers between 0 and 1, such as 0.5, 0.9, 0.99"
      >
        <Input
          id="metric-quantiles"
          width={30}
          placeholder={SETTINGS_DEFAULTS.quantiles.join(', ')}
          value={quantilesText}
          onChange={(e) => setQuantilesText(e.currentTarget.value)}
          onBlur={() => {
            if (quantilesText.trim() === '') {
              setJson('quantiles', undefined);
            } else if (quantiles && quantilesValid) {
              setJson('quantiles', quantiles);
            }
          }}
        />
      </Field>
    </Section>
  );
}
