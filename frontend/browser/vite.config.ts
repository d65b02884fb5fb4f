// Builds the browser test page: the panel and the datasource editors rendered with the
// real @grafana/ui inside its ThemeContext, fed by frames from frames/*.json.
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: { 'monaco-editor': fileURLToPath(new URL('./stubs/monaco-editor.ts', import.meta.url)) },
  },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 20000,
    minify: false,
    rollupOptions: {
      // Third-party noise ("use client" directives, comment positions) says nothing about this page.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE' && warning.code !== 'INVALID_ANNOTATION') {
          warn(warning);
        }
      },
    },
  },
});
