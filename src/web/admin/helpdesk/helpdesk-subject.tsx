// What every helpdesk page needs: the account (and method) a request names, read from the
// directory with the page that says why not (bad id, gone, directory down), and the staff audit
// event with the agent's name.

import type { Context } from 'hono';
import type { AccountState, DirectoryAccount } from '../../../directory/directory.ts';
import { isNyckelError } from '../../../domain/errors.ts';
import type { SecurityMethod } from '../../../methods/security-info.ts';
import type { AuditEventInput } from '../../../store/store.ts';
import type { WebEnv } from '../../context.ts';
import { renderPage } from '../../render.tsx';
import type { Staff } from '../staff-access.tsx';
import { HelpdeskMessagePage } from './result-page.tsx';

export const MINUTE = 60_000;
/** Embedded ids are UUIDs, LDAP ids DNs: bounded, and no control characters. */
const MAX_ACCOUNT_ID_LENGTH = 1024;
const METHOD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An account id from the query or form, or null when it can't be one. */
export function parseAccountId(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const id = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (id === '' || id.length > MAX_ACCOUNT_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) return null;
  return id;
}

export function parseMethodId(raw: string | undefined): string | null {
  return raw !== undefined && METHOD_ID.test(raw) ? raw : null;
}

export interface Subject {
  account: DirectoryAccount;
  state: AccountState;
}

export function pageOf(c: Context<WebEnv>, staff: Staff, title: string, message: string | null, status: number, isUnavailable = false) {
  return renderPage(
    c,
    { title, status, ...(isUnavailable ? { headers: { 'Retry-After': '60' } } : {}) },
    <HelpdeskMessagePage t={c.var.t} roles={staff.roles} title={title} message={message} isDirectoryUnavailable={isUnavailable} />,
  );
}

/** The account the request names, with its state; or the page saying why not (bad id, gone, directory down). */
export async function loadSubject(c: Context<WebEnv>, staff: Staff, rawId: string | undefined): Promise<Subject | Response> {
  const { t } = c.var;
  const id = parseAccountId(rawId);
  if (id === null) return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.badId, 400);
  const { directory } = c.var.services;
  try {
    const account = await directory.getAccount(id);
    if (account === null) return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.accountNotFound, 404);
    return { account, state: await directory.readState(account.id) };
  } catch (error) {
    if (isNyckelError(error, 'directory_unavailable')) return pageOf(c, staff, t.directoryErrors.unavailableTitle, null, 503, true);
    if (isNyckelError(error, 'account_not_found'))
      return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.accountNotFound, 404);
    throw error;
  }
}

/** One of the account's methods, by the id in the query or form. */
export async function loadMethod(c: Context<WebEnv>, accountId: string, rawId: string | undefined): Promise<SecurityMethod | null> {
  const id = parseMethodId(rawId);
  if (id === null) return null;
  return (await c.var.services.securityInfo.listMethods(accountId)).find((m) => m.id === id) ?? null;
}

/** Appends a staff event: the agent as actor, the user as subject, the agent's username in the detail. */
export async function auditStaff(
  c: Context<WebEnv>,
  staff: Staff,
  event: { type: string; subject: string; outcome: AuditEventInput['outcome']; detail?: Record<string, unknown> },
): Promise<void> {
  const { store, clock } = c.var.services;
  await store.appendAudit(
    {
      type: event.type,
      actor: staff.session.accountId,
      subject: event.subject,
      ip: c.var.clientIp,
      outcome: event.outcome,
      detail: { agent: staff.account.username, ...event.detail },
    },
    clock.now(),
  );
}
