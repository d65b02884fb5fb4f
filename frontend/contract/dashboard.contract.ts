// The dashboard contract: every variable, panel target and annotation of
// provisioning/dashboards/*.json that uses the Canary Lens datasource goes through the
// datasource's own frontend code, as Grafana calls it, and over Grafana's HTTP API to the
// plugin binary; each must answer without error and with data. Run by
// `cargo test --test dashboard_contract`, which starts the plugin against a fake cluster,
// serves the API on 127.0.0.1 and sets:
//   CANARY_LENS_GRAFANA_URL      the API's base URL (without it this file is skipped)
//   CANARY_LENS_DATASOURCES      JSON [{id, uid, name, type, isDefault}] of the datasource
//   CANARY_LENS_DASHBOARDS       the folder of dashboard JSON files
//   CANARY_LENS_CONTRACT_REPORT  where to write what ran (JSON)
import fs from 'node:fs';
import path from 'node:path';

import { type DataSourceApi, type DataSourceInstanceSettings, type DataSourcePluginMeta, PluginType } from '@grafana/data';
import { setBackendSrv, setDataSourceSrv, setTemplateSrv } from '@grafana/runtime';
import { afterAll, describe, expect, it } from 'vitest';

import { plugin } from '../src/datasource/module';
import type { CanaryLensOptions } from '../src/datasource/types';

import { type ContractDatasource, type ContractEntry, type DashboardJson, dashboardRange, resolveVariables, runDashboard } from './dashboard';
import { httpBackendSrv, instantiate, staticDataSourceSrv } from './services';
import { ContractTemplateSrv } from './templateSrv';

const root = path.resolve(import.meta.dirname, '../..');
const grafanaUrl = process.env.CANARY_LENS_GRAFANA_URL;
const dashboardsDir = process.env.CANARY_LENS_DASHBOARDS ?? path.join(root, 'provisioning/dashboards');
const reportPath = process.env.CANARY_LENS_CONTRACT_REPORT;

interface DatasourceRow {
  id: number;
  uid: string;
  name: string;
  type: string;
  isDefault?: boolean;
}

function datasourceRows(type: string): DatasourceRow[] {
  const raw = process.env.CANARY_LENS_DATASOURCES;
  return raw ? (JSON.parse(raw) as DatasourceRow[]) : [{ id: 1, uid: 'canarylens', name: 'Canary Lens', type, isDefault: true }];
}

/** Builds the datasource as Grafana does: settings with the plugin's meta, then the plugin's class. */
function setUp(): { ds: ContractDatasource; templateSrv: ContractTemplateSrv } {
  const pluginJson = JSON.parse(fs.readFileSync(path.join(root, 'plugin.json'), 'utf8')) as DataSourcePluginMeta;
  const meta = { ...pluginJson, type: PluginType.datasource, module: 'plugins/canarylens-app/datasource/module', baseUrl: '' };
  const rows = datasourceRows(pluginJson.id);
  const entries = rows.map((row) => {
    // id, uid, name, type and isDefault as Grafana's settings list has them.
    const settings = {
      ...row,
      isDefault: row.isDefault ?? false,
      access: 'proxy',
      readOnly: false,
      jsonData: {},
      meta,
    } as DataSourceInstanceSettings<CanaryLensOptions>;
    // Grafana's DataSourceSrv holds every instance as a plain DataSourceApi.
    const api = instantiate(plugin, settings) as unknown as DataSourceApi;
    return { settings: settings as DataSourceInstanceSettings, api };
  });
  const templateSrv = new ContractTemplateSrv();
  setTemplateSrv(templateSrv);
  setBackendSrv(httpBackendSrv(grafanaUrl ?? 'http://127.0.0.1:9'));
  setDataSourceSrv(staticDataSourceSrv(entries));
  const first = entries[0];
  return {
    ds: {
      api: first.api,
      uids: entries.map((e) => e.settings.uid),
      names: entries.map((e) => e.settings.name),
      type: pluginJson.id,
      isDefault: entries.some((e) => e.settings.isDefault),
    },
    templateSrv,
  };
}

const dashboardFiles = fs
  .readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const load = (file: string) => JSON.parse(fs.readFileSync(path.join(dashboardsDir, file), 'utf8')) as DashboardJson;

const report: { dashboards: string[]; entries: ContractEntry[]; negative: ContractEntry[] } = {
  dashboards: dashboardFiles,
  entries: [],
  negative: [],
};

const describeIf = grafanaUrl ? describe : describe.skip;

describeIf('dashboard contract', () => {
  const { ds, templateSrv } = setUp();
  const width = window.innerWidth || 1024;

  afterAll(() => {
    if (reportPath) {
      fs.writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
    }
  });

  it('has dashboards to check', () => {
    expect(dashboardFiles.length).toBeGreaterThan(0);
  });

  it.each(dashboardFiles)('every query of %s answers without error and with data', async (file) => {
    const entries = await runDashboard(file, load(file), ds, templateSrv, width);
    report.entries.push(...entries);
    const ran = entries.filter((e) => e.status !== 'skipped');
    expect(ran.length).toBeGreaterThan(0);
    const failed = ran.filter((e) => e.status !== 'ok').map((e) => `${e.kind} ${e.id} (${e.queryType}): ${e.error}`);
    expect(failed).toEqual([]);
  });

  it('fails a dashboard whose variable query has an unknown type', async () => {
    const file = dashboardFiles[0];
    const broken = structuredClone(load(file));
    const variable = broken.templating?.list?.find((v) => v.type === 'query' && typeof v.query === 'object');
    expect(variable, `${file} has no query variable of this datasource`).toBeDefined();
    variable!.query = { ...(variable!.query as object), queryType: 'noSuchVariableType' };
    const entries = await resolveVariables(`${file} (broken copy)`, broken, ds, templateSrv, dashboardRange(broken));
    const entry = entries.find((e) => e.id === variable!.name)!;
    report.negative.push(entry);
    expect(entry.status).toBe('error');
    expect(entry.error).toContain('noSuchVariableType');
  });
});
