// Verdict thresholds: how canary and stable metrics are judged (Kayenta-style).
import { Field, Input } from '@grafana/ui';

import { type CanaryLensOptions, SETTINGS_DEFAULTS } from '../../types';
import { parseOptionalNumber, type SectionProps } from './options';
import { Section } from './Section';

type VerdictKey = 'verdictPassThreshold' | 'verdictMarginalThreshold' | 'verdictTolerance' | 'verdictConfidence';

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
  return errors;
}

export function VerdictSection({ jsonData, setJson }: SectionProps) {
  const errors = verdictErrors(jsonData);
  return (
    <Section title="Verdict" description="Canary vs stable judged metric by metric; the score is the share that passes.">
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
