// Wiring of the Canary Lens app: it ships the datasource and the panel and has one page.
import { AppPlugin } from '@grafana/data';

import { AppPage } from './app/AppPage';

export const plugin = new AppPlugin<{}>().setRootPage(AppPage);
