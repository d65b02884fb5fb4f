// Kubernetes connection: how the backend reaches the API server, and its credentials.
import { Field, Input, RadioButtonGroup, SecretInput, SecretTextArea, Switch } from '@grafana/ui';

import type { KubeMode } from '../../types';
import type { SectionProps } from './options';
import { Section } from './Section';

const MODES: Array<{ label: string; value: KubeMode | ''; description: string }> = [
  { label: 'Auto', value: '', description: 'In-cluster when Grafana runs in a pod, else the default kubeconfig' },
  { label: 'In cluster', value: 'inCluster', description: "The pod's service account" },
  { label: 'Kubeconfig', value: 'kubeconfig', description: 'A kubeconfig file on the Grafana server' },
  { label: 'URL', value: 'url', description: 'An API server URL with a bearer token' },
];

export function KubernetesSection({ jsonData, secureConfigured, secureValues, setJson, setSecure, resetSecure }: SectionProps) {
  const mode = jsonData.kubeMode ?? '';
  return (
    <Section title="Kubernetes" description="Where Argo Rollouts objects are read from. Only read access (get, list, watch) is needed.">
      <Field label="Connection" description={MODES.find((m) => m.value === mode)?.description}>
        <RadioButtonGroup<KubeMode | ''>
          aria-label="Kubernetes connection mode"
          options={MODES.map(({ label, value }) => ({ label, value }))}
          value={mode}
          onChange={(v) => setJson('kubeMode', v)}
        />
      </Field>
      {mode === 'kubeconfig' && (
        <>
          <Field label="Kubeconfig path" description="Empty: $KUBECONFIG or ~/.kube/config of the Grafana server user">
            <Input
              id="kube-config-path"
              width={60}
              placeholder="/etc/grafana/kubeconfig"
              value={jsonData.kubeconfigPath ?? ''}
              onChange={(e) => setJson('kubeconfigPath', e.currentTarget.value)}
            />
          </Field>
          <Field label="Context" description="Empty: the kubeconfig's current context">
            <Input
              id="kube-context"
              width={40}
              value={jsonData.kubeContext ?? ''}
              onChange={(e) => setJson('kubeContext', e.currentTarget.value)}
            />
          </Field>
        </>
      )}
      {mode === 'url' && (
        <>
          <Field label="API server URL" required>
            <Input
              id="kube-url"
              width={60}
              placeholder="https://kubernetes.example.com:6443"
              value={jsonData.kubeUrl ?? ''}
              onChange={(e) => setJson('kubeUrl', e.currentTarget.value)}
            />
          </Field>
          <Field label="Bearer token" description="A service account token with read access to rollouts">
            <SecretInput
              id="kube-token"
              width={60}
              isConfigured={Boolean(secureConfigured.kubeToken)}
              value={secureValues.kubeToken ?? ''}
              onChange={(e) => setSecure('kubeToken', e.currentTarget.value)}
              onReset={() => resetSecure('kubeToken')}
            />
          </Field>
          <Field label="CA certificate" description="PEM; empty uses the system roots">
            <SecretTextArea
              id="kube-ca-cert"
              cols={60}
              rows={4}
              isConfigured={Boolean(secureConfigured.kubeCaCert)}
              value={secureValues.kubeCaCert ?? ''}
              onChange={(e) => setSecure('kubeCaCert', e.currentTarget.value)}
              onReset={() => resetSecure('kubeCaCert')}
            />
          </Field>
        </>
      )}
      {mode !== 'inCluster' && mode !== '' && (
        <Field label="Skip TLS verification" description="Only for test clusters">
          <Switch
            id="kube-tls-skip-verify"
            value={Boolean(jsonData.kubeTlsSkipVerify)}
            onChange={(e) => setJson('kubeTlsSkipVerify', e.currentTarget.checked)}
          />
        </Field>
      )}
    </Section>
  );
}
