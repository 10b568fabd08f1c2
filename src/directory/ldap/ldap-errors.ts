// Turns what an LDAP server answers into Nyckel's domain errors. The table below is the one in
// docs/directory-errors.md: result code → domain error. Users see the catalog text for the domain
// error; the server's own diagnostic goes to the log (detail.diagnostic), never to a page.

import { ResultCodeError } from 'ldapts';
import { NyckelError } from '../../domain/errors.ts';
import type { PasswordRejection } from '../directory.ts';

/** LDAP result codes (RFC 4511 appendix A) that the flows can meet, and what they mean for Nyckel. */
export const ldapResultCodes = {
  3: { name: 'timeLimitExceeded', error: 'directory_unavailable' },
  8: { name: 'strongerAuthRequired', error: 'directory_unavailable' },
  13: { name: 'confidentialityRequired', error: 'directory_unavailable' },
  16: { name: 'noSuchAttribute', error: 'directory_unavailable' },
  19: { name: 'constraintViolation', error: 'policy_violation' },
  32: { name: 'noSuchObject', error: 'account_not_found' },
  34: { name: 'invalidDNSyntax', error: 'account_not_found' },
  49: { name: 'invalidCredentials', error: 'invalid_credentials' },
  50: { name: 'insufficientAccessRights', error: 'directory_unavailable' },
  51: { name: 'busy', error: 'directory_unavailable' },
  52: { name: 'unavailable', error: 'directory_unavailable' },
  53: { name: 'unwillingToPerform', error: 'directory_unavailable' },
  80: { name: 'other', error: 'directory_unavailable' },
} as const;

export type LdapResultCode = keyof typeof ldapResultCodes;

/** Plain-language descriptions of the refusals that aren't the user's doing (logged, and shown to operators by `detail.hint`). */
const hints: Partial<Record<number, string>> = {
  8: 'the directory requires a stronger (encrypted) connection: use ldaps://',
  13: 'the directory requires an encrypted connection: use ldaps://',
  16: 'the entry changed at the same time; try again',
  50: "the service account lacks a right it needs on this account (see the directory set-up guide's ACLs)",
  53: 'the directory refused the operation (unwilling to perform)',
};

/** The result code of an LDAP error, or null when the failure was the connection itself. */
export function ldapResultCode(error: unknown): number | null {
  return error instanceof ResultCodeError ? error.code : null;
}

/** The server's diagnostic text of an LDAP error, without ldapts' " Code: 0x.." suffix. */
export function ldapDiagnostic(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
}

/** True when the connection failed (refused, reset, timed out, TLS), as opposed to an LDAP answer. */
export function isTransportError(error: unknown): boolean {
  return error instanceof Error && !(error instanceof ResultCodeError) && !(error instanceof NyckelError);
}

/** "The directory can't be reached or refused the service": nothing was changed, the user can retry. */
export function directoryUnavailable(operation: string, cause: unknown): NyckelError {
  const code = ldapResultCode(cause);
  const hint =
    code === null
      ? 'the directory could not be reached (connection refused, reset, timed out or TLS failed)'
      : (hints[code] ?? 'the directory refused the operation');
  return new NyckelError('directory_unavailable', `directory ${operation} failed: ${hint}`, {
    cause,
    detail: { operation, ldapCode: code, diagnostic: ldapDiagnostic(cause), hint },
  });
}

/**
 * Reads a password refusal from a constraint violation (19) and, when the server sent one, the
 * password policy control's error (draft-behera-ldap-password-policy: 5 quality, 6 too short,
 * 8 in history). Returns null when the error isn't a password refusal.
 */
export function passwordRejectionOf(error: unknown, policyError: number | undefined, historySize: number): PasswordRejection | null {
  const code = ldapResultCode(error);
  const diagnostic = ldapDiagnostic(error);
  if (policyError === 8 || /in history/i.test(diagnostic)) return { rule: 'in_history', historySize };
  if (code !== 19 && policyError === undefined) return null;
  if (policyError === 6 || /too short/i.test(diagnostic))
    return { rule: 'directory_policy', reason: diagnostic || 'the password is too short' };
  if (code === 19 || policyError === 5)
    return { rule: 'directory_policy', reason: diagnostic || 'the password does not meet the directory policy' };
  return null;
}

/** A policy_violation carrying the rejection, as the Directory port promises. */
export function policyViolation(rejection: PasswordRejection, cause: unknown): NyckelError {
  return new NyckelError('policy_violation', `the directory refused the new password (${rejection.rule})`, {
    cause,
    detail: { rejection, diagnostic: ldapDiagnostic(cause) },
  });
}

/** The general mapping: any LDAP or transport error from an operation → a NyckelError. */
export function toDirectoryError(operation: string, error: unknown): NyckelError {
  if (error instanceof NyckelError) return error;
  const code = ldapResultCode(error);
  if (code === 32 || code === 34) {
    return new NyckelError('account_not_found', `directory ${operation}: no such account`, {
      cause: error,
      detail: { operation, ldapCode: code },
    });
  }
  if (code === 49) {
    return new NyckelError('invalid_credentials', `directory ${operation}: invalid credentials`, {
      cause: error,
      detail: { operation, ldapCode: code },
    });
  }
  if (code === 19) {
    const rejection = passwordRejectionOf(error, undefined, 0);
    if (rejection !== null) return policyViolation(rejection, error);
  }
  return directoryUnavailable(operation, error);
}
