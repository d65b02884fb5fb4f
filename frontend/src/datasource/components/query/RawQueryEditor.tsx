// The raw JSON view of a query: what is sent to the backend, editable.
import { useState } from 'react';
import { Field, TextArea } from '@grafana/ui';

import type { CanaryLensQuery } from '../../types';

/** Parses edited JSON into a query that keeps its refId; returns an error message otherwise. */
export function parseRawQuery(text: string, refId: string): CanaryLensQuery | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'The query must be a JSON object';
  }
  return { ...(parsed as CanaryLensQuery), refId };
}

export function RawQueryEditor({ query, onChange }: { query: CanaryLensQuery; onChange: (q: CanaryLensQuery) => void }) {
  const { refId, datasource: _ds, ...rest } = query;
  const [text, setText] = useState(JSON.stringify(rest, null, 2));
  const [error, setError] = useState<string | undefined>();
  return (
    <Field label="Query JSON" invalid={Boolean(error)} error={error}>
      <TextArea
        id={`canarylens-raw-${refId}`}
        aria-label="Query JSON"
        rows={Math.min(16, text.split('\n').length + 1)}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={() => {
          const result = parseRawQuery(text, refId);
          if (typeof result === 'string') {
            setError(result);
          } else {
            setError(undefined);
            onChange({ ...result, datasource: query.datasource });
          }
        }}
      />
    </Field>
  );
}
