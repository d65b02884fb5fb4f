// Props shared by the per-query-type editors.
import type { CanaryLensDataSource } from '../../datasource';
import type { CanaryLensQuery } from '../../types';

export interface TypeEditorProps {
  datasource: CanaryLensDataSource;
  query: CanaryLensQuery;
  /** Changes the query and runs it. */
  onChange: (query: CanaryLensQuery) => void;
  /** Changes the query without running it (typing in a text field). */
  onEdit: (query: CanaryLensQuery) => void;
  onRunQuery: () => void;
}
