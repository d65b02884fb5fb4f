// Editor of the `traces` query: one revision's traces, optionally only errors or slow ones.
import { InlineField, InlineFieldRow, InlineSwitch, Input } from '@grafana/ui';

import type { TypeEditorProps } from './editorProps';
import { RevisionPicker } from './pickers';
import { RolloutTarget } from './RolloutTarget';

const DURATION = /^\s*$|^\s*\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h)\s*$/;

export function TracesEditor(props: TypeEditorProps) {
  const { datasource, query, onChange, onEdit, onRunQuery } = props;
  const minDuration = query.minDuration ?? '';
  const limit = query.limit;
  return (
    <>
      <InlineFieldRow>
        <RolloutTarget {...props} rolloutRequired />
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Revision" labelWidth={14}>
          <RevisionPicker
            datasource={datasource}
            namespace={query.namespace ?? ''}
            rollout={query.rollout ?? ''}
            value={query.revision ?? 'canary'}
            onChange={(v) => onChange({ ...query, revision: v })}
          />
        </InlineField>
        <InlineField label="Errors only" labelWidth={13}>
          <InlineSwitch
            id="canarylens-errors-only"
            value={Boolean(query.errorsOnly)}
            onChange={(e) => onChange({ ...query, errorsOnly: e.currentTarget.checked })}
          />
        </InlineField>
        <InlineField
          label="Min duration"
          labelWidth={14}
          invalid={!DURATION.test(minDuration) && !minDuration.includes('$')}
          error="A duration such as 500ms or 2s"
        >
          <Input
            id="canarylens-min-duration"
            width={12}
            placeholder="500ms"
            value={minDuration}
            onChange={(e) => onEdit({ ...query, minDuration: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField label="Limit" labelWidth={8} invalid={limit !== undefined && !(limit > 0)} error="A positive number">
          <Input
            id="canarylens-limit"
            type="number"
            width={10}
            min={1}
            value={limit ?? ''}
            onChange={(e) => {
              const text = e.currentTarget.value.trim();
              onEdit({ ...query, limit: text === '' ? undefined : Number(text) });
            }}
            onBlur={onRunQuery}
          />
        </InlineField>
      </InlineFieldRow>
    </>
  );
}
