// Refuses request bodies larger than config.server.bodyLimitBytes before anything reads them,
// whether the size is declared (Content-Length) or streamed (chunked): forms are small, and an
// unbounded body is a cheap way to exhaust memory. A few named paths (file uploads) may have a
// larger, still bounded, limit.

import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { WebEnv } from '../context.ts';

export function bodyLimit(
  maxBytes: number,
  onTooLarge: (c: Context<WebEnv>) => Response | Promise<Response>,
  largerFor: Readonly<Record<string, number>> = {},
): MiddlewareHandler<WebEnv> {
  const make = (maxSize: number) => honoBodyLimit({ maxSize, onError: (c) => onTooLarge(c as Context<WebEnv>) });
  const limit = make(maxBytes);
  const larger = new Map(Object.entries(largerFor).map(([path, bytes]) => [path, make(Math.max(bytes, maxBytes))]));
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return (larger.get(c.req.path) ?? limit)(c, next);
  };
}
