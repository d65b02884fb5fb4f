// Builds the Canary Lens app plugin: one AMD module per plugin.json (the app at the
// root, the nested datasource and panel), with Grafana's shared libraries as externals,
// plus the files Grafana reads next to each module (plugin.json, logos, README...).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import CopyWebpackPlugin from 'copy-webpack-plugin';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const appPluginJson = JSON.parse(fs.readFileSync(path.join(here, 'src/plugin.json'), 'utf8'));
const version = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8')).version;
const today = new Date().toISOString().slice(0, 10);

/** Libraries Grafana provides to plugins at runtime (same list as @grafana/create-plugin). */
export const externals = [
  { 'amd-module': 'module' },
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

/** Replaces the placeholders Grafana's plugin.json files carry. */
function stamp(content) {
  return content.toString().replaceAll('%VERSION%', version).replaceAll('%TODAY%', today);
}

export default (env = {}) => {
  const production = Boolean(env.production);
  return {
    context: here,
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: {
      module: './src/module.ts',
      'datasource/module': './src/datasource/module.ts',
      'panel/module': './src/panel/module.ts',
    },
    externals,
    module: {
      rules: [
        {
          test: /\.[jt]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        {
          // Some @grafana/* sub-dependencies ship ESM without file extensions.
          test: /\.m?js$/,
          resolve: { fullySpecified: false },
        },
      ],
    },
    optimization: {
      // Grafana loads exactly one file per plugin: no async chunks.
      splitChunks: false,
      minimize: production,
    },
    output: {
      clean: {
        // Backend executables are added to dist/ by the packaging step: keep them.
        keep: /gpx_.*|MANIFEST\.txt/,
      },
      filename: '[name].js',
      library: { type: 'amd' },
      path: path.join(here, 'dist'),
      publicPath: `public/plugins/${appPluginJson.id}/`,
      uniqueName: appPluginJson.id,
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'src/plugin.json', to: 'plugin.json', transform: stamp },
          { from: path.join(repoRoot, 'plugin.json'), to: 'datasource/plugin.json', transform: stamp },
          { from: 'src/panel/plugin.json', to: 'panel/plugin.json', transform: stamp },
          { from: 'src/img', to: 'img' },
          { from: 'src/datasource/img', to: 'datasource/img' },
          { from: 'src/panel/img', to: 'panel/img' },
          { from: 'src/README.md', to: 'README.md', transform: stamp },
          { from: 'CHANGELOG.md', to: 'CHANGELOG.md' },
          { from: 'LICENSE', to: 'LICENSE', toType: 'file' },
        ],
      }),
    ],
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx'],
    },
    performance: { hints: false },
  };
};
