// Registers routes and remembers which methods each path allows, so a wrong method gets a
// 405 page with an Allow header instead of a misleading 404.

import type { Handler, Hono } from 'hono';
import type { WebEnv } from './context.ts';

export class RouteTable {
  readonly #app: Hono<WebEnv>;
  readonly #methods = new Map<string, Set<string>>();

  constructor(app: Hono<WebEnv>) {
    this.#app = app;
  }

  get(path: string, handler: Handler<WebEnv>): void {
    this.#remember(path, 'GET');
    this.#remember(path, 'HEAD');
    this.#app.get(path, handler);
  }

  post(path: string, handler: Handler<WebEnv>): void {
    this.#remember(path, 'POST');
    this.#app.post(path, handler);
  }

  /** The methods a path allows, or undefined when the path is unknown. */
  allowedMethods(path: string): string[] | undefined {
    const methods = this.#methods.get(path);
    return methods === undefined ? undefined : [...methods];
  }

  /** Whether a handler is registered for this method and path. */
  isHandled(method: string, path: string): boolean {
    return this.#methods.get(path)?.has(method.toUpperCase()) ?? false;
  }

  #remember(path: string, method: string): void {
    // Only literal paths: CSRF checking skips requests no handler takes (they change nothing),
    // and that decision is exact only when every handled path is a literal one.
    if (/[:*{?]/.test(path)) throw new Error(`route ${path}: parameters and wildcards are not allowed; pass ids in the form or query`);
    let methods = this.#methods.get(path);
    if (methods === undefined) {
      methods = new Set();
      this.#methods.set(path, methods);
    }
    methods.add(method);
  }
}
