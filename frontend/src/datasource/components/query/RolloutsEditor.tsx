// Editor of the `rollouts` query: every rollout of a namespace, filtered.
import { Combobox, InlineField, InlineFieldRow, Input } from '@grafana/ui';

import type { TypeEditorProps } from './editorProps';
import { RolloutTarget } from './RolloutTarget';

const STATUSES = ['Healthy', 'Progressing', 'Paused', 'Degraded'].map((s) => ({ label: s, value: s }));

export function RolloutsEditor(props: TypeEditorProps) {
  const { query, onChange, onEdit, onRunQuery } = props;
  return (
    <InlineFieldRow>
      <RolloutTarget {...props} rolloutRequired={false} />
      <InlineField label="Label selector" labelWidth={16} tooltip="Kubernetes label selector, such as app=checkout">
        <Input
          id="canarylens-label-selector"
          width={24}
          placeholder="app=checkout"
          value={query.labelSelector ?? ''}
          onChange={(e) => onEdit({ ...query, labelSelector: e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineField label="Status" labelWidth={10}>
        <Combobox
          id="canarylens-status"
          aria-label="Status"
          width={18}
          placeholder="Any"
          isClearable
          createCustomValue
          options={STATUSES}
          value={query.status ? query.status : null}
          onChange={(o) => onChange({ ...query, status: o?.value ?? '' })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}
