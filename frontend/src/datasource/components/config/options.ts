// Typed updates of the datasource settings, shared by every config section.
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import type { CanaryLensOptions, CanaryLensSecureJsonData, SecureJsonKey } from '../../types';

export type ConfigProps = DataSourcePluginOptionsEditorProps<CanaryLensOptions, CanaryLensSecureJsonData>;

/** What each section receives: the settings and typed setters. */
export interface SectionProps {
  jsonData: CanaryLensOptions;
  secureConfigured: Partial<Record<SecureJsonKey, boolean>>;
  secureValues: CanaryLensSecureJsonData;
  setJson: <K extends keyof CanaryLensOptions>(key: K, value: CanaryLensOptions[K] | undefined) => void;
  setSecure: (key: SecureJsonKey, value: string) => void;
  resetSecure: (key: SecureJsonKey) => void;
}

export function sectionProps({ options, onOptionsChange }: ConfigProps): SectionProps {
  const jsonData = options.jsonData ?? {};
  return {
    jsonData,
    secureConfigured: (options.secureJsonFields ?? {}) as Partial<Record<SecureJsonKey, boolean>>,
    secureValues: options.secureJsonData ?? {},
    setJson: (key, value) => {
      const next: CanaryLensOptions = { ...jsonData };
      if (value === undefined || value === '') {
        delete next[key];
      } else {
        next[key] = value;
      }
      onOptionsChange({ ...options, jsonData: next });
    },
    setSecure: (key, value) => {
      onOptionsChange({ ...options, secureJsonData: { ...(options.secureJsonData ?? {}), [key]: value } });
    },
    resetSecure: (key) => {
      onOptionsChange({
        ...options,
        secureJsonFields: { ...(options.secureJsonFields ?? {}), [key]: false },
        secureJsonData: { ...(options.secureJsonData ?? {}), [key]: '' },
      });
    },
  };
}

/** Parses a list of numbers typed as "0.5, 0.9, 0.99"; undefined when any item is not a number. */
export function parseNumberList(text: string): number[] | undefined {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const numbers = items.map(Number);
  return numbers.every((n) => Number.isFinite(n)) ? numbers : undefined;
}

/** Parses an optional number input: empty → undefined, invalid → NaN. */
export function parseOptionalNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}
