// Authenticator app codes (TOTP, RFC 6238) with the `otpauth` library: SHA-1, 6 digits and
// 30-second steps, because that is what every authenticator app accepts (Microsoft and Google
// Authenticator ignore other parameters). Pure functions: storage and replay live in the service.

import { Secret, TOTP } from 'otpauth';
import { randomSecretBytes } from '../security/random-codes.ts';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
// RFC 4226 section 4: a shared secret of at least 128 bits, 160 recommended (the SHA-1 block's natural size).
const SECRET_BYTES = 20;

/** A new random seed, base32 without padding (what apps and oathtool take). */
export function newTotpSecret(): string {
  return new Secret({ buffer: randomSecretBytes(SECRET_BYTES).buffer as ArrayBuffer }).base32;
}

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: easier to read aloud and to type into an app. */
export function groupSecret(base32: string): string {
  return (
    base32
      .replace(/\s+/g, '')
      .match(/.{1,4}/g)
      ?.join(' ') ?? ''
  );
}

/** The otpauth:// URI for the QR code. The label is `issuer:username` (Key Uri Format), the issuer the organisation. */
export function totpUri(options: { issuer: string; accountLabel: string; secret: string }): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.accountLabel,
    issuerInLabel: true,
    secret: Secret.fromBase32(options.secret),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The time step (RFC 6238 T) a moment belongs to. */
export function totpStepAt(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for a moment. `digits` is 6 in production; the RFC's test vectors use 8. */
export function generateTotp(
  secret: string,
  at: Date,
  options: { digits?: number; algorithm?: 'SHA1' | 'SHA256' | 'SHA512'; secretEncoding?: 'base32' | 'latin1' } = {},
): string {
  return TOTP.generate({
    secret: options.secretEncoding === 'latin1' ? Secret.fromLatin1(secret) : Secret.fromBase32(secret),
    algorithm: options.algorithm ?? 'SHA1',
    digits: options.digits ?? TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: at.getTime(),
  });
}

/** Spaces and hyphens people type are dropped; anything else that isn't 6 digits is no code. */
export function normaliseTotpCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 20) return null;
  const code = input.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code) ? code : null;
}

/**
 * The time step whose code `code` is, within ±driftSteps of `at`, or null. The caller refuses a
 * step at or before the last one accepted (RFC 6238 section 5.2: a code is accepted once).
 */
export function matchTotpStep(secret: string, code: string, at: Date, driftSteps: number): number | null {
  const normalised = normaliseTotpCode(code);
  if (normalised === null) return null;
  const delta = TOTP.validate({
    token: normalised,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: at.getTime(),
    window: driftSteps,
  });
  return delta === null ? null : totpStepAt(at) + delta;
}
