// The per-request values the middleware sets for handlers and pages (Hono context variables).
// Code on every request's path reads them with c.get(name): Hono's c.var copies all of them
// into a new object on each access.

import type { Services } from '../app/services.ts';
import type { Catalog, Language } from '../i18n/catalog.ts';
import type { Logger } from '../observability/logger.ts';
import type { ActiveSession } from './session.ts';

export interface WebVariables {
  services: Services;
  /** Random per request; in the X-Request-Id header, every log line and error pages' reference. */
  requestId: string;
  /** A child logger that stamps every line with the request id. */
  log: Logger;
  lang: Language;
  t: Catalog;
  clientIp: string;
  /** True when the user reached us over https (directly or through a trusted proxy). */
  isHttps: boolean;
  /** Cookies get the Secure flag (and the __Host- prefix) unless this is plain-http localhost. */
  secureCookies: boolean;
  /** The origins a form may be posted from. */
  allowedOrigins: string[];
  session: ActiveSession | null;
  /** The CSRF token to put in forms; issues a pre-sign-in cookie on first use. */
  csrfToken: () => Promise<string>;
}

/** Node's socket, as @hono/node-server passes it; absent for in-process test requests. */
export interface WebBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

export interface WebEnv {
  Variables: WebVariables;
  Bindings: WebBindings;
}
