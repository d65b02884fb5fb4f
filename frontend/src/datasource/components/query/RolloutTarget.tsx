// The namespace + rollout pair that most query types start with. A rollout picked under
// all namespaces brings its namespace along.
import { InlineField } from '@grafana/ui';

import type { TypeEditorProps } from './editorProps';
import { NamespacePicker, pickRollout, RolloutPicker } from './pickers';

export function RolloutTarget({ datasource, query, onChange, rolloutRequired }: TypeEditorProps & { rolloutRequired: boolean }) {
  const namespace = query.namespace ?? '';
  const rollout = query.rollout ?? '';
  return (
    <>
      <InlineField label="Namespace" labelWidth={14}>
        <NamespacePicker datasource={datasource} value={namespace} onChange={(v) => onChange({ ...query, namespace: v })} />
      </InlineField>
      <InlineField
        label="Rollout"
        labelWidth={12}
        invalid={rolloutRequired && rollout === ''}
        error="Choose a rollout"
        tooltip={rolloutRequired ? 'Required for this query type' : 'Optional filter'}
      >
        <RolloutPicker
          datasource={datasource}
          namespace={namespace}
          value={rollout}
          onChange={(v) => onChange({ ...query, ...pickRollout(namespace, v) })}
        />
      </InlineField>
    </>
  );
}
