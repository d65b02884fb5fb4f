// jsdom lacks a few browser APIs @grafana/ui touches on import or render.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

afterEach(() => cleanup());

Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: vi.fn().mockImplementation((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: vi.fn(),
    removeListener: vi.fn(),
    addEventListener: vi.fn(),
    removeEventListener: vi.fn(),
    dispatchEvent: vi.fn(),
  })),
});

// Text measuring (Combobox widths) is all @grafana/ui asks of a canvas here.
HTMLCanvasElement.prototype.getContext = vi.fn().mockReturnValue({
  font: '',
  measureText: (text: string) => ({ width: text.length * 7 }),
}) as unknown as HTMLCanvasElement['getContext'];

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
Element.prototype.scrollIntoView ??= function scrollIntoView() {};
