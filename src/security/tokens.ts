// Random tokens, hashing of secrets, constant-time comparison. Together with
// password-hashing.ts, the only place that imports node:crypto (house rule: one place to audit).

import { createHmac, hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** 256 bits from the OS CSPRNG, base64url: unguessable (OWASP Session Management: ≥64 bits of entropy). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function randomId(): string {
  return randomUUID();
}

/** Hex SHA-256. Used for high-entropy secrets (session ids), where a slow hash adds nothing. */
export function sha256(value: string): string {
  // One-shot crypto.hash: no Hash object per call (this runs several times per request).
  return hash('sha256', value, 'hex');
}

/**
 * Upper-case hex SHA-1 of the UTF-8 text. Not for protecting anything (SHA-1 is broken for that):
 * only to match the Have I Been Pwned Pwned Passwords corpus, which is published as SHA-1 hashes.
 */
export function sha1Hex(value: string): string {
  // One-shot crypto.hash: no Hash object per call, about 3× faster for short inputs.
  return hash('sha1', value, 'hex').toUpperCase();
}

export function hmacSha256(key: string | Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Compares two strings in time independent of where they differ (no timing oracle). */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hash first so lengths are equal and the length itself doesn't leak through an early exit.
  const ha = hash('sha256', a, 'buffer');
  const hb = hash('sha256', b, 'buffer');
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
