// What every directory check returns: one line of the doctor's report (ok, warn or fail, with a
// hint for every failure), the constructors the checks build them with, and the one way an error
// is worded in a result. Shared by the check modules beside this file.

import { NyckelError } from '../../domain/errors.ts';
import { ldapDiagnostic, ldapResultCode } from '../ldap/ldap-errors.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report. `hint` says what to do; it is set for every 'fail'. */
export interface CheckResult {
  status: CheckStatus;
  title: string;
  detail: string;
  hint?: string;
}

export const ok = (title: string, detail: string): CheckResult => ({ status: 'ok', title, detail });
export const warn = (title: string, detail: string, hint?: string): CheckResult => ({
  status: 'warn',
  title,
  detail,
  ...(hint ? { hint } : {}),
});
export const fail = (title: string, detail: string, hint: string): CheckResult => ({ status: 'fail', title, detail, hint });

/** An error as a result's detail: Nyckel's own message, the LDAP result and diagnostic, or the system error code. */
export function describeError(error: unknown): string {
  if (error instanceof NyckelError) return error.message;
  const code = ldapResultCode(error);
  if (code !== null) return `LDAP result ${code}: ${ldapDiagnostic(error)}`;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return errno !== undefined && !message.includes(errno) ? `${message} (${errno})` : message;
}

/** The system error code of a failed file read or name look-up (ENOENT, ENOTFOUND …), for a result's detail. */
export function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}
