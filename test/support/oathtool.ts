// The code an authenticator app shows, from Debian's oathtool: an independent TOTP implementation,
// so tests never check the portal's own TOTP against itself.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The six-digit code for a base32 `secret` (grouped as the page shows it, or not: white space is
 * dropped) at `at`: a moment, or a number of seconds from now (0 is now, -30 the previous step).
 */
export function oathtool(secret: string, at: Date | number = 0): string {
  const path = ['/usr/bin/oathtool', '/usr/local/bin/oathtool'].find((p) => existsSync(p));
  assert.ok(path, 'oathtool is needed as an independent TOTP implementation: install it with `apt-get install -y oathtool`');
  const moment = typeof at === 'number' ? new Date(Date.now() + at * 1000) : at;
  const now = moment
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
  return execFileSync(path, ['--totp', '-b', '--now', now, secret.replace(/\s+/g, '')], { encoding: 'utf8' }).trim();
}
