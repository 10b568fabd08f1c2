// Recovery codes: 10 single-use codes of 10 characters (`XXXXX-XXXXX`) from an alphabet without
// look-alike characters, shown once and stored only as HMACs.
//
// Why an HMAC and not argon2: each code carries about 49.5 bits (10 characters from 31), and
// the HMAC key lives in the key file, not in the database. Someone with only a database dump
// cannot test a single guess; a slow hash would protect nothing more and make every check cost.

import { randomFromAlphabet, UNAMBIGUOUS_ALPHABET } from '../security/random-codes.ts';

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomFromAlphabet(UNAMBIGUOUS_ALPHABET, CODE_LENGTH);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

/** What was typed, as stored: upper case, no spaces or hyphens; null when it can't be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!UNAMBIGUOUS_ALPHABET.includes(char)) return null;
  return code;
}
