// Join settings: which labels and span attributes tie a revision to its metrics and traces.
import { Field, Input, RadioButtonGroup } from '@grafana/ui';

import { type JoinMode, SETTINGS_DEFAULTS } from '../../types';
import type { SectionProps } from './options';
import { Section } from './Section';

const MODES: Array<{ label: string; value: JoinMode; description: string }> = [
  { label: 'Pod name', value: 'pod', description: "Series carry the pod name; pods are matched to their revision's ReplicaSet" },
  {
    label: 'Pod template hash',
    value: 'podTemplateHash',
    description: 'Series carry the rollouts-pod-template-hash label (relabelled from the pod)',
  },
  { label: 'Version label', value: 'version', description: 'Series carry a version label set per revision' },
];

type TextKey = 'podLabel' | 'hashLabel' | 'versionLabel' | 'namespaceLabel' | 'traceAttribute';

export function JoinSection({ jsonData, setJson }: SectionProps) {
  const mode = jsonData.joinMode ?? SETTINGS_DEFAULTS.joinMode;
  const text = (key: TextKey, label: string, description: string, placeholder: string) => (
    <Field label={label} description={description}>
      <Input
        id={`join-${key}`}
        width={40}
        placeholder={placeholder}
        value={jsonData[key] ?? ''}
        onChange={(e) => setJson(key, e.currentTarget.value)}
      />
    </Field>
  );
  return (
    <Section title="Join" description="How a revision is found in metrics and traces. Defaults fit a stock kube-prometheus setup.">
      <Field label="Join by" description={MODES.find((m) => m.value === mode)?.description}>
        <RadioButtonGroup<JoinMode>
          aria-label="Join mode"
          options={MODES.map(({ label, value }) => ({ label, value }))}
          value={mode}
          onChange={(v) => setJson('joinMode', v)}
        />
      </Field>
      {mode === 'pod' && text('podLabel', 'Pod label', 'Prometheus label holding the pod name', SETTINGS_DEFAULTS.podLabel)}
      {mode === 'podTemplateHash' &&
        text('hashLabel', 'Hash label', 'Prometheus label holding the pod template hash', SETTINGS_DEFAULTS.hashLabel)}
      {mode === 'version' && text('versionLabel', 'Version label', 'Prometheus label holding the version', 'version')}
      {text('namespaceLabel', 'Namespace label', 'Prometheus label holding the namespace', SETTINGS_DEFAULTS.namespaceLabel)}
      {text(
        'traceAttribute',
        'Trace attribute',
        'Span resource attribute matched in Tempo (pod name, or service.version)',
        SETTINGS_DEFAULTS.traceAttribute
      )}
    </Section>
  );
}
