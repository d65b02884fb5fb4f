// Test support: what @grafana/ui's Combobox needs of jsdom to open its menu and list
// options. Call at the top of a test file.
import { afterAll, beforeAll } from 'vitest';

class IntersectionObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

/**
 * Combobox menus watch their scroll edges (IntersectionObserver, absent from jsdom) and
 * list options virtually, sized from the menu's clientHeight as @tanstack/virtual-core
 * reads it: give elements a size, as @grafana/ui's own Combobox tests do.
 */
export function comboboxInJsdom() {
  const clientHeight = Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight');
  const clientWidth = Object.getOwnPropertyDescriptor(Element.prototype, 'clientWidth');
  beforeAll(() => {
    globalThis.IntersectionObserver ??= IntersectionObserverStub as unknown as typeof IntersectionObserver;
    Object.defineProperty(Element.prototype, 'clientHeight', { configurable: true, get: () => 400 });
    Object.defineProperty(Element.prototype, 'clientWidth', { configurable: true, get: () => 300 });
  });
  afterAll(() => {
    Object.defineProperty(Element.prototype, 'clientHeight', clientHeight!);
    Object.defineProperty(Element.prototype, 'clientWidth', clientWidth!);
  });
}
