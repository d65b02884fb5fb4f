// Editor of the query types that only name one rollout: rollout, steps, analysis,
// trafficSplit, verdict, events.
import { InlineFieldRow } from '@grafana/ui';

import type { TypeEditorProps } from './editorProps';
import { RolloutTarget } from './RolloutTarget';

export function RolloutScopedEditor(props: TypeEditorProps) {
  return (
    <InlineFieldRow>
      <RolloutTarget {...props} rolloutRequired={props.query.queryType !== 'events'} />
    </InlineFieldRow>
  );
}
