// The editor of a query variable: what to list (namespaces, rollouts of a namespace,
// revisions of a rollout) and of what. Grafana hands it the variable's stored query as is
// (public/app/features/dashboard-scene/settings/variables/components/QueryEditor.tsx):
// a string in dashboards saved before variables were objects, migrated here and stored
// back as the object form.
import { useEffect, useMemo } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Alert, Combobox, InlineField, InlineFieldRow, Stack, Text } from '@grafana/ui';

import type { CanaryLensDataSource } from '../datasource';
import type { CanaryLensOptions, CanaryLensQuery } from '../types';
import {
  type CanaryLensVariableQuery,
  DEFAULT_VARIABLE_QUERY,
  migrateVariableQuery,
  VARIABLE_QUERY_INFO,
  VARIABLE_QUERY_TYPES,
  type VariableQueryType,
} from '../variableQuery';
import { NamespacePicker, RolloutPicker } from './query/pickers';

export type VariableEditorProps = QueryEditorProps<
  CanaryLensDataSource,
  CanaryLensQuery,
  CanaryLensOptions,
  CanaryLensVariableQuery
>;

const TYPE_OPTIONS = VARIABLE_QUERY_TYPES.map((value) => ({
  value,
  label: VARIABLE_QUERY_INFO[value].label,
  description: VARIABLE_QUERY_INFO[value].description,
}));

/** The query switched to another type, keeping the namespace and rollout that still apply. */
export function withVariableType(query: CanaryLensVariableQuery, queryType: VariableQueryType): CanaryLensVariableQuery {
  return migrateVariableQuery({ ...query, queryType });
}

export function VariableQueryEditor({ datasource, query: stored, onChange }: VariableEditorProps) {
  const { query, problem } = useMemo(() => {
    try {
      return { query: migrateVariableQuery(stored), problem: undefined };
    } catch (err) {
      return { query: { ...DEFAULT_VARIABLE_QUERY }, problem: err instanceof Error ? err.message : String(err) };
    }
  }, [stored]);
  const legacy = typeof (stored as unknown) === 'string' && problem === undefined;
  // A text query of an older dashboard is stored back as the object it means.
  useEffect(() => {
    if (legacy) {
      onChange(query);
    }
  }, [legacy, query, onChange]);

  const namespace = query.namespace ?? '';
  const rollout = query.rollout ?? '';
  return (
    <Stack direction="column" gap={1}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14}>
          <Combobox<VariableQueryType>
            id="canarylens-variable-type"
            aria-label="Variable query type"
            width={20}
            options={TYPE_OPTIONS}
            value={query.queryType}
            onChange={(o) => onChange(withVariableType(query, o.value))}
          />
        </InlineField>
        {query.queryType !== 'namespaces' && (
          <InlineField
            label="Namespace"
            labelWidth={12}
            tooltip={
              query.queryType === 'rolloutNames'
                ? 'One namespace, a list or a variable (multi-value and All allowed); empty: all namespaces'
                : 'The rollout’s namespace (not needed when the rollout is namespace/name)'
            }
          >
            <NamespacePicker datasource={datasource} value={namespace} onChange={(v) => onChange({ ...query, namespace: v })} />
          </InlineField>
        )}
        {query.queryType === 'revisions' && (
          <InlineField label="Rollout" labelWidth={10} invalid={rollout === ''} error="Choose a rollout">
            <RolloutPicker
              datasource={datasource}
              namespace={namespace}
              value={rollout}
              onChange={(v) => onChange({ ...query, rollout: v })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <Text color="secondary" variant="bodySmall">
        {VARIABLE_QUERY_INFO[query.queryType].description}
      </Text>
      {problem && (
        <Alert severity="warning" title="This variable's query cannot be read">
          {problem}. Choose a query type to replace it.
        </Alert>
      )}
    </Stack>
  );
}
