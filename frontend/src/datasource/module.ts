// Wiring of the Canary Lens datasource plugin.
import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { CanaryLensDataSource } from './datasource';
import type { CanaryLensOptions, CanaryLensQuery, CanaryLensSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<
  CanaryLensDataSource,
  CanaryLensQuery,
  CanaryLensOptions,
  CanaryLensSecureJsonData
>(CanaryLensDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
