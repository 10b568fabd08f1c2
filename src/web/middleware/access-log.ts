// One JSON access-log line per request (pino). Only the path is logged: query strings can hold
// secrets (tokens in links), and cookies and bodies are never logged.

import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../observability/logger.ts';
import type { WebEnv } from '../context.ts';

/** The only fields of an access line (a test holds the line to exactly these). */
export const ACCESS_LOG_FIELDS = ['reqId', 'method', 'path', 'status', 'ms', 'ip'] as const;

const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * The app logger's child for access lines, without the redaction pass: an access line has only
 * the fixed fields above, none of them a secret key, so redaction can't change it, and it cost
 * more than the rest of the line (once per request). Everything else logs through the redacting
 * logger.
 */
function accessLoggerFor(logger: Logger): Logger {
  let access = accessLoggers.get(logger);
  if (access === undefined) {
    access = logger.child({}, { redact: [] });
    accessLoggers.set(logger, access);
  }
  return access;
}

export function accessLog(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const line: Record<(typeof ACCESS_LOG_FIELDS)[number], unknown> = {
        reqId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ip: c.get('clientIp'),
      };
      accessLoggerFor(c.get('services').logger).info(line, 'request');
    }
  };
}
