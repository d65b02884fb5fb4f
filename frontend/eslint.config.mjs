// Grafana's shared lint rules, with type information for the deprecation check.
import grafanaConfig from '@grafana/eslint-config';
import { defineConfig } from 'eslint/config';

export default defineConfig([
  { ignores: ['dist/', 'browser/dist/', 'artifacts/', 'node_modules/', 'coverage/'] },
  ...grafanaConfig,
  {
    rules: {
      'react/prop-types': 'off',
      'react/react-in-jsx-scope': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'browser/**/*.{ts,tsx}', 'contract/**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-deprecated': 'warn',
    },
  },
]);
