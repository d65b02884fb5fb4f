// Checks dist/ is what Grafana loads: every plugin.json the app includes exists with the
// right id and type, placeholders are stamped, logos exist, and each module.js is an AMD
// module whose dependencies are only libraries Grafana provides. Runs after `npm run build`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { externals } from '../webpack.config.mjs';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const problems = [];
const expect = (ok, message) => ok || problems.push(message);

function isExternal(dep) {
  return externals.some((e) =>
    typeof e === 'string' ? e === dep : e instanceof RegExp ? e.test(dep) : Object.values(e).includes(dep)
  );
}

function checkPlugin(dir, type, id) {
  const file = path.join(dist, dir, 'plugin.json');
  if (!fs.existsSync(file)) {
    problems.push(`${path.join(dir, 'plugin.json')} is missing`);
    return undefined;
  }
  const text = fs.readFileSync(file, 'utf8');
  const json = JSON.parse(text);
  expect(json.type === type, `${dir || '.'}: type ${json.type}, expected ${type}`);
  expect(json.id === id, `${dir || '.'}: id ${json.id}, expected ${id}`);
  expect(!/%VERSION%|%TODAY%/.test(text), `${dir || '.'}: plugin.json still has %VERSION% or %TODAY%`);
  for (const logo of new Set(Object.values(json.info?.logos ?? {}))) {
    expect(fs.existsSync(path.join(dist, dir, logo)), `${dir || '.'}: logo ${logo} is missing`);
  }
  const module = path.join(dist, dir, 'module.js');
  if (!fs.existsSync(module)) {
    problems.push(`${path.join(dir, 'module.js')} is missing`);
    return json;
  }
  const head = fs.readFileSync(module, 'utf8').slice(0, 2000);
  const amd = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*define\((\[[^\]]*\])/.exec(head);
  if (!amd) {
    problems.push(`${dir || '.'}: module.js is not an AMD module`);
  } else {
    for (const dep of JSON.parse(amd[1])) {
      expect(isExternal(dep), `${dir || '.'}: module.js depends on ${dep}, which Grafana does not provide`);
    }
  }
  return json;
}

const app = checkPlugin('', 'app', 'canarylens-app');
const expected = { datasource: 'canarylens-rollouts-datasource', panel: 'canarylens-canary-panel' };
for (const include of app?.includes ?? []) {
  const dir = path.dirname(include.path);
  const child = checkPlugin(dir, include.type, expected[include.type]);
  expect(include.path === `${dir}/plugin.json`, `include path ${include.path} is not <dir>/plugin.json`);
  if (child && include.type === 'datasource') {
    expect(child.backend === true && typeof child.executable === 'string', 'datasource: backend executable not declared');
  }
}
expect(
  (app?.includes ?? []).map((i) => i.type).sort().join() === 'datasource,panel',
  'the app must include exactly one datasource and one panel'
);
for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
  expect(fs.existsSync(path.join(dist, file)) && fs.statSync(path.join(dist, file)).isFile(), `${file} is missing`);
}

if (problems.length > 0) {
  console.error(`dist/ is not a loadable plugin:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dist/: app, datasource and panel plugin.json, AMD modules and assets check out');
