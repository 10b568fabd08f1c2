// One-time codes sent by SMS or e-mail: `codeLength` digits from the CSPRNG, stored only as an
// HMAC with the server key (a million possible codes: a plain hash would be reversed at once).

import { randomDigits } from '../security/random-codes.ts';

export function newOneTimeCode(length: number): string {
  return randomDigits(length);
}

/** Spaces and hyphens dropped; null when what remains is not `length` digits. */
export function normaliseOneTimeCode(input: string, length: number): string | null {
  if (typeof input !== 'string' || input.length > 32) return null;
  const code = input.replace(/[\s-]/g, '');
  return code.length === length && /^\d+$/.test(code) ? code : null;
}
