// Cross-site request forgery defences (OWASP CSRF Prevention Cheat Sheet), as pure functions:
// - signed in: a synchronizer token kept in the session and echoed in every form;
// - before sign-in: a signed double-submit cookie (HMAC over a random nonce with a server key,
//   so a value planted by a sibling subdomain without the key is refused);
// - always: the Fetch Metadata / Origin check, a second, independent layer.

import { constantTimeEqual, hmacSha256, randomToken } from './tokens.ts';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

/** A new synchronizer token for a session (256 bits). */
export function createSessionCsrfToken(): string {
  return randomToken();
}

/** A new double-submit value: `nonce.signature`. The same string goes in the cookie and the form. */
export function createDoubleSubmitToken(key: string): string {
  const nonce = randomToken();
  return `${nonce}.${hmacSha256(key, `csrf:${nonce}`)}`;
}

/** True when the cookie value carries a valid signature (so it was issued by us). */
export function isValidDoubleSubmitCookie(key: string, cookieValue: string | undefined): boolean {
  if (cookieValue === undefined || cookieValue.length > 200) return false;
  const dot = cookieValue.indexOf('.');
  if (dot <= 0) return false;
  const nonce = cookieValue.slice(0, dot);
  const signature = cookieValue.slice(dot + 1);
  return constantTimeEqual(signature, hmacSha256(key, `csrf:${nonce}`));
}

/** The pre-sign-in check: a validly signed cookie, and the form echoes it exactly. */
export function verifyDoubleSubmit(key: string, cookieValue: string | undefined, formValue: string | undefined): boolean {
  if (formValue === undefined || formValue === '') return false;
  if (!isValidDoubleSubmitCookie(key, cookieValue)) return false;
  return constantTimeEqual(cookieValue as string, formValue);
}

/** The signed-in check: the form echoes the session's token (constant time, no timing oracle). */
export function verifySessionCsrfToken(expected: string | undefined, formValue: string | undefined): boolean {
  if (expected === undefined || expected === '' || formValue === undefined || formValue === '') return false;
  return constantTimeEqual(expected, formValue);
}

export interface OriginHeaders {
  origin: string | null | undefined;
  secFetchSite: string | null | undefined;
}

/**
 * Fetch Metadata and Origin check for a state-changing request. A browser that sends
 * Sec-Fetch-Site must say same-origin (the header can't be set by page script, so it is the
 * stronger signal). Without it, an Origin header must be one of ours. Origin "null" is what
 * browsers send on a same-origin form post under Referrer-Policy: no-referrer, so it can't
 * be told apart from a sandboxed frame: then, as when neither header is sent (old or
 * non-browser clients), the token check alone decides.
 */
export function isSameOriginRequest(headers: OriginHeaders, allowedOrigins: readonly string[]): boolean {
  const site = headers.secFetchSite?.toLowerCase();
  if (site !== undefined && site !== null) return site === 'same-origin';
  const origin = headers.origin?.toLowerCase();
  if (origin === undefined || origin === null || origin === 'null') return true;
  return allowedOrigins.includes(origin);
}
