// Checks that the frontend only imports from @grafana/ui, @grafana/data and
// @grafana/runtime names that exist in the oldest Grafana the plugin.json files declare
// (`grafanaDependency: ">=X.Y.Z"`). Grafana hands a plugin its own copies of these
// packages at run time, so a name missing from that version is `undefined` there: a
// component renders nothing or the editor crashes.
//
// It fetches the packages of that version with `npm pack` into
// target/grafana-compat/<version>/ (kept between runs), then:
//   - a value import (`import { Combobox }`) must be exported by the package's ESM entry
//     (the JavaScript Grafana runs);
//   - a type-only import (`import type { X }`, `import { type X }`) must be exported by
//     its type declarations or its ESM entry.
// Every plugin.json (the app, the datasource, the panel) must declare the same range.
//
//   node scripts/grafana-compat.mjs            check against the declared version
//   node scripts/grafana-compat.mjs 11.4.0     check against another version (exploring)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const frontend = path.resolve(here, '..');
const repoRoot = path.resolve(frontend, '..');

/** The packages Grafana provides to plugins whose names are checked. */
export const CHECKED_PACKAGES = ['@grafana/ui', '@grafana/data', '@grafana/runtime'];

/** Every plugin.json shipped: the app, the nested datasource (copied from the root) and panel. */
export const PLUGIN_JSON_FILES = ['plugin.json', 'frontend/src/plugin.json', 'frontend/src/panel/plugin.json'];

/** The minimum version of a `>=X.Y.Z` range; undefined for any other form. */
export function minimumVersion(range) {
  const match = /^\s*>=\s*(\d+\.\d+\.\d+)\s*$/.exec(range ?? '');
  return match?.[1];
}

/**
 * Names a source file imports (or re-exports) from the checked packages:
 * `[{ module, name, typeOnly }]`. A namespace import cannot be checked name by name and is
 * returned as name `*`.
 */
export function importsOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKind(fileName));
  const found = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    const isReexport = ts.isExportDeclaration(statement) && statement.moduleSpecifier;
    if (!isImport && !isReexport) {
      continue;
    }
    const module = statement.moduleSpecifier.text;
    if (!CHECKED_PACKAGES.includes(module)) {
      continue;
    }
    if (isImport) {
      const clause = statement.importClause;
      if (!clause) {
        continue;
      }
      if (clause.name) {
        found.push({ module, name: 'default', typeOnly: clause.isTypeOnly });
      }
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        found.push({ module, name: '*', typeOnly: clause.isTypeOnly });
      } else if (bindings) {
        for (const el of bindings.elements) {
          found.push({ module, name: (el.propertyName ?? el.name).text, typeOnly: clause.isTypeOnly || el.isTypeOnly });
        }
      }
    } else if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const el of statement.exportClause.elements) {
        found.push({
          module,
          name: (el.propertyName ?? el.name).text,
          typeOnly: statement.isTypeOnly || el.isTypeOnly,
        });
      }
    } else {
      found.push({ module, name: '*', typeOnly: statement.isTypeOnly });
    }
  }
  return found;
}

function scriptKind(fileName) {
  if (fileName.endsWith('.tsx')) {
    return ts.ScriptKind.TSX;
  }
  if (fileName.endsWith('.ts') || fileName.endsWith('.d.ts') || fileName.endsWith('.d.cts') || fileName.endsWith('.d.mts')) {
    return ts.ScriptKind.TS;
  }
  return ts.ScriptKind.JS;
}

/**
 * Names a module's entry exports, following `export * from './relative'` inside the
 * package. `read(relativePath)` returns a file's text or undefined. Returns the names and
 * the other packages it re-exports wholesale (whose names cannot be listed here).
 */
export function exportsOf(entry, read) {
  const names = new Set();
  const starFrom = new Set();
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) {
      return;
    }
    seen.add(file);
    const text = read(file);
    if (text === undefined) {
      throw new Error(`${file}: not in the package`);
    }
    const relative = (from) => resolveRelative(path.posix.join(path.posix.dirname(file), from), read);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, scriptKind(file));
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement)) {
        const from = statement.moduleSpecifier?.text;
        if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
          statement.exportClause.elements.forEach((el) => names.add(el.name.text));
        } else if (statement.exportClause) {
          names.add(statement.exportClause.name.text);
        } else if (from?.startsWith('.')) {
          visit(relative(from));
        } else if (from) {
          starFrom.add(from);
        }
      } else if (hasExportModifier(statement)) {
        declaredNames(statement).forEach((n) => names.add(n));
      }
    }
  };
  visit(entry);
  return { names, starFrom };
}

/** A relative module path as a bundler resolves it: as is, with an extension, or its index. */
function resolveRelative(base, read) {
  const suffixes = ['', '.d.ts', '.d.mts', '.mjs', '.js', '/index.d.ts', '/index.d.mts', '/index.mjs', '/index.js'];
  const found = suffixes.map((s) => base + s).find((candidate) => read(candidate) !== undefined);
  if (!found) {
    throw new Error(`${base}: not in the package`);
  }
  return found;
}

function hasExportModifier(node) {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredNames(statement) {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.filter((d) => ts.isIdentifier(d.name)).map((d) => d.name.text);
  }
  return statement.name && ts.isIdentifier(statement.name) ? [statement.name.text] : [];
}

/** What one package version offers: value names (ESM entry) and all names (with types). */
export function packageApi(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const dot = pkg.exports?.['.'];
  const esm = dot?.import?.default ?? dot?.import ?? pkg.module;
  const types = dot?.import?.types ?? dot?.types ?? pkg.types ?? pkg.typings;
  if (typeof esm !== 'string' || typeof types !== 'string') {
    throw new Error(`${pkg.name}@${pkg.version}: no ESM entry or type declarations in package.json`);
  }
  const read = (file) => {
    const full = path.join(dir, file);
    return fs.statSync(full, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(full, 'utf8') : undefined;
  };
  const values = exportsOf(path.posix.normalize(esm), read);
  const declared = exportsOf(path.posix.normalize(types), read);
  return {
    name: pkg.name,
    version: pkg.version,
    values: values.names,
    all: new Set([...values.names, ...declared.names]),
    starFrom: new Set([...values.starFrom, ...declared.starFrom]),
  };
}

/** Problems of the imports against the APIs, by package name; empty when all exist. */
export function missingNames(imports, apis) {
  const problems = [];
  for (const { module, name, typeOnly, file } of imports) {
    const api = apis[module];
    const where = file ? ` (${file})` : '';
    if (name === '*') {
      problems.push(`${module}: a namespace import or export * cannot be checked${where}`);
      continue;
    }
    const known = typeOnly ? api.all : api.values;
    if (known.has(name)) {
      continue;
    }
    const kind = typeOnly ? 'type' : 'value';
    const hint = !typeOnly && api.all.has(name) ? ' (only a type there)' : '';
    problems.push(`${module}@${api.version} has no ${kind} export ${name}${hint}${where}`);
  }
  return problems;
}

/** The frontend's shipped sources (tests and test tooling excluded). */
export function sourceFiles(dir = path.join(frontend, 'src')) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...sourceFiles(full));
    } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
  return out.sort();
}

/** The declared range of every plugin.json; throws unless they agree on one `>=X.Y.Z`. */
export function declaredMinimum(root = repoRoot) {
  const ranges = PLUGIN_JSON_FILES.map((file) => {
    const json = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    return { file, range: json.dependencies?.grafanaDependency };
  });
  const distinct = new Set(ranges.map((r) => r.range));
  if (distinct.size !== 1) {
    throw new Error(`plugin.json files disagree on grafanaDependency: ${ranges.map((r) => `${r.file} ${r.range}`).join(', ')}`);
  }
  const version = minimumVersion(ranges[0].range);
  if (!version) {
    throw new Error(`grafanaDependency ${ranges[0].range} is not of the form >=X.Y.Z`);
  }
  return version;
}

/** Fetches (once) and unpacks the checked packages at `version`; returns their folders. */
export function fetchPackages(version, cache = path.join(repoRoot, 'target', 'grafana-compat')) {
  const dir = path.join(cache, version);
  const folders = {};
  for (const name of CHECKED_PACKAGES) {
    const short = name.split('/')[1];
    const unpacked = path.join(dir, short);
    if (!fs.existsSync(path.join(unpacked, 'package.json'))) {
      fs.mkdirSync(dir, { recursive: true });
      const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir, `${name}@${version}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const tarball = path.join(dir, out.trim().split('\n').pop());
      fs.rmSync(unpacked, { recursive: true, force: true });
      fs.mkdirSync(unpacked, { recursive: true });
      execFileSync('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1']);
      fs.rmSync(tarball);
    }
    folders[name] = unpacked;
  }
  return folders;
}

function main() {
  const declared = declaredMinimum();
  const version = process.argv[2] ?? declared;
  const folders = fetchPackages(version);
  const apis = Object.fromEntries(CHECKED_PACKAGES.map((name) => [name, packageApi(folders[name])]));
  for (const api of Object.values(apis)) {
    if (api.version !== version) {
      throw new Error(`fetched ${api.name}@${api.version}, expected ${version}`);
    }
  }
  const imports = sourceFiles().flatMap((file) =>
    importsOf(file, fs.readFileSync(file, 'utf8')).map((i) => ({ ...i, file: path.relative(frontend, file) }))
  );
  const problems = missingNames(imports, apis);
  const distinct = new Set(imports.map((i) => `${i.module} ${i.name}`));
  if (problems.length) {
    console.error(`Grafana ${version} (declared ${declared}): ${problems.length} imported names are missing:`);
    problems.forEach((p) => console.error(`  ${p}`));
    process.exit(1);
  }
  console.log(`Grafana ${version}: all ${distinct.size} names the frontend imports from ${CHECKED_PACKAGES.join(', ')} exist`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
