// Temporary access passes from the helpdesk: 16 characters (`XXXX-XXXX-XXXX-XXXX`, about 79
// bits) that let a user register a first method from outside the trusted networks. Stored as
// an HMAC (high entropy, key outside the database), expiring, single use unless issued reusable.

import { randomFromAlphabet, UNAMBIGUOUS_ALPHABET } from '../security/random-codes.ts';

const PASS_LENGTH = 16;

export function newTemporaryPass(): string {
  const raw = randomFromAlphabet(UNAMBIGUOUS_ALPHABET, PASS_LENGTH);
  return raw.match(/.{4}/g)?.join('-') ?? raw;
}

export function normaliseTemporaryPass(input: string): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const pass = input.replace(/[\s-]/g, '').toUpperCase();
  if (pass.length !== PASS_LENGTH) return null;
  for (const char of pass) if (!UNAMBIGUOUS_ALPHABET.includes(char)) return null;
  return pass;
}
