// The query editor is a router: a select over the query types (narrow enough for Explore's
// split view and the alert rule editor), one editor per type, and a raw JSON view.
import { type ComponentType, useState } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, InlineSwitch, Stack, Text } from '@grafana/ui';

import type { CanaryLensDataSource } from '../datasource';
import {
  type CanaryLensOptions,
  type CanaryLensQuery,
  DEFAULT_QUERY_TYPE,
  isQueryType,
  QUERY_TYPE_INFO,
  QUERY_TYPES,
  type QueryType,
  withQueryType,
} from '../types';
import { CanaryMetricsEditor } from './query/CanaryMetricsEditor';
import type { TypeEditorProps } from './query/editorProps';
import { RawQueryEditor } from './query/RawQueryEditor';
import { RolloutScopedEditor } from './query/RolloutScopedEditor';
import { RolloutsEditor } from './query/RolloutsEditor';
import { TracesEditor } from './query/TracesEditor';

export type Props = QueryEditorProps<CanaryLensDataSource, CanaryLensQuery, CanaryLensOptions>;

/** The editor component of each query type. */
export const EDITORS: Record<QueryType, ComponentType<TypeEditorProps>> = {
  rollouts: RolloutsEditor,
  rollout: RolloutScopedEditor,
  steps: RolloutScopedEditor,
  analysis: RolloutScopedEditor,
  canaryMetrics: CanaryMetricsEditor,
  trafficSplit: RolloutScopedEditor,
  traces: TracesEditor,
  verdict: RolloutScopedEditor,
  events: RolloutScopedEditor,
};

const TYPE_OPTIONS = QUERY_TYPES.map((value) => ({
  value,
  label: QUERY_TYPE_INFO[value].label,
  description: QUERY_TYPE_INFO[value].description,
}));

export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const [raw, setRaw] = useState(false);
  const queryType = isQueryType(query.queryType) ? query.queryType : DEFAULT_QUERY_TYPE;
  const Editor = EDITORS[queryType];
  const change = (next: CanaryLensQuery) => {
    onChange(next);
    onRunQuery();
  };
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        <InlineField label="Query type" labelWidth={12}>
          <Combobox<QueryType>
            id={`canarylens-query-type-${query.refId}`}
            aria-label="Query type"
            width={20}
            options={TYPE_OPTIONS}
            value={queryType}
            onChange={(o) => o.value !== queryType && change(withQueryType(query, o.value))}
          />
        </InlineField>
        <InlineField label="Raw JSON" labelWidth={11}>
          <InlineSwitch id={`canarylens-raw-toggle-${query.refId}`} value={raw} onChange={() => setRaw(!raw)} />
        </InlineField>
      </Stack>
      <Text color="secondary" variant="bodySmall">
        {QUERY_TYPE_INFO[queryType].description}
      </Text>
      {raw ? (
        <RawQueryEditor key={JSON.stringify(query)} query={query} onChange={change} />
      ) : (
        <Editor
          datasource={datasource}
          query={{ ...query, queryType }}
          onChange={change}
          onEdit={onChange}
          onRunQuery={onRunQuery}
        />
      )}
    </Stack>
  );
}
