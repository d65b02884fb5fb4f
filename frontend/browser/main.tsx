// The browser test page. URL parameters choose what is mounted:
//   view=panel&scenario=<name>&w=600&h=400 | view=config | view=query, and theme=light|dark.
// Panel options: `options=<JSON>` (merged over the defaults); the dashboard's time range:
// `from=now-6h` (raw, `to` is now). The panel gets its frames as Grafana hands them over:
// with the field config applied and a replaceVariables that knows the data link macros.
// Panel scenarios are real (frames the plugin binary produced, see realScenarios.ts) unless
// `frames=handmade` picks one of scenarios.ts (hand-made frames, or no frames at all).
import { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { css } from '@emotion/css';
import {
  createTheme,
  type DataSourceInstanceSettings,
  type DataSourceSettings,
  dateTime,
  type FieldConfigSource,
  type PanelProps,
  ThemeContext,
} from '@grafana/data';
import { type DataSourceSrv, setDataSourceSrv, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';

import { ConfigEditor } from '../src/datasource/components/ConfigEditor';
import { QueryEditor } from '../src/datasource/components/QueryEditor';
import { VariableQueryEditor } from '../src/datasource/components/VariableQueryEditor';
import type { CanaryLensDataSource } from '../src/datasource/datasource';
import type { CanaryLensOptions, CanaryLensQuery, CanaryLensSecureJsonData } from '../src/datasource/types';
import type { CanaryLensVariableQuery } from '../src/datasource/variableQuery';
import { CanaryPanel } from '../src/panel/CanaryPanel';
import { plugin } from '../src/panel/module';
import { type CanaryPanelOptions, DEFAULT_OPTIONS } from '../src/panel/types';
import { interpolator, withFieldConfig } from './grafanaPanel';
import { loadRealScenario } from './realScenarios';
import { panelData, type Scenario, SCENARIOS } from './scenarios';

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'light' ? 'light' : 'dark';
const theme = createTheme({ colors: { mode } });

const tempo = {
  uid: 'tempo-uid',
  name: 'Tempo',
  type: 'tempo',
  id: 2,
  access: 'proxy',
  readOnly: false,
  jsonData: {},
  meta: { id: 'tempo', name: 'Tempo', type: 'datasource', info: { logos: { small: '' } }, tracing: true },
} as unknown as DataSourceInstanceSettings;

setDataSourceSrv({
  getList: () => [tempo],
  getInstanceSettings: (ref: unknown) =>
    ref === 'tempo-uid' || (ref as { uid?: string } | null)?.uid === 'tempo-uid' ? tempo : undefined,
  get: async () => {
    throw new Error('no datasources on the test page');
  },
  reload: async () => {},
  registerRuntimeDataSource: () => {},
} as unknown as DataSourceSrv);

setTemplateSrv({
  replace: (s?: string) => s ?? '',
  getVariables: () => [{ name: 'namespace' }, { name: 'rollout' }],
  containsTemplate: () => false,
  updateTimeRange: () => {},
} as unknown as TemplateSrv);

type Loaded = { scenario: Scenario } | { error: string } | undefined;

/** The scenario named in the URL: real frames fetched from real-frames/, or hand-made ones. */
function useScenario(): Loaded {
  const name = params.get('scenario') ?? 'canary';
  const handmade = params.get('frames') === 'handmade';
  const [loaded, setLoaded] = useState<Loaded>(() => {
    if (!handmade) {
      return undefined;
    }
    const s = SCENARIOS[name];
    return s ? { scenario: s } : { error: `no hand-made scenario "${name}"` };
  });
  useEffect(() => {
    if (handmade) {
      return;
    }
    loadRealScenario(name)
      .then((s) => setLoaded(s ? { scenario: s } : { error: `no real scenario "${name}"` }))
      .catch((e: unknown) => setLoaded({ error: e instanceof Error ? e.message : String(e) }));
  }, [name, handmade]);
  return loaded;
}

function Panel({ scenario }: { scenario: Scenario }) {
  const width = Number(params.get('w') ?? 600);
  const height = Number(params.get('h') ?? 400);
  const options: CanaryPanelOptions = {
    ...DEFAULT_OPTIONS,
    compact: params.get('compact') === '1',
    ...(JSON.parse(params.get('options') ?? '{}') as Partial<CanaryPanelOptions>),
  };
  const fieldConfig: FieldConfigSource = useMemo(() => plugin.fieldConfigDefaults, []);
  const raw = useMemo(() => panelData(scenario), [scenario]);
  const from = params.get('from');
  const timeRange = useMemo(
    () =>
      from
        ? { from: dateTime(raw.timeRange.to.valueOf() - 6 * 3600_000), to: raw.timeRange.to, raw: { from, to: 'now' } }
        : raw.timeRange,
    [raw, from]
  );
  const replaceVariables = useMemo(() => interpolator(timeRange, { namespace: 'jesse-test', rollout: 'canary-demo' }), [timeRange]);
  const data = useMemo(
    () => withFieldConfig({ ...raw, timeRange }, fieldConfig, replaceVariables, theme),
    [raw, timeRange, fieldConfig, replaceVariables]
  );
  const pad = 8;
  const header = 32;
  const props = {
    id: 1,
    data,
    timeRange: data.timeRange,
    timeZone: 'utc',
    options,
    fieldConfig,
    transparent: false,
    width: width - 2 * pad,
    height: height - header - pad,
    renderCounter: 0,
    title: 'Canary',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    replaceVariables,
  } as unknown as PanelProps<CanaryPanelOptions>;
  return (
    <div
      className={css({
        width,
        height,
        background: theme.colors.background.primary,
        border: `1px solid ${theme.colors.border.weak}`,
        borderRadius: theme.shape.radius.default,
        boxSizing: 'border-box',
        overflow: 'hidden',
      })}
      data-testid="panel-chrome"
    >
      <div className={css({ height: header, padding: `6px ${pad}px`, fontWeight: 500, boxSizing: 'border-box' })}>
        {scenario.description}
      </div>
      <div className={css({ padding: `0 ${pad}px ${pad}px` })}>
        <CanaryPanel {...props} />
      </div>
    </div>
  );
}

type Settings = DataSourceSettings<CanaryLensOptions, CanaryLensSecureJsonData>;

function Config() {
  const [options, setOptions] = useSettings();
  return <ConfigEditor options={options} onOptionsChange={setOptions} />;
}

function useSettings(): [Settings, (s: Settings) => void] {
  const initial = useMemo(
    () =>
      ({
        id: 1,
        uid: 'canary',
        orgId: 1,
        name: 'Canary Lens',
        type: 'canarylens-rollouts-datasource',
        typeName: 'Canary Lens',
        typeLogoUrl: '',
        access: 'proxy',
        url: '',
        user: '',
        basicAuth: false,
        basicAuthUser: '',
        isDefault: false,
        withCredentials: false,
        readOnly: false,
        jsonData: {
          kubeMode: 'url',
          kubeUrl: 'https://kubernetes.example.com:6443',
          namespaces: ['demo', 'shop'],
          prometheusUrl: 'http://prometheus.monitoring:9090',
          prometheusAuth: 'bearer',
          tempoUrl: 'http://tempo.monitoring:3200',
          tempoDatasourceUid: 'tempo-uid',
          metricPreset: 'custom',
          requestsTemplate: 'sum(rate(http_requests_total{$__revision}[$__rate_interval]))',
          verdictMarginalThreshold: 95,
        },
        secureJsonFields: { kubeToken: true, prometheusToken: true },
        secureJsonData: {},
      }) as unknown as Settings,
    []
  );
  return useState(initial);
}

const fakeDatasource = {
  getNamespaces: async () => ['demo', 'shop'],
  getRollouts: async () => [{ namespace: 'demo', name: 'rollouts-demo', status: 'Paused', strategy: 'Canary' }],
  getRevisions: async () => [{ revision: '31', role: 'canary', image: 'argoproj/rollouts-demo:green' }],
  variableNames: () => ['$namespace', '$rollout'],
} as unknown as CanaryLensDataSource;

function Query() {
  const [queries, setQueries] = useState<CanaryLensQuery[]>([
    { refId: 'A', queryType: 'rollouts', namespace: 'demo', rollout: '', labelSelector: 'app=rollouts-demo', status: '' },
    { refId: 'B', queryType: 'traces', namespace: 'demo', rollout: 'rollouts-demo', revision: 'canary', errorsOnly: true, minDuration: '500ms', limit: 20 },
    { refId: 'C', queryType: 'canaryMetrics', namespace: '$namespace', rollout: '', metrics: ['requestRate', 'errorRatio', 'latency'], quantiles: [0.5, 0.99], exemplars: true },
  ]);
  const [variable, setVariable] = useState<CanaryLensVariableQuery>({ refId: 'variable', queryType: 'revisions', namespace: '$namespace', rollout: '$rollout' });
  return (
    <div className={css({ display: 'flex', flexDirection: 'column', gap: 16 })}>
      {queries.map((q, i) => (
        <div key={q.refId} data-testid={`query-${q.refId}`} className={css({ padding: 8, border: `1px solid ${theme.colors.border.weak}`, background: theme.colors.background.primary })}>
          <div className={css({ fontWeight: 500, marginBottom: 8 })}>{q.refId}</div>
          <QueryEditor
            datasource={fakeDatasource}
            query={q}
            onChange={(next) => setQueries(queries.map((old, j) => (j === i ? next : old)))}
            onRunQuery={() => {}}
          />
        </div>
      ))}
      <div data-testid="variable-query" className={css({ padding: 8, border: `1px solid ${theme.colors.border.weak}`, background: theme.colors.background.primary })}>
        <div className={css({ fontWeight: 500, marginBottom: 8 })}>Variable query type</div>
        <VariableQueryEditor datasource={fakeDatasource} query={variable} onChange={setVariable} onRunQuery={() => {}} />
      </div>
    </div>
  );
}

function PanelView() {
  const loaded = useScenario();
  if (loaded === undefined) {
    return null;
  }
  if ('error' in loaded) {
    return (
      <div data-testid="load-error" data-ready="1">
        Cannot load the scenario: {loaded.error}
      </div>
    );
  }
  return (
    <div data-ready="1">
      <Panel scenario={loaded.scenario} />
    </div>
  );
}

function Page() {
  const view = params.get('view') ?? 'panel';
  const page = css({ padding: 16, background: theme.colors.background.canvas, minHeight: '100vh', boxSizing: 'border-box' });
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div className={page}>
        {view === 'config' ? (
          <div data-ready="1">
            <Config />
          </div>
        ) : view === 'query' ? (
          <div data-ready="1">
            <Query />
          </div>
        ) : (
          <PanelView />
        )}
      </div>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Page />);
