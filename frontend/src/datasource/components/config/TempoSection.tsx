// Tempo: where the backend searches traces, and which Grafana Tempo datasource the
// trace links open in.
import { Field, Input, SecretInput, Switch } from '@grafana/ui';
import { DataSourcePicker } from '@grafana/runtime';

import { parseOptionalNumber, type SectionProps } from './options';
import { Section } from './Section';

export function TempoSection({ jsonData, secureConfigured, secureValues, setJson, setSecure, resetSecure }: SectionProps) {
  const timeout = jsonData.tempoTimeoutSeconds;
  return (
    <Section title="Tempo" description="Optional. Finds the traces of each revision and links them to a Tempo datasource.">
      <Field label="URL" description="Tempo's HTTP API, queried by the backend">
        <Input
          id="tempo-url"
          width={60}
          placeholder="http://tempo.monitoring:3200"
          value={jsonData.tempoUrl ?? ''}
          onChange={(e) => setJson('tempoUrl', e.currentTarget.value)}
        />
      </Field>
      <Field label="Token" description="Sent as a bearer token to Tempo">
        <SecretInput
          id="tempo-token"
          width={60}
          isConfigured={Boolean(secureConfigured.tempoToken)}
          value={secureValues.tempoToken ?? ''}
          onChange={(e) => setSecure('tempoToken', e.currentTarget.value)}
          onReset={() => resetSecure('tempoToken')}
        />
      </Field>
      <Field label="Skip TLS verification">
        <Switch
          id="tempo-tls-skip-verify"
          value={Boolean(jsonData.tempoTlsSkipVerify)}
          onChange={(e) => setJson('tempoTlsSkipVerify', e.currentTarget.checked)}
        />
      </Field>
      <Field
        label="Timeout (seconds)"
        description="How long a trace search may take. Default: the Prometheus timeout."
        invalid={timeout !== undefined && !(timeout > 0 && timeout <= 600)}
        error="Between 0 and 600 seconds"
      >
        <Input
          id="tempo-timeout"
          type="number"
          width={12}
          min={1}
          value={timeout ?? ''}
          onChange={(e) => setJson('tempoTimeoutSeconds', parseOptionalNumber(e.currentTarget.value))}
        />
      </Field>
      <Field label="Tempo datasource" description="Trace IDs link to this Grafana datasource (Explore)">
        <DataSourcePicker
          type="tempo"
          tracing
          noDefault
          width={40}
          inputId="tempo-datasource"
          current={jsonData.tempoDatasourceUid ?? null}
          onChange={(ds) => setJson('tempoDatasourceUid', ds.uid)}
          onClear={() => setJson('tempoDatasourceUid', undefined)}
        />
      </Field>
    </Section>
  );
}
