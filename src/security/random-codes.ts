// Random codes people type: one-time codes (digits), recovery codes and passes (an alphabet
// without look-alike characters), and raw secret bytes for TOTP seeds. All from the OS CSPRNG.

import { randomBytes, randomInt } from 'node:crypto';

/** Letters and digits without 0/O, 1/I/L: nothing that reads as another when copied by hand or read aloud. */
export const UNAMBIGUOUS_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** `length` decimal digits. randomInt draws without modulo bias (it rejects out-of-range samples). */
export function randomDigits(length: number): string {
  return randomFromAlphabet('0123456789', length);
}

export function randomFromAlphabet(alphabet: string, length: number): string {
  if (!Number.isInteger(length) || length < 1 || length > 256) throw new RangeError('length must be 1..256');
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(0, alphabet.length)];
  return out;
}

export function randomSecretBytes(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}
