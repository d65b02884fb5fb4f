import type { DataSourceSettings } from '@grafana/data';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { CanaryLensOptions, CanaryLensSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { verdictErrors } from './config/VerdictSection';

// The Tempo picker needs Grafana's datasource service; it is not what these tests are about.
vi.mock('@grafana/runtime', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@grafana/runtime')>()),
  DataSourcePicker: ({ current }: { current: string | null }) => <div data-testid="tempo-picker">{current ?? 'none'}</div>,
}));

type Settings = DataSourceSettings<CanaryLensOptions, CanaryLensSecureJsonData>;

function settings(jsonData: CanaryLensOptions, secureJsonFields: Record<string, boolean> = {}): Settings {
  return {
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
    jsonData,
    secureJsonFields,
    secureJsonData: {},
  } as Settings;
}

/** Renders the editor as Grafana does: every change feeds back as the new options. */
function renderEditor(initial: Settings) {
  const changes: Settings[] = [];
  const { rerender } = render(<ConfigEditor options={initial} onOptionsChange={onChange} />);
  function onChange(next: Settings) {
    changes.push(next);
    rerender(<ConfigEditor options={next} onOptionsChange={onChange} />);
  }
  return { changes, last: () => changes[changes.length - 1] };
}

describe('ConfigEditor', () => {
  it('shows one section per settings group', () => {
    renderEditor(settings({}));
    for (const title of ['Kubernetes', 'Namespaces', 'Prometheus', 'Tempo', 'Join', 'Metrics', 'Verdict']) {
      expect(screen.getByTestId(`config-section-${title}`)).toBeInTheDocument();
    }
  });

  it('shows the fields of the URL connection mode only when it is chosen', async () => {
    const { last } = renderEditor(settings({}));
    expect(screen.queryByLabelText('API server URL')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('URL', { selector: 'input[type="radio"]' }));
    expect(last().jsonData.kubeMode).toBe('url');
    fireEvent.change(screen.getByLabelText(/API server URL/), { target: { value: 'https://k8s:6443' } });
    expect(last().jsonData.kubeUrl).toBe('https://k8s:6443');
  });

  it('shows configured secrets as configured and resets them', async () => {
    const { last } = renderEditor(settings({ kubeMode: 'url' }, { kubeToken: true }));
    const section = screen.getByTestId('config-section-Kubernetes');
    const token = within(section).getByLabelText(/^Bearer token/);
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');
    await userEvent.click(within(section).getAllByRole('button', { name: 'Reset' })[0]);
    expect(last().secureJsonFields.kubeToken).toBe(false);
    expect(last().secureJsonData?.kubeToken).toBe('');
    expect(within(section).getByLabelText(/^Bearer token/)).not.toBeDisabled();
  });

  it('stores a typed secret in secureJsonData, never in jsonData', async () => {
    const { last } = renderEditor(settings({ prometheusAuth: 'bearer' }));
    await userEvent.type(screen.getByLabelText('Token', { selector: '#prometheus-token' }), 's3cret');
    expect(last().secureJsonData?.prometheusToken).toBe('s3cret');
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');
  });

  it('drops a cleared text setting instead of storing an empty string', async () => {
    const { last } = renderEditor(settings({ prometheusUrl: 'http://p:9090' }));
    await userEvent.clear(screen.getByLabelText('URL', { selector: '#prometheus-url' }));
    expect(last().jsonData).not.toHaveProperty('prometheusUrl');
  });

  it('edits the namespace allow-list as tags', async () => {
    const { last } = renderEditor(settings({}));
    await userEvent.type(screen.getByPlaceholderText('Add a namespace and press Enter'), 'demo{enter}');
    expect(last().jsonData.namespaces).toEqual(['demo']);
  });

  it('stores the Tempo timeout as a number and flags one out of range', async () => {
    const { last } = renderEditor(settings({ tempoUrl: 'http://tempo:3200' }));
    const input = document.getElementById('tempo-timeout');
    if (!input) {
      throw new Error('no Tempo timeout input');
    }
    await userEvent.type(input, '90');
    expect(last().jsonData.tempoTimeoutSeconds).toBe(90);
    await userEvent.clear(input);
    expect(last().jsonData).not.toHaveProperty('tempoTimeoutSeconds');
    await userEvent.type(input, '900');
    expect(screen.getByText('Between 0 and 600 seconds')).toBeInTheDocument();
  });

  it('passes the Tempo datasource uid to the picker', () => {
    renderEditor(settings({ tempoDatasourceUid: 'tempo-uid' }));
    expect(screen.getByTestId('tempo-picker')).toHaveTextContent('tempo-uid');
  });

  it('flags verdict thresholds out of range', () => {
    expect(verdictErrors({})).toEqual({});
    expect(verdictErrors({ verdictConfidence: 1.5, verdictTolerance: -1 })).toEqual({
      verdictConfidence: expect.any(String),
      verdictTolerance: expect.any(String),
    });
    expect(verdictErrors({ verdictPassThreshold: 70 }).verdictMarginalThreshold).toMatch(/must not exceed/);
  });
});
