// Gives every request a random id: sent back in X-Request-Id, stamped on every log line (a
// child logger), and shown on error pages as the reference a user quotes to the helpdesk.
// A client-sent id is ignored: it could be used to forge or confuse log correlation.

import type { MiddlewareHandler } from 'hono';
import { randomId } from '../../security/tokens.ts';
import type { WebEnv } from '../context.ts';

export function requestId(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const id = randomId();
    c.set('requestId', id);
    c.set('log', c.get('services').logger.child({ reqId: id }));
    await next();
    c.res.headers.set('X-Request-Id', id);
  };
}
