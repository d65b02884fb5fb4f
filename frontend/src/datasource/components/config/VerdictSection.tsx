// Verdict thresholds: how canary and stable metrics are judged (Kayenta-style).
import { Field, Input, RadioButtonGroup, Switch } from '@grafana/ui';

import { type CanaryLensOptions, SETTINGS_DEFAULTS, type VerdictMode } from '../../types';
import { parseOptionalNumber, type SectionProps } from './options';
import { Section } from './Section';

type VerdictKey =
  | 'verdictPassThreshold'
  | 'verdictMarginalThreshold'
  | 'verdictTolerance'
  | 'verdictConfidence'
  | 'verdictErrorsWeight'
  | 'verdictLatencyWeight'
  | 'verdictEffectSize'
  | 'verdictCriticalEffectSize';

const FIELDS: Array<{ key: VerdictKey; label: string; description: string; valid: (n: number) => boolean; error: string }> =
  [
    {
      key: 'verdictPassThreshold',
      label: 'Pass score',
      description: 'Share of metrics (%) that must pass for the canary to pass',
      valid: (n) => n >= 0 && n <= 100,
      error: 'A percentage between 0 and 100',
    },
    {
      key: 'verdictMarginalThreshold',
      label: 'Marginal score',
      description: 'Below this score the canary fails',
      valid: (n) => n >= 0 && n <= 100,
      error: 'A percentage between 0 and 100',
    },
    {
      key: 'verdictTolerance',
      label: 'Tolerance',
      description: 'Relative difference accepted between canary and stable',
      valid: (n) => n >= 0,
      error: 'A non-negative number such as 0.25',
    },
    {
      key: 'verdictConfidence',
      label: 'Confidence',
      description: 'Confidence level of the Mann-Whitney U test',
      valid: (n) => n > 0 && n < 1,
      error: 'A number between 0 and 1 such as 0.98',
    },
    {
      key: 'verdictErrorsWeight',
      label: 'Errors weight',
      description: 'Weight (%) of the error ratio in the score',
      valid: (n) => n >= 0 && n <= 100,
      error: 'A weight between 0 and 100',
    },
    {
      key: 'verdictLatencyWeight',
      label: 'Latency weight',
      description: 'Weight (%) of the latency quantiles in the score',
      valid: (n) => n >= 0 && n <= 100,
      error: 'A weight between 0 and 100',
    },
    {
      key: 'verdictEffectSize',
      label: 'Effect size',
      description: 'Smallest canary/stable mean ratio that counts as worse (1: any significant increase)',
      valid: (n) => n >= 1,
      error: 'A ratio of at least 1 such as 1.2',
    },
    {
      key: 'verdictCriticalEffectSize',
      label: 'Critical effect size',
      description: 'Mean ratio beyond which a critical metric fails the whole canary',
      valid: (n) => n >= 1,
      error: 'A ratio of at least 1 such as 1.5',
    },
  ];

const MODES: Array<{ label: string; value: VerdictMode; description: string }> = [
  {
    label: 'Sequential',
    value: 'sequential',
    description: 'Valid however often the dashboard refreshes during the canary',
  },
  { label: 'Fixed', value: 'fixed', description: "Kayenta's test, valid when looked at once" },
];

const CRITICAL: Array<{ key: 'verdictErrorsCritical' | 'verdictLatencyCritical'; label: string; description: string }> =
  [
    {
      key: 'verdictErrorsCritical',
      label: 'Errors are critical',
      description: 'A worse error ratio fails the canary whatever the score',
    },
    {
      key: 'verdictLatencyCritical',
      label: 'Latency is critical',
      description: 'A worse latency quantile fails the canary whatever the score',
    },
  ];

/** Errors of the verdict settings, by key (also checks marginal ≤ pass). */
export function verdictErrors(jsonData: CanaryLensOptions): Partial<Record<VerdictKey, string>> {
  const errors: Partial<Record<VerdictKey, string>> = {};
  for (const f of FIELDS) {
    const v = jsonData[f.key];
    if (v !== undefined && !(Number.isFinite(v) && f.valid(v))) {
      errors[f.key] = f.error;
    }
  }
  const pass = jsonData.verdictPassThreshold ?? SETTINGS_DEFAULTS.verdictPassThreshold;
  const marginal = jsonData.verdictMarginalThreshold ?? SETTINGS_DEFAULTS.verdictMarginalThreshold;
  if (!errors.verdictMarginalThreshold && marginal > pass) {
    errors.verdictMarginalThreshold = 'The marginal score must not exceed the pass score';
  }
  const errorsWeight = jsonData.verdictErrorsWeight ?? SETTINGS_DEFAULTS.verdictErrorsWeight;
  const latencyWeight = jsonData.verdictLatencyWeight ?? SETTINGS_DEFAULTS.verdictLatencyWeight;
  if (!errors.verdictErrorsWeight && errorsWeight + latencyWeight <= 0) {
    errors.verdictErrorsWeight = 'The errors and latency weights cannot both be 0';
  }
  return errors;
}

export function VerdictSection({ jsonData, setJson }: SectionProps) {
  const errors = verdictErrors(jsonData);
  return (
    <Section title="Verdict" description="Canary vs stable judged metric by metric; the score is the share that passes.">
      <Field label="Mode" description={MODES.find((m) => m.value === (jsonData.verdictMode ?? 'sequential'))?.description}>
        <RadioButtonGroup<VerdictMode>
          options={MODES.map(({ label, value }) => ({ label, value }))}
          value={jsonData.verdictMode ?? SETTINGS_DEFAULTS.verdictMode}
          onChange={(v) => setJson('verdictMode', v)}
        />
      </Field>
      {CRITICAL.map(({ key, label, description }) => (
        <Field key={key} label={label} description={description}>
          <Switch
            id={`verdict-${key}`}
            value={jsonData[key] ?? SETTINGS_DEFAULTS[key]}
            onChange={(e) => setJson(key, e.currentTarget.checked)}
          />
        </Field>
      ))}
      {FIELDS.map(({ key, label, description }) => (
        <Field key={key} label={label} description={description} invalid={Boolean(errors[key])} error={errors[key]}>
          <Input
            id={`verdict-${key}`}
            type="number"
            width={16}
            placeholder={String(SETTINGS_DEFAULTS[key])}
            value={jsonData[key] ?? ''}
            onChange={(e) => setJson(key, parseOptionalNumber(e.currentTarget.value))}
          />
        </Field>
      ))}
    </Section>
  );
}
