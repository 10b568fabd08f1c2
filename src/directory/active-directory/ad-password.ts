// The unicodePwd encoding Active Directory wants for password writes (MS-ADTS 3.1.1.3.1.5.1):
// the password in double quotes, encoded as UTF-16LE, sent only over an encrypted connection
// (AD refuses unicodePwd writes over plain LDAP with 53).

import type { PasswordRejection } from '../directory.ts';

/** AD's longest password in UTF-16 code units (longer ones are refused or silently unusable for Kerberos). */
export const AD_MAX_PASSWORD_LENGTH = 256;

/**
 * Checks what AD can store before anything is sent. Returns a rejection the flows can explain,
 * or null when the password may go to the DC (which applies its own policy on top).
 */
export function checkAdPassword(password: string): PasswordRejection | null {
  if (password.length > AD_MAX_PASSWORD_LENGTH) return { rule: 'too_long', maxLength: AD_MAX_PASSWORD_LENGTH };
  // NUL can't be part of a Windows password (it ends the string in the DC's own APIs).
  if (password.includes('\u0000')) return { rule: 'directory_policy', reason: 'the password contains a NUL character' };
  return null;
}

/**
 * The unicodePwd value for a password: `"password"` in UTF-16LE. The text is sent as typed, not
 * normalised: the DC compares code units, and Windows sign-in doesn't normalise either, so a
 * password set here must be the exact string the user types at a Windows log-on screen.
 */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** The inverse of encodeUnicodePwd (for tests and diagnostics; AD never returns unicodePwd). */
export function decodeUnicodePwd(value: Buffer): string {
  const text = value.toString('utf16le');
  if (value.length % 2 !== 0 || text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) {
    throw new Error('not a unicodePwd value: expected a quoted UTF-16LE string');
  }
  return text.slice(1, -1);
}
