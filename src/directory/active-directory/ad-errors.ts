// What Active Directory (Windows AD and Samba AD DC) answers, turned into Nyckel's outcomes and
// domain errors. AD puts the real reason in the diagnostic text: a bind answers 49 with
// `data 52e` (wrong password), `775` (locked), `773` (must change) …; a write answers with an
// 8-digit code such as `0000052D` (password policy) followed, on Samba, by a readable reason.
// The tables here are the ones in docs/directory-errors.md. Users see catalog text for the
// domain error; the diagnostic goes to the log (detail.diagnostic), never to a page.

import { NyckelError } from '../../domain/errors.ts';
import type { AuthenticationResult, PasswordRejection } from '../directory.ts';
import { directoryUnavailable, ldapDiagnostic, ldapResultCode, policyViolation, toDirectoryError } from '../ldap/ldap-errors.ts';

export type AuthenticationOutcome = AuthenticationResult['outcome'];

/**
 * The `data` codes of a failed bind (result 49), from the Win32 error behind it. AD tells
 * 530–533, 701 and 773 only when the password was right (so they don't reveal anything to
 * someone guessing); 775 is told whatever the password.
 */
export const adBindDataCodes: Record<string, { meaning: string; outcome: AuthenticationOutcome }> = {
  '525': { meaning: 'no such user', outcome: 'invalid' },
  '52e': { meaning: 'wrong password', outcome: 'invalid' },
  '530': { meaning: 'not permitted to sign in at this time (logon hours)', outcome: 'disabled' },
  '531': { meaning: 'not permitted to sign in from this workstation', outcome: 'disabled' },
  '532': { meaning: 'password expired', outcome: 'expired' },
  '533': { meaning: 'account disabled', outcome: 'disabled' },
  '701': { meaning: 'account expired', outcome: 'disabled' },
  '773': { meaning: 'password must be changed', outcome: 'must_change' },
  '775': { meaning: 'account locked out', outcome: 'locked' },
};

/** The 8-digit codes at the start of a failed write's diagnostic that Nyckel reads. */
export const adWriteErrorCodes = {
  /** ERROR_PASSWORD_RESTRICTION: the new password breaks the domain policy (19 on Samba, 53 on Windows). */
  passwordRestriction: '0000052D',
  /** ERROR_INVALID_PASSWORD: the old password given for a change is wrong. */
  wrongOldPassword: '00000056',
  /** ERROR_DS_INSUFF_ACCESS_RIGHTS: the service account lacks a right on this object. */
  insufficientRights: '00002098',
  /** ERROR_DS_OPERATIONS_ERROR: the operation needs an authenticated (bound) connection. */
  notAuthenticated: '00002020',
  /** ERROR_NOT_SUPPORTED: typically a unicodePwd write over an unencrypted connection. */
  notSupported: '0000001F',
} as const;

/** `52e` from "… AcceptSecurityContext error, data 52e, v1db1"; null when there is none. */
export function bindDataCode(error: unknown): string | null {
  const match = /\bdata ([0-9a-f]{1,8})\b/i.exec(ldapDiagnostic(error));
  return match === null ? null : (match[1] as string).toLowerCase().replace(/^0+(?=.)/, '');
}

/** `0000052D` from "0000052D: Constraint violation - …"; null when there is none. */
export function writeErrorCode(error: unknown): string | null {
  const match = /^([0-9a-f]{8}):/i.exec(ldapDiagnostic(error));
  return match === null ? null : (match[1] as string).toUpperCase();
}

/**
 * The authentication outcome of a failed bind; null when the failure wasn't a 49 (a transport
 * or server error, which the caller turns into 'directory_unavailable'). A 49 with an
 * unknown or missing data code counts as a wrong password: never more than the DC said.
 */
export function authenticationOutcomeOf(error: unknown): AuthenticationOutcome | null {
  if (ldapResultCode(error) !== 49) return null;
  const data = bindDataCode(error);
  return (data !== null ? adBindDataCodes[data]?.outcome : undefined) ?? 'invalid';
}

/** The domain error for an authentication outcome other than ok (for flows that throw rather than branch). */
export function authenticationError(outcome: Exclude<AuthenticationOutcome, 'ok'>, cause?: unknown): NyckelError {
  const code = {
    invalid: 'invalid_credentials',
    locked: 'account_locked',
    disabled: 'account_disabled',
    expired: 'password_expired',
    must_change: 'password_must_change',
  } as const;
  return new NyckelError(code[outcome], `directory sign-in: ${outcome}`, {
    ...(cause === undefined ? {} : { cause }),
    detail: { ldapCode: ldapResultCode(cause), adData: cause === undefined ? null : bindDataCode(cause) },
  });
}

/** Samba's reason after the code, without the "Constraint violation - check_password_restrictions:" preamble. */
function readableReason(diagnostic: string): string {
  return diagnostic
    .replace(/^[0-9a-f]{8}:\s*/i, '')
    .replace(/^Constraint violation\s*-\s*/i, '')
    .replace(/^check_password_restrictions:\s*/i, '')
    .replace(/\s*!\s*$/, '')
    .trim();
}

/**
 * Reads a password refusal (0000052D) into a PasswordRejection. Samba says which rule was
 * broken; Windows AD says only `0000052D … problem 5003`, which becomes a general
 * 'directory_policy' naming the usual suspects. Null when the error isn't a policy refusal.
 */
export function adPasswordRejectionOf(error: unknown, historySize: number): PasswordRejection | null {
  const code = ldapResultCode(error);
  if ((code !== 19 && code !== 53) || writeErrorCode(error) !== adWriteErrorCodes.passwordRestriction) return null;
  const reason = readableReason(ldapDiagnostic(error));
  const tooShort = /too short.*?(\d+) characters/i.exec(reason);
  if (tooShort !== null) return { rule: 'too_short', minLength: Number(tooShort[1]) };
  if (/already used \(previous password\)/i.test(reason)) return { rule: 'same_as_current' };
  if (/in history/i.test(reason)) return { rule: 'in_history', historySize };
  if (/complexity/i.test(reason)) {
    return {
      rule: 'directory_policy',
      reason: 'the password does not meet the complexity rules (three of: upper case, lower case, digits, symbols; not the account name)',
    };
  }
  if (/too young/i.test(reason))
    return { rule: 'directory_policy', reason: 'the password was changed too recently to change again (minimum password age)' };
  if (/^(SvcErr|problem)|DSID-/i.test(reason) || reason === '') {
    return {
      rule: 'directory_policy',
      reason: "the password does not meet the domain's policy (length, complexity, history or minimum age)",
    };
  }
  return { rule: 'directory_policy', reason };
}

/** Plain-language hints for refusals that are the set-up's fault, not the user's. */
function operatorHint(error: unknown): string | null {
  const code = ldapResultCode(error);
  const data = writeErrorCode(error);
  if (code === 50 || data === adWriteErrorCodes.insufficientRights) {
    return 'the service account lacks a right on this account: delegate "Reset password" and write access to lockoutTime and pwdLastSet on the OU (docs/directory-active-directory.md)';
  }
  if (code === 12) {
    return 'the directory does not support the password policy hints control (Samba): set directory.activeDirectory.policyHints to false';
  }
  if (code === 53 && data === adWriteErrorCodes.notSupported)
    return 'AD refuses password writes over an unencrypted connection: use ldaps://';
  if (code === 8 || code === 13) return 'the directory requires an encrypted connection: use ldaps://';
  return null;
}

/**
 * Any error from an AD operation → a NyckelError: password refusals → 'policy_violation' with
 * the rejection; a wrong old password → 'invalid_credentials'; missing rights and other server
 * refusals → 'directory_unavailable' with a hint for the operator; the rest as for OpenLDAP.
 */
export function toActiveDirectoryError(operation: string, error: unknown, context: { historySize: number }): NyckelError {
  if (error instanceof NyckelError) return error;
  const rejection = adPasswordRejectionOf(error, context.historySize);
  if (rejection !== null) return policyViolation(rejection, error);
  if (ldapResultCode(error) === 19 && writeErrorCode(error) === adWriteErrorCodes.wrongOldPassword) {
    return new NyckelError('invalid_credentials', `directory ${operation}: the old password is wrong`, {
      cause: error,
      detail: { operation, ldapCode: 19, adData: adWriteErrorCodes.wrongOldPassword },
    });
  }
  const hint = operatorHint(error);
  if (hint !== null) {
    const unavailable = directoryUnavailable(operation, error);
    if (unavailable.detail !== undefined) unavailable.detail.hint = hint;
    return new NyckelError('directory_unavailable', `directory ${operation} failed: ${hint}`, { cause: error, detail: unavailable.detail });
  }
  return toDirectoryError(operation, error);
}
