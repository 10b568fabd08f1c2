// One JSON access-log line per request (pino). Only the path is logged: query strings can hold
// secrets (tokens in links), and cookies and bodies are never logged.

import type { MiddlewareHandler } from 'hono';
import type { WebEnv } from '../context.ts';

export function accessLog(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      c.var.log.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ip: c.var.clientIp,
        },
        'request',
      );
    }
  };
}
