// Optional online check against the Have I Been Pwned range API (off by default). k-anonymity:
// only the first 5 hex digits of the password's SHA-1 leave the server, and the API answers with
// every suffix under that prefix; with `Add-Padding: true` the answer is padded with fake
// suffixes of count 0 so its size does not reveal the prefix either
// (https://haveibeenpwned.com/API/v3#PwnedPasswords). The padding entries are ignored.

import { sha1Hex } from '../../security/tokens.ts';

export const HIBP_RANGE_API = 'https://api.pwnedpasswords.com/range/';

export interface OnlineCheckOptions {
  /** The range endpoint, to which the 5-digit prefix is appended (config passwordPolicy.breached.online.apiUrl; tests use a local server). */
  apiUrl?: string;
  /** Ask for padding (default true): without it the answer's size hints at the prefix. */
  padding?: boolean;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export type OnlineCheckResult =
  | { status: 'breached'; count: number }
  | { status: 'not_found' }
  /** The API could not be asked or answered nonsense: the caller decides (the offline index still applies). */
  | { status: 'unavailable'; reason: string };

const RANGE_LINE = /^([0-9A-Fa-f]{35}):(\d{1,15})$/;
/** A real answer is ~1,000 lines of ~40 bytes; anything far larger is not the API. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** Asks the range API whether the password has been seen in a breach. Never sends the password or its full hash. */
export async function checkPasswordOnline(password: string, options: OnlineCheckOptions = {}): Promise<OnlineCheckResult> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const hash = sha1Hex(password);
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  const base = options.apiUrl ?? HIBP_RANGE_API;
  const url = `${base}${base.endsWith('/') ? '' : '/'}${prefix}`;
  const doFetch = options.fetch ?? globalThis.fetch;
  let body: string;
  try {
    const headers: Record<string, string> = { 'User-Agent': 'Nyckel-password-policy' };
    if (options.padding !== false) headers['Add-Padding'] = 'true';
    const response = await doFetch(url, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      redirect: 'error',
    });
    if (!response.ok) return { status: 'unavailable', reason: `range API answered HTTP ${response.status}` };
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_RESPONSE_BYTES) return { status: 'unavailable', reason: 'range API answer too large' };
    body = await response.text();
    if (body.length > MAX_RESPONSE_BYTES) return { status: 'unavailable', reason: 'range API answer too large' };
  } catch (error) {
    const name = (error as Error).name;
    return { status: 'unavailable', reason: name === 'TimeoutError' ? 'range API timed out' : 'range API unreachable' };
  }
  let found = 0;
  for (const raw of body.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const match = RANGE_LINE.exec(line);
    if (match === null) return { status: 'unavailable', reason: 'range API answer is not in the documented SUFFIX:COUNT format' };
    const count = Number(match[2]);
    // Count 0 marks a padding entry (Add-Padding), never a breached password.
    if (count > 0 && (match[1] as string).toUpperCase() === suffix) found = count;
  }
  return found > 0 ? { status: 'breached', count: found } : { status: 'not_found' };
}
