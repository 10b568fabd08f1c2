// The helpdesk's actions on an account (unlock, require a password change, issue a one-time
// pass, remove a lost method): each a GET confirmation page with a required reason, then the
// POST that does it. Every attempt is audited with the agent and the reason, whether it worked
// or not; a directory that refuses or can't be reached changes nothing and says so.

import type { Context } from 'hono';
import { isNyckelError } from '../../../domain/errors.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { SecurityMethod } from '../../../methods/security-info.ts';
import type { FieldError } from '../../components/form-fields.tsx';
import type { WebEnv } from '../../context.ts';
import { type FormFields, field, readForm } from '../../form.ts';
import { methodTitle } from '../../pages/security-info-page.tsx';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { type Staff, staffOnly } from '../staff-access.tsx';
import {
  ActionConfirmPage,
  actionTitle,
  type ConfirmValues,
  type HelpdeskAction,
  MAX_REASON_LENGTH,
  PASS_VALIDITY_CHOICES,
} from './confirm-page.tsx';
import { ISSUE_PASS_PATH, REMOVE_METHOD_PATH, REQUIRE_CHANGE_PATH, UNLOCK_PATH } from './helpdesk-paths.ts';
import { auditStaff, loadMethod, loadSubject, MINUTE, pageOf, type Subject } from './helpdesk-subject.tsx';
import { type ActionOutcome, ActionResultPage, PassIssuedPage } from './result-page.tsx';

/** Why an action's form is not acceptable yet (nothing is attempted or audited for these). */
function readReason(t: Catalog, form: FormFields): { reason: string; error: FieldError | null } {
  const reason = field(form, 'reason').replace(/\r\n?/g, '\n').trim();
  if (reason === '') return { reason, error: { field: 'reason', message: t.admin.reasonMissing } };
  if (reason.length > MAX_REASON_LENGTH) return { reason, error: { field: 'reason', message: t.admin.reasonTooLong(MAX_REASON_LENGTH) } };
  return { reason, error: null };
}

type DirectoryFailure = 'directory_unavailable' | 'directory_refused';

/** Runs a directory write; a refusal or an unreachable directory becomes a value (nothing was changed). */
async function directoryWrite(c: Context<WebEnv>, write: () => Promise<void>): Promise<DirectoryFailure | null> {
  try {
    await write();
    return null;
  } catch (error) {
    if (isNyckelError(error, 'directory_unavailable')) return 'directory_unavailable';
    if (isNyckelError(error)) {
      c.var.log.warn({ err: { code: error.code, message: error.message } }, 'the directory refused a helpdesk change');
      return 'directory_refused';
    }
    throw error;
  }
}

function renderConfirm(
  c: Context<WebEnv>,
  staff: Staff,
  action: HelpdeskAction,
  subject: Subject,
  method: SecurityMethod | null,
  values: ConfirmValues,
  errors: FieldError[] = [],
): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: actionTitle(t, action), hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
    <ActionConfirmPage
      t={t}
      roles={staff.roles}
      csrfToken={staff.session.data.csrf}
      action={action}
      account={subject.account}
      isPrivileged={subject.state.isPrivileged}
      isLocked={subject.state.isLocked}
      method={method}
      values={values}
      errors={errors}
    />,
  );
}

function renderResult(
  c: Context<WebEnv>,
  staff: Staff,
  action: HelpdeskAction,
  subject: Subject,
  outcome: ActionOutcome,
): Promise<Response> {
  const { t } = c.var;
  const status = outcome.kind === 'done' ? 200 : outcome.kind === 'refused' ? 409 : outcome.kind === 'directory_unavailable' ? 503 : 502;
  return renderPage(
    c,
    {
      title: outcome.kind === 'done' ? actionTitle(t, action) : t.helpdesk.actionFailedTitle,
      status,
      ...(outcome.kind === 'directory_unavailable' ? { headers: { 'Retry-After': '60' } } : {}),
    },
    <ActionResultPage t={t} roles={staff.roles} account={subject.account} title={actionTitle(t, action)} outcome={outcome} />,
  );
}

const auditType: Record<HelpdeskAction, string> = {
  unlock: 'helpdesk.unlock',
  require_change: 'helpdesk.require_change',
  issue_pass: 'helpdesk.issue_pass',
  remove_method: 'helpdesk.remove_method',
};

/** The GET confirmation page of an action on one account (and for removal, one method). */
function confirmRoute(routes: RouteTable, path: string, action: HelpdeskAction): void {
  routes.get(
    path,
    staffOnly('helpdesk', async (c, staff) => {
      const subject = await loadSubject(c, staff, c.req.query('id'));
      if (subject instanceof Response) return subject;
      let method: SecurityMethod | null = null;
      if (action === 'remove_method') {
        method = await loadMethod(c, subject.account.id, c.req.query('method'));
        if (method === null) return pageOf(c, staff, c.var.t.helpdesk.removeTitle, c.var.t.helpdesk.methodNotFound, 404);
      }
      return renderConfirm(c, staff, action, subject, method, { reason: '' });
    }),
  );
}

export function registerHelpdeskActionRoutes(routes: RouteTable): void {
  confirmRoute(routes, UNLOCK_PATH, 'unlock');
  confirmRoute(routes, REQUIRE_CHANGE_PATH, 'require_change');
  confirmRoute(routes, ISSUE_PASS_PATH, 'issue_pass');
  confirmRoute(routes, REMOVE_METHOD_PATH, 'remove_method');

  routes.post(
    UNLOCK_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(c.var.t, form);
      if (error !== null) return renderConfirm(c, staff, 'unlock', subject, null, { reason }, [error]);
      const id = subject.account.id;
      const failure = await directoryWrite(c, () => c.var.services.directory.unlock(id));
      await auditStaff(c, staff, {
        type: auditType.unlock,
        subject: id,
        outcome: failure === null ? 'success' : 'failure',
        detail: { reason, wasLocked: subject.state.isLocked, ...(failure === null ? {} : { failure }) },
      });
      return renderResult(
        c,
        staff,
        'unlock',
        subject,
        failure === null ? { kind: 'done', message: c.var.t.helpdesk.unlockDone(subject.account.displayName) } : { kind: failure },
      );
    }),
  );

  routes.post(
    REQUIRE_CHANGE_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(c.var.t, form);
      if (error !== null) return renderConfirm(c, staff, 'require_change', subject, null, { reason }, [error]);
      const id = subject.account.id;
      const { directory, store } = c.var.services;
      const failure = await directoryWrite(c, () => directory.requireChange(id));
      // Sessions end only once the directory took the change: a failed action changes nothing.
      // Ending them makes a session an attacker may hold meet the new requirement at once.
      const sessionsEnded = failure === null ? await store.deleteSessionsOfAccount(id) : 0;
      await auditStaff(c, staff, {
        type: auditType.require_change,
        subject: id,
        outcome: failure === null ? 'success' : 'failure',
        detail: { reason, ...(failure === null ? { sessionsEnded } : { failure }) },
      });
      return renderResult(
        c,
        staff,
        'require_change',
        subject,
        failure === null
          ? { kind: 'done', message: c.var.t.helpdesk.requireChangeDone(subject.account.displayName, sessionsEnded) }
          : { kind: failure },
      );
    }),
  );

  routes.post(
    ISSUE_PASS_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(t, form);
      const minutes = Number(field(form, 'validMinutes'));
      const use = field(form, 'use');
      const errors: FieldError[] = [];
      const validMinutes = (PASS_VALIDITY_CHOICES as readonly number[]).includes(minutes) ? minutes : null;
      if (validMinutes === null) errors.push({ field: 'valid-minutes', message: t.helpdesk.passValidityInvalid });
      if (use !== 'single' && use !== 'reusable') errors.push({ field: 'use-single', message: t.helpdesk.passUseInvalid });
      if (error !== null) errors.push(error);
      const singleUse = use !== 'reusable';
      if (errors.length > 0 || validMinutes === null) {
        return renderConfirm(c, staff, 'issue_pass', subject, null, { reason, validMinutes: validMinutes ?? undefined, singleUse }, errors);
      }
      const { securityInfo, clock } = c.var.services;
      const id = subject.account.id;
      const pass = await securityInfo.issuePass(id, { singleUse, validMinutes, issuedBy: staff.session.accountId });
      // The pass itself is never logged or audited: only that one was issued, for how long, by whom and why.
      await auditStaff(c, staff, {
        type: auditType.issue_pass,
        subject: id,
        outcome: 'success',
        detail: { reason, singleUse, validMinutes },
      });
      return renderPage(
        c,
        { title: t.helpdesk.passDoneTitle },
        <PassIssuedPage
          t={t}
          roles={staff.roles}
          account={subject.account}
          pass={pass}
          validUntil={new Date(clock.now().getTime() + validMinutes * MINUTE)}
          singleUse={singleUse}
        />,
      );
    }),
  );

  routes.post(
    REMOVE_METHOD_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const method = await loadMethod(c, subject.account.id, field(form, 'method'));
      if (method === null) return pageOf(c, staff, t.helpdesk.removeTitle, t.helpdesk.methodNotFound, 404);
      const { reason, error } = readReason(t, form);
      if (error !== null) return renderConfirm(c, staff, 'remove_method', subject, method, { reason }, [error]);
      const id = subject.account.id;
      // removeMethod tells the user's other channels (and the removed one), as for a change they make themselves.
      const removed = await c.var.services.securityInfo.removeMethod(id, method.id);
      await auditStaff(c, staff, {
        type: auditType.remove_method,
        subject: id,
        outcome: removed ? 'success' : 'refused',
        detail: { reason, method: method.kind, methodId: method.id, ...(removed ? {} : { failure: 'last_method' }) },
      });
      return renderResult(
        c,
        staff,
        'remove_method',
        subject,
        removed
          ? { kind: 'done', message: t.helpdesk.removeDone(methodTitle(t, method)) }
          : { kind: 'refused', message: t.helpdesk.removeRefusedLast },
      );
    }),
  );
}
