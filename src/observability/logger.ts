// JSON logs (pino). Passwords, codes, secrets, tokens and cookies are redacted wherever they
// appear in a logged object, so a careless log call can't leak one (OWASP Logging Cheat Sheet).

import { type Logger, pino } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'password',
  'newPassword',
  'oldPassword',
  'currentPassword',
  'code',
  'secret',
  'token',
  'otp',
  'pass',
  'csrf',
  'cookie',
  'authorization',
];

export const redactPaths = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'nyckel' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream | undefined,
  );
}
