// Grafana's frontend services, as far as a backend datasource uses them, pointed at a
// Grafana-compatible HTTP API (the contract test's bridge to the plugin binary):
//   BackendSrv.fetch     public/app/core/services/backend_srv.ts (params without empty
//                        values, JSON bodies, FetchError on status >= 400)
//   DataSourceSrv        public/app/features/plugins/datasource_srv.ts (lookup by uid, name
//                        or id; `new plugin.DataSourceClass(settings)` with the plugin's
//                        components and meta)
import { type DataSourceApi, type DataSourceInstanceSettings, type DataSourcePluginMeta, urlUtil } from '@grafana/data';
import type { DataSourceRef } from '@grafana/schema';
import type { BackendSrv, BackendSrvRequest, DataSourceSrv, FetchError, FetchResponse } from '@grafana/runtime';
import { from, type Observable } from 'rxjs';

/** The Grafana server's part of a fetch: resolves the URL against `baseUrl`. */
async function send<T>(baseUrl: string, options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const params = Object.fromEntries(
    Object.entries(options.params ?? {}).filter(
      ([, v]) => v !== undefined && !((typeof v === 'string' || Array.isArray(v)) && v.length === 0)
    )
  );
  const query = urlUtil.serializeParams(params);
  const path = query ? `${options.url}${options.url.includes('?') ? '&' : '?'}${query}` : options.url;
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { 'X-Grafana-Org-Id': '1', ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined && method !== 'GET') {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await res.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text, as backend_srv does for non-JSON bodies.
  }
  if (res.status >= 400) {
    const error: FetchError = { status: res.status, statusText: res.statusText, data, config: options };
    throw error;
  }
  return {
    data: data as T,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    redirected: res.redirected,
    type: res.type,
    url: res.url,
    config: options,
  };
}

/** A BackendSrv that sends every request to `baseUrl`. */
export function httpBackendSrv(baseUrl: string): BackendSrv {
  const fetchObservable = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> => from(send<T>(baseUrl, options));
  const call =
    (method: string) =>
    async <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> =>
      (await send<T>(baseUrl, { ...options, url, method, data })).data;
  return {
    fetch: fetchObservable,
    get: async <T>(url: string, params?: BackendSrvRequest['params'], _requestId?: string, options?: Partial<BackendSrvRequest>) =>
      (await send<T>(baseUrl, { ...options, url, params })).data,
    delete: call('DELETE'),
    post: call('POST'),
    patch: call('PATCH'),
    put: call('PUT'),
    request: async <T>(options: BackendSrvRequest) => (await send<T>(baseUrl, options)).data,
    datasourceRequest: <T>(options: BackendSrvRequest) => send<T>(baseUrl, options),
    chunked: () => {
      throw new Error('chunked requests are not part of this contract');
    },
  } as unknown as BackendSrv;
}

/** One datasource of a dashboard, built as Grafana builds it from its plugin module. */
export function instantiate<S, DS extends { meta: DataSourcePluginMeta }>(
  plugin: { DataSourceClass: new (settings: S) => DS; components: unknown },
  settings: S & { meta: DataSourcePluginMeta }
): DS {
  const instance = new plugin.DataSourceClass(settings);
  Object.assign(instance, { components: plugin.components });
  instance.meta = settings.meta;
  return instance;
}

/** A DataSourceSrv holding the given datasources. */
export function staticDataSourceSrv(entries: Array<{ settings: DataSourceInstanceSettings; api: DataSourceApi }>): DataSourceSrv {
  const find = (ref?: DataSourceRef | string | null) => {
    const key = typeof ref === 'string' ? ref : ref?.uid;
    if (key === undefined || key === null || key === 'default') {
      return entries.find((e) => e.settings.isDefault) ?? entries[0];
    }
    return entries.find((e) => e.settings.uid === key || e.settings.name === key);
  };
  return {
    get: async (ref) => {
      const found = find(ref);
      if (!found) {
        throw new Error(`Datasource ${JSON.stringify(ref)} was not found`);
      }
      return found.api;
    },
    getList: () => entries.map((e) => e.settings),
    getInstanceSettings: (ref) => find(ref)?.settings,
    reload: async () => {},
    registerRuntimeDataSource: () => {
      throw new Error('runtime datasources are not part of this contract');
    },
  };
}
