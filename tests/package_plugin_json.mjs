// Checks every plugin.json of an unpacked Canary Lens archive against the rules of
// Grafana's plugin.json schema (docs/sources/developers/plugins/plugin.schema.json in
// Grafana's repository, draft-07) and of the plugin validator's `metadatavalid` and
// nesting checks. No registry package ships that schema (the npm plugin-validator
// downloads a Go binary at run time), so its rules are written out here by hand:
// required keys, allowed keys (additionalProperties: false), types, enums and patterns.
//
//   node tests/package_plugin_json.mjs <unpacked canarylens-app folder>
// Prints one line per check and `N passed, M failed`; exits 1 on any failure.
import fs from 'node:fs';
import path from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/package_plugin_json.mjs <plugin folder>');
  process.exit(2);
}

const ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/;
const TYPES = ['app', 'datasource', 'panel', 'renderer', 'secretsmanager', 'transformer'];
const INCLUDE_TYPES = ['dashboard', 'page', 'panel', 'datasource', 'secretsmanager'];
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)/;
const UPDATED = /^\d{4}-\d{2}-\d{2}$/;
const GRAFANA_DEPENDENCY =
  /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/;
const TOP_LEVEL = {
  $schema: 'string',
  alerting: 'boolean',
  annotations: 'boolean',
  autoEnabled: 'boolean',
  backend: 'boolean',
  builtIn: 'boolean',
  category: 'string',
  dependencies: 'object',
  enterpriseFeatures: 'object',
  executable: 'string',
  hideFromList: 'boolean',
  id: 'string',
  includes: 'array',
  info: 'object',
  logs: 'boolean',
  metrics: 'boolean',
  name: 'string',
  pascalName: 'string',
  preload: 'boolean',
  queryOptions: 'object',
  routes: 'array',
  skipDataQuery: 'boolean',
  state: 'string',
  streaming: 'boolean',
  tracing: 'boolean',
  type: 'string',
};
const INFO = {
  author: 'object',
  build: 'object',
  description: 'string',
  keywords: 'array',
  links: 'array',
  logos: 'object',
  screenshots: 'array',
  updated: 'string',
  version: 'string',
};
const INCLUDE = {
  uid: 'string',
  type: 'string',
  name: 'string',
  component: 'string',
  role: 'string',
  path: 'string',
  addToNav: 'boolean',
  defaultNav: 'boolean',
  icon: 'string',
};

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log(`ok    ${what}`);
  } else {
    failed++;
    console.log(`FAIL  ${what}`);
  }
}

const kind = (v) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Keys must be known and of the right JSON type; required keys present. */
function shape(obj, allowed, required, where) {
  check(kind(obj) === 'object', `${where} is an object`);
  if (kind(obj) !== 'object') {
    return;
  }
  for (const key of required) {
    check(key in obj, `${where} has required "${key}"`);
  }
  for (const [key, value] of Object.entries(obj)) {
    if (!(key in allowed)) {
      check(false, `${where} has no unknown key (found "${key}", the schema forbids additional properties)`);
    } else if (kind(value) !== allowed[key]) {
      check(false, `${where}.${key} is a ${allowed[key]} (found ${kind(value)})`);
    }
  }
}

function validate(dir) {
  const file = path.join(root, dir, 'plugin.json');
  const where = path.join(dir, 'plugin.json');
  let json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    check(false, `${where} is readable JSON (${e.message})`);
    return undefined;
  }
  shape(json, TOP_LEVEL, ['type', 'name', 'id', 'info', 'dependencies'], where);
  check(ID.test(json.id ?? ''), `${where} id "${json.id}" matches ${ID}`);
  check(TYPES.includes(json.type), `${where} type "${json.type}" is one of ${TYPES.join(', ')}`);
  check(String(json.id).endsWith(`-${json.type}`), `${where} id ends with its type`);
  const info = json.info ?? {};
  shape(info, INFO, ['logos', 'version', 'updated', 'keywords'], `${where} info`);
  check(Array.isArray(info.keywords) && info.keywords.length > 0 && info.keywords.every((k) => typeof k === 'string'),
    `${where} info.keywords is a non-empty list of strings`);
  shape(info.logos, { small: 'string', large: 'string' }, ['small', 'large'], `${where} info.logos`);
  for (const logo of new Set(Object.values(info.logos ?? {}))) {
    check(fs.existsSync(path.join(root, dir, String(logo))), `${where} logo ${logo} exists`);
    check(String(logo).endsWith('.svg'), `${where} logo ${logo} is an SVG`);
  }
  check(VERSION.test(info.version ?? ''), `${where} info.version "${info.version}" is stamped semver`);
  check(UPDATED.test(info.updated ?? ''), `${where} info.updated "${info.updated}" is a stamped date`);
  if (info.author !== undefined) {
    shape(info.author, { name: 'string', email: 'string', url: 'string' }, [], `${where} info.author`);
  }
  const deps = json.dependencies ?? {};
  shape(deps, { grafanaVersion: 'string', grafanaDependency: 'string', plugins: 'array' }, ['grafanaDependency'],
    `${where} dependencies`);
  check(GRAFANA_DEPENDENCY.test(deps.grafanaDependency ?? ''),
    `${where} dependencies.grafanaDependency "${deps.grafanaDependency}" is a version range`);
  // Validator rules beyond the schema: a backend needs an executable; alerting needs a backend.
  if (json.backend) {
    check(typeof json.executable === 'string' && json.executable.length > 0, `${where} backend names its executable`);
  }
  if (json.alerting) {
    check(json.backend === true, `${where} alerting requires backend`);
  }
  return json;
}

const app = validate('.');
check(app?.type === 'app', 'the root plugin is an app (the validator accepts nested plugins only inside an app)');
const includes = app?.includes ?? [];
const nested = includes.filter((i) => i.type === 'datasource' || i.type === 'panel');
for (const [i, include] of includes.entries()) {
  shape(include, INCLUDE, [], `plugin.json includes[${i}]`);
  check(INCLUDE_TYPES.includes(include.type), `includes[${i}] type "${include.type}" is allowed`);
}
const seen = new Set();
for (const include of nested) {
  const dir = path.dirname(include.path ?? '');
  check(/^[^/.][^/]*\/plugin\.json$/.test(include.path ?? ''), `include path "${include.path}" is <folder>/plugin.json`);
  const child = validate(dir);
  if (child) {
    check(child.type === include.type, `${include.path} type "${child.type}" matches the include's "${include.type}"`);
    check(child.info?.version === app.info?.version, `${include.path} version matches the app's`);
    seen.add(dir);
  }
}
// Every plugin.json under the root is a child Grafana will load: each must be included.
function findPluginJsons(dir, rel = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) {
      return findPluginJsons(path.join(dir, e.name), r);
    }
    return e.name === 'plugin.json' && rel !== '' ? [path.dirname(r)] : [];
  });
}
for (const dir of findPluginJsons(root)) {
  check(seen.has(dir), `${dir}/plugin.json is listed in the app's includes`);
}

console.log(`plugin.json: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
