// Prometheus: where per-revision metrics are queried, and how to authenticate.
import { Field, Input, RadioButtonGroup, SecretInput, SecretTextArea, Switch } from '@grafana/ui';

import type { PrometheusAuth } from '../../types';
import { parseOptionalNumber, type SectionProps } from './options';
import { Section } from './Section';

const AUTH: Array<{ label: string; value: PrometheusAuth }> = [
  { label: 'None', value: 'none' },
  { label: 'Basic', value: 'basic' },
  { label: 'Bearer token', value: 'bearer' },
];

export function PrometheusSection({ jsonData, secureConfigured, secureValues, setJson, setSecure, resetSecure }: SectionProps) {
  const auth = jsonData.prometheusAuth ?? 'none';
  const timeout = jsonData.prometheusTimeoutSeconds;
  const scrape = jsonData.prometheusScrapeIntervalSeconds;
  return (
    <Section
      title="Prometheus"
      description="Optional. With a Prometheus URL, rollouts gain per-revision error ratio and latency, and the verdict query works."
    >
      <Field label="URL">
        <Input
          id="prometheus-url"
          width={60}
          placeholder="http://prometheus.monitoring:9090"
          value={jsonData.prometheusUrl ?? ''}
          onChange={(e) => setJson('prometheusUrl', e.currentTarget.value)}
        />
      </Field>
      <Field label="Authentication">
        <RadioButtonGroup<PrometheusAuth>
          aria-label="Prometheus authentication"
          options={AUTH}
          value={auth}
          onChange={(v) => setJson('prometheusAuth', v)}
        />
      </Field>
      {auth === 'basic' && (
        <>
          <Field label="User">
            <Input
              id="prometheus-user"
              width={40}
              value={jsonData.prometheusUser ?? ''}
              onChange={(e) => setJson('prometheusUser', e.currentTarget.value)}
            />
          </Field>
          <Field label="Password">
            <SecretInput
              id="prometheus-password"
              width={40}
              isConfigured={Boolean(secureConfigured.prometheusPassword)}
              value={secureValues.prometheusPassword ?? ''}
              onChange={(e) => setSecure('prometheusPassword', e.currentTarget.value)}
              onReset={() => resetSecure('prometheusPassword')}
            />
          </Field>
        </>
      )}
      {auth === 'bearer' && (
        <Field label="Token">
          <SecretInput
            id="prometheus-token"
            width={60}
            isConfigured={Boolean(secureConfigured.prometheusToken)}
            value={secureValues.prometheusToken ?? ''}
            onChange={(e) => setSecure('prometheusToken', e.currentTarget.value)}
            onReset={() => resetSecure('prometheusToken')}
          />
        </Field>
      )}
      <Field label="CA certificate" description="PEM; empty uses the system roots">
        <SecretTextArea
          id="prometheus-ca-cert"
          cols={60}
          rows={3}
          isConfigured={Boolean(secureConfigured.prometheusCaCert)}
          value={secureValues.prometheusCaCert ?? ''}
          onChange={(e) => setSecure('prometheusCaCert', e.currentTarget.value)}
          onReset={() => resetSecure('prometheusCaCert')}
        />
      </Field>
      <Field label="Skip TLS verification">
        <Switch
          id="prometheus-tls-skip-verify"
          value={Boolean(jsonData.prometheusTlsSkipVerify)}
          onChange={(e) => setJson('prometheusTlsSkipVerify', e.currentTarget.checked)}
        />
      </Field>
      <Field
        label="Timeout (seconds)"
        invalid={timeout !== undefined && !(timeout > 0)}
        error="A positive number of seconds"
      >
        <Input
          id="prometheus-timeout"
          type="number"
          width={12}
          min={1}
          value={timeout ?? ''}
          onChange={(e) => setJson('prometheusTimeoutSeconds', parseOptionalNumber(e.currentTarget.value))}
        />
      </Field>
      <Field
        label="Scrape interval (seconds)"
        description="How often Prometheus scrapes the applications; rate windows hold at least four scrapes. Default 15."
        invalid={scrape !== undefined && !(scrape >= 0.1 && scrape <= 3600)}
        error="Between 0.1 and 3600 seconds"
      >
        <Input
          id="prometheus-scrape-interval"
          type="number"
          width={12}
          min={0.1}
          placeholder="15"
          value={scrape ?? ''}
          onChange={(e) => setJson('prometheusScrapeIntervalSeconds', parseOptionalNumber(e.currentTarget.value))}
        />
      </Field>
    </Section>
  );
}
