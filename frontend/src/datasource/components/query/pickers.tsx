// Namespace, rollout and revision pickers filled from the backend's resource endpoints.
// Each accepts a typed value too, so template variables ($namespace) work.
import { useCallback } from 'react';
import { Combobox, type ComboboxOption } from '@grafana/ui';

import type { CanaryLensDataSource } from '../../datasource';
import { namespaceOfRollout } from '../../templating';
import type { RolloutRef } from '../../types';

interface PickerProps {
  datasource: CanaryLensDataSource;
  value: string;
  onChange: (value: string) => void;
}

/** Options for one picker: dashboard variables first, then the fetched values, filtered by what was typed. */
export function pickerOptions(values: ComboboxOption[], variables: string[], input: string): ComboboxOption[] {
  const needle = input.trim().toLowerCase();
  const all: ComboboxOption[] = [
    ...variables.map((v) => ({ label: v, value: v, description: 'Dashboard variable' })),
    ...values,
  ];
  return needle === '' ? all : all.filter((o) => (o.label ?? o.value).toLowerCase().includes(needle));
}

function asOption(value: string): ComboboxOption | null {
  return value ? { label: value, value } : null;
}

function useLoader(datasource: CanaryLensDataSource, fetch: () => Promise<ComboboxOption[]>) {
  return useCallback(
    async (input: string) => {
      let variables: string[] = [];
      try {
        variables = datasource.variableNames();
      } catch {
        // No template service outside a dashboard.
      }
      return pickerOptions(await fetch(), variables, input);
    },
    [datasource, fetch]
  );
}

export function NamespacePicker({ datasource, value, onChange }: PickerProps) {
  const fetch = useCallback(
    async () => (await datasource.getNamespaces()).map((ns) => ({ label: ns, value: ns })),
    [datasource]
  );
  const options = useLoader(datasource, fetch);
  return (
    <Combobox
      id="canarylens-namespace"
      aria-label="Namespace"
      width={24}
      placeholder="All namespaces"
      createCustomValue
      isClearable
      options={options}
      value={asOption(value)}
      onChange={(o) => onChange(o?.value ?? '')}
    />
  );
}

/**
 * Options of the rollout picker. Under one literal namespace the value is the name; under
 * none (all namespaces), a list or a variable it is namespace/name, which is unique and
 * tells the backend (and pickRollout) the rollout's namespace.
 */
export function rolloutOptions(rollouts: RolloutRef[], namespace: string): ComboboxOption[] {
  const qualified = namespace.trim() === '' || namespace.includes('$') || namespace.includes(',');
  return rollouts.map((r) => ({
    label: qualified ? `${r.namespace}/${r.name}` : r.name,
    value: qualified ? `${r.namespace}/${r.name}` : r.name,
    description: [r.status, r.strategy].filter(Boolean).join(' · '),
  }));
}

/**
 * The namespace and rollout fields after a rollout is picked: with no namespace chosen,
 * a namespace/name value sets both fields (the query then names one rollout exactly);
 * otherwise only the rollout changes.
 */
export function pickRollout(namespace: string, value: string): { namespace: string; rollout: string } {
  const own = namespaceOfRollout(value);
  if (namespace.trim() === '' && own && !value.includes('$')) {
    return { namespace: own, rollout: value.slice(value.indexOf('/') + 1).trim() };
  }
  return { namespace, rollout: value };
}

export function RolloutPicker({ datasource, value, onChange, namespace }: PickerProps & { namespace: string }) {
  const fetch = useCallback(
    async () => rolloutOptions(await datasource.getRollouts(namespace), namespace),
    [datasource, namespace]
  );
  const options = useLoader(datasource, fetch);
  return (
    <Combobox
      id="canarylens-rollout"
      aria-label="Rollout"
      width={28}
      placeholder="Choose a rollout"
      createCustomValue
      isClearable
      options={options}
      value={asOption(value)}
      onChange={(o) => onChange(o?.value ?? '')}
    />
  );
}

const ROLE_REVISIONS: ComboboxOption[] = [
  { label: 'canary', value: 'canary', description: 'The revision being rolled out' },
  { label: 'stable', value: 'stable', description: 'The revision serving before the rollout' },
];

export function RevisionPicker({
  datasource,
  value,
  onChange,
  namespace,
  rollout,
}: PickerProps & { namespace: string; rollout: string }) {
  const fetch = useCallback(async () => {
    const revisions = rollout ? await datasource.getRevisions(namespace, rollout) : [];
    return [
      ...ROLE_REVISIONS,
      ...revisions.map((r) => ({
        label: r.revision,
        value: r.revision,
        description: [r.role, r.image].filter(Boolean).join(' · '),
      })),
    ];
  }, [datasource, namespace, rollout]);
  const options = useLoader(datasource, fetch);
  return (
    <Combobox
      id="canarylens-revision"
      aria-label="Revision"
      width={20}
      createCustomValue
      options={options}
      value={asOption(value)}
      onChange={(o) => onChange(o.value)}
    />
  );
}
