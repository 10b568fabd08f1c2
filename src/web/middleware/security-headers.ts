// Strict response headers on every response, pages, assets and errors alike (OWASP Secure
// Headers Project). The CSP allows nothing from other origins and no inline script or style.

import type { MiddlewareHandler } from 'hono';
import type { WebEnv } from '../context.ts';

// connect-src 'self': the password checklist script asks its endpoint on our own origin, nothing else.
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Powerful browser features the portal never uses are switched off for it and any frame. */
export const PERMISSIONS_POLICY =
  'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()';

export function securityHeaders(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    // Stops MIME sniffing turning an upload or a JSON answer into script.
    headers.set('X-Content-Type-Options', 'nosniff');
    // Links out (Digg, helpdesk) must not learn which page, or which token in a URL, the user came from;
    // same-origin (not no-referrer) so our own form posts carry a real Origin for the CSRF check.
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('Permissions-Policy', PERMISSIONS_POLICY);
    // Isolates our window from pages that open us (cross-window attacks, Spectre-style leaks).
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    // Legacy browsers without frame-ancestors support.
    headers.set('X-Frame-Options', 'DENY');
    // HSTS only over https: sent over http it is ignored, and on localhost it would pin a dev port.
    if (c.get('isHttps')) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    // Pages show personal data: never store them in shared or browser caches. Assets set their own.
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    headers.delete('X-Powered-By');
  };
}
