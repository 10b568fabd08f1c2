// Masked targets for display: a person recognises their own phone or address, an onlooker
// (or someone who guessed a username) learns little.

import { maskPhoneNumber } from '../messaging/phone-number.ts';
import type { MethodKind } from './security-info.ts';

/** `anna.berg@example.org` → `a***@example.org`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

export function maskTarget(kind: MethodKind, target: string | null): string | null {
  if (target === null) return null;
  if (kind === 'sms') return maskPhoneNumber(target);
  if (kind === 'email') return maskEmail(target);
  return null;
}
