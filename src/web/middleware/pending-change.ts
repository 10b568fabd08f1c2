// While a session is waiting for a forced password change (expired or must-change), only the
// change-password page and a few harmless pages are reachable; everything else leads there.
// The right password alone must not give the portal to someone whose password is due.

import type { MiddlewareHandler } from 'hono';
import type { WebEnv } from '../context.ts';

const REACHABLE_WHILE_PENDING = new Set([
  '/account/password',
  '/password-policy/check',
  '/assets/password-checklist.js',
  '/sign-out',
  '/accessibility',
  '/assets/app.css',
  '/healthz',
  '/readyz',
]);

export function pendingChangeGuard(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = c.get('session');
    if (session?.data.pendingChange !== undefined && !REACHABLE_WHILE_PENDING.has(c.req.path)) {
      return c.redirect('/account/password', 303);
    }
    return next();
  };
}
