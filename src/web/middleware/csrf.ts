// CSRF protection for every state-changing request: the Fetch Metadata / Origin check and a
// token (the session's synchronizer token when signed in, a signed double-submit cookie
// before). A failure answers 403 before any handler runs, so nothing changes.

import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import {
  CSRF_FIELD,
  createDoubleSubmitToken,
  isSameOriginRequest,
  isValidDoubleSubmitCookie,
  verifyDoubleSubmit,
  verifySessionCsrfToken,
} from '../../security/csrf.ts';
import { randomToken } from '../../security/tokens.ts';
import type { Store } from '../../store/store.ts';
import type { WebEnv } from '../context.ts';
import { readForm } from '../form.ts';

export const CSRF_COOKIE = 'nyckel_csrf';
const KEY_SETTING = 'web.csrf_key';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The HMAC key for double-submit cookies lives in the store, so every instance behind a load
 * balancer signs and checks with the same key. Created on first use.
 */
export function csrfKeyLoader(store: Store): () => Promise<string> {
  let loaded: Promise<string> | undefined;
  const load = async () => {
    const existing = await store.getSetting(KEY_SETTING);
    if (existing !== null) return existing;
    await store.setSetting(KEY_SETTING, randomToken(32));
    // Read back: if two instances raced, both now use whichever write landed last.
    return (await store.getSetting(KEY_SETTING)) as string;
  };
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

export function csrfCookieName(secure: boolean): string {
  return secure ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE;
}

export function csrfProtection(options: {
  key: () => Promise<string>;
  onFailure: (c: Context<WebEnv>) => Response | Promise<Response>;
  /** Whether a handler exists for the method and path; requests no handler takes change nothing and get 404/405. */
  isHandled: (method: string, path: string) => boolean;
}): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const cookieName = csrfCookieName(c.get('secureCookies'));
    const cookieValue = getCookie(c, cookieName);

    let issued: string | undefined;
    c.set('csrfToken', async () => {
      const session = c.get('session');
      if (session !== null && session !== undefined) return session.data.csrf;
      // The key is read only when a form needs it, so health checks never touch the store.
      const key = await options.key();
      if (isValidDoubleSubmitCookie(key, cookieValue)) return cookieValue as string;
      if (issued === undefined) {
        issued = createDoubleSubmitToken(key);
        // HttpOnly: the form carries the value, no script needs it. Lax: kept on top-level navigation.
        setCookie(c, cookieName, issued, { path: '/', httpOnly: true, secure: c.get('secureCookies'), sameSite: 'Lax' });
      }
      return issued;
    });

    if (SAFE_METHODS.has(c.req.method) || !options.isHandled(c.req.method, c.req.path)) return next();

    const sameOrigin = isSameOriginRequest(
      { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') },
      c.get('allowedOrigins'),
    );
    const form = await readForm(c);
    // Forms carry the token as a field; the password checklist's JSON requests carry it in a header.
    const submitted = form[CSRF_FIELD] ?? c.req.header('x-csrf-token');
    const session = c.get('session');
    const hasToken =
      session !== null && session !== undefined
        ? verifySessionCsrfToken(session.data.csrf, submitted)
        : verifyDoubleSubmit(await options.key(), cookieValue, submitted);
    if (!sameOrigin || !hasToken) {
      c.get('log').warn({ reason: sameOrigin ? 'token' : 'origin', signedIn: session !== null }, 'csrf check failed');
      return options.onFailure(c);
    }
    return next();
  };
}
