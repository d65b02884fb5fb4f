// The annotation editor: rollout events of one namespace (and optionally one rollout).
import type { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';

import type { CanaryLensDataSource } from '../datasource';
import type { CanaryLensOptions, CanaryLensQuery } from '../types';
import { RolloutTarget } from './query/RolloutTarget';

type Props = QueryEditorProps<CanaryLensDataSource, CanaryLensQuery, CanaryLensOptions> & {
  annotation?: AnnotationQuery<CanaryLensQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<CanaryLensQuery>) => void;
};

export function EventsAnnotationEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const events: CanaryLensQuery = { ...query, queryType: 'events' };
  return (
    <InlineFieldRow>
      <RolloutTarget
        datasource={datasource}
        query={events}
        onChange={(q) => {
          onChange(q);
          onRunQuery();
        }}
        onEdit={onChange}
        onRunQuery={onRunQuery}
        rolloutRequired={false}
      />
    </InlineFieldRow>
  );
}
