// Refuses request bodies larger than config.server.bodyLimitBytes before anything reads them,
// whether the size is declared (Content-Length) or streamed (chunked): forms are small, and an
// unbounded body is a cheap way to exhaust memory.

import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { WebEnv } from '../context.ts';

export function bodyLimit(maxBytes: number, onTooLarge: (c: Context<WebEnv>) => Response | Promise<Response>): MiddlewareHandler<WebEnv> {
  const limit = honoBodyLimit({ maxSize: maxBytes, onError: (c) => onTooLarge(c as Context<WebEnv>) });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return limit(c, next);
  };
}
