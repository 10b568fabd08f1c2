// "My account" and change password (by choice, or forced after an expired / must-change
// sign-in). Nyckel's password policy (with the breached-password index) is enforced here before
// the directory is asked; the directory then checks the old password and its own policy, and its
// refusal is explained per rule from the catalog. A directory that can't be reached gets the form
// back with a notice (503), nothing changed. After a change every other session of the account ends.

import type { Context } from 'hono';
import type { DirectoryAccount, PasswordRejection } from '../../directory/directory.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../../flows/sign-in/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import { describePolicyCheck, evaluatePassword, failedChecks, type PasswordContext, type PolicyResult } from '../../passwords/policy.ts';
import { isInStaffZone } from '../admin/staff-access.tsx';
import { anyStaffConfigured, staffRolesOf } from '../admin/staff-roles.ts';
import type { FieldError } from '../components/form-fields.tsx';
import type { WebEnv } from '../context.ts';
import { tooManyRequestsPage } from '../error-responses.tsx';
import { field, readForm } from '../form.ts';
import { AccountPage } from '../pages/account-page.tsx';
import { ChangePasswordPage } from '../pages/change-password-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { type ActiveSession, beginSession, endSession, updateSessionData } from '../session.ts';

const MINUTE = 60_000;

/**
 * Explains a directory's refusal in the user's language (house style: the rule broken, not the
 * error). A `directory_policy` refusal carries the directory's own reason (docs/directory-errors.md):
 * AD 0000052D complexity or minimum age, an OpenLDAP quality module; anything else gets the
 * general text.
 */
export function explainRejection(t: Catalog, rejection: PasswordRejection | undefined): string {
  const text = t.directoryErrors.rejections;
  switch (rejection?.rule) {
    case 'too_short':
      return text.tooShort(rejection.minLength);
    case 'too_long':
      return text.tooLong(rejection.maxLength);
    case 'in_history':
      return text.inHistory(rejection.historySize);
    case 'same_as_current':
      return text.sameAsCurrent;
    case 'directory_policy':
      // Samba names the rule; Windows' bare 5003 ("length, complexity, history or minimum age") gets the general text.
      if (/complexity (rules|criteria)/i.test(rejection.reason)) return text.complexity;
      if (/too recently|minimum password age|too young/i.test(rejection.reason)) return text.minimumAge;
      if (/quality/i.test(rejection.reason)) return text.quality;
      return text.directoryPolicy;
    default:
      return text.directoryPolicy;
  }
}

interface ChangePasswordView {
  errors: FieldError[];
  status?: number;
  result?: PolicyResult | null;
  isDirectoryUnavailable?: boolean;
}

/** The account's words for the policy; without the directory, only the organisation's name (the page still renders). */
function passwordContextOf(c: Context<WebEnv>, account: DirectoryAccount | null | undefined): PasswordContext {
  const { services } = c.var;
  if (account !== undefined && account !== null) return services.passwordContextFor(account);
  return { organisationName: services.config.organisation.name };
}

async function renderChangePassword(
  c: Context<WebEnv>,
  session: ActiveSession,
  view: ChangePasswordView,
  account?: DirectoryAccount | null,
): Promise<Response> {
  const { errors } = view;
  return renderPage(
    c,
    {
      title: view.isDirectoryUnavailable ? c.var.t.directoryErrors.unavailableTitle : c.var.t.changePassword.title,
      hasErrors: errors.length > 0,
      status: view.status ?? 200,
      ...(view.isDirectoryUnavailable ? { headers: { 'Retry-After': '60' } } : {}),
    },
    <ChangePasswordPage
      t={c.var.t}
      csrfToken={session.data.csrf}
      policy={c.var.services.passwordPolicy}
      context={passwordContextOf(c, account)}
      result={view.result ?? null}
      forcedReason={session.data.pendingChange?.reason ?? null}
      errors={errors}
      isDirectoryUnavailable={view.isDirectoryUnavailable ?? false}
    />,
  );
}

/** The form again with "can't reach the directory" (503): nothing was changed, the user can retry. */
function directoryUnavailable(c: Context<WebEnv>, session: ActiveSession): Promise<Response> {
  return renderChangePassword(c, session, { errors: [], status: 503, isDirectoryUnavailable: true });
}

export function registerAccountRoutes(routes: RouteTable): void {
  routes.get('/account', async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    const { directory } = c.var.services;
    const account = await directory.getAccount(session.accountId);
    const state = account === null ? null : await directory.readState(account.id);
    if (account === null || state === null || state.isDisabled) {
      // The account went away or was disabled while signed in: the session ends with it.
      await endSession(c);
      return c.redirect('/sign-in', 303);
    }
    const passwordJustChanged = session.data.flash === 'password_changed';
    if (passwordJustChanged) {
      const { flash: _shown, ...rest } = session.data;
      await updateSessionData(c, session, rest);
    }
    return renderPage(
      c,
      { title: c.var.t.account.title },
      <AccountPage
        t={c.var.t}
        account={account}
        state={state}
        passwordJustChanged={passwordJustChanged}
        methodCount={(await c.var.services.securityInfo.listMethods(account.id)).length}
        showStaffLink={await showStaffLink(c, account)}
      />,
    );
  });

  routes.get('/account/password', async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    let account: DirectoryAccount | null;
    try {
      account = await c.var.services.directory.getAccount(session.accountId);
    } catch (error) {
      if (isNyckelError(error, 'directory_unavailable')) return directoryUnavailable(c, session);
      throw error;
    }
    return renderChangePassword(c, session, { errors: [] }, account);
  });

  routes.post('/account/password', async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    const { t } = c.var;
    const { store, directory, clock, config } = c.var.services;
    const form = await readForm(c);
    const current = field(form, 'current-password');
    const next = field(form, 'new-password');
    const confirm = field(form, 'confirm-password');

    const errors: FieldError[] = [];
    if ([current, next, confirm].some((value) => value.includes('\uFFFD'))) {
      errors.push({ field: 'current-password', message: t.form.unreadable });
    } else {
      if (current === '') errors.push({ field: 'current-password', message: t.changePassword.currentMissing });
      if (next === '') errors.push({ field: 'new-password', message: t.changePassword.newMissing });
      else if (next.length > MAX_PASSWORD_LENGTH)
        errors.push({ field: 'new-password', message: t.changePassword.tooLong(config.passwordPolicy.maxLength) });
      if (confirm === '') errors.push({ field: 'confirm-password', message: t.changePassword.confirmMissing });
      else if (next !== '' && confirm !== next) errors.push({ field: 'confirm-password', message: t.changePassword.mismatch });
    }
    if (errors.length > 0) return renderChangePassword(c, session, { errors, status: 400 });

    // Counted before the old password is checked: a stolen session must not become a password oracle.
    const limit = config.rateLimits.signInPerAccount;
    const decision = await store.hitRateLimit(`password:acct:${session.accountId}`, limit.limit, limit.windowMinutes * MINUTE, clock.now());
    if (!decision.allowed) return tooManyRequestsPage(c, decision.retryAfterMs);

    const auditBase = { type: 'password_change', actor: session.accountId, subject: session.accountId, ip: c.var.clientIp };
    let account: DirectoryAccount | null;
    let result: PolicyResult;
    try {
      account = await directory.getAccount(session.accountId);
      if (account === null) {
        await endSession(c);
        return c.redirect('/sign-in', 303);
      }
      // Nyckel's policy first, with the breached-password index: the same code as the checklist,
      // so what the page promised is what the server enforces (and no directory round trip for a refusal).
      result = await evaluatePassword(next, c.var.services.passwordContextFor(account), c.var.services.passwordPolicy);
    } catch (error) {
      if (isNyckelError(error, 'directory_unavailable')) return directoryUnavailable(c, session);
      throw error;
    }
    if (!result.ok) {
      const failed = failedChecks(result);
      // The rules broken go to the audit; never the password or any part of it.
      await store.appendAudit(
        { ...auditBase, outcome: 'failure', detail: { reason: 'policy', rules: failed.map((check) => check.rule) } },
        clock.now(),
      );
      return renderChangePassword(
        c,
        session,
        { errors: failed.map((check) => ({ field: 'new-password', message: describePolicyCheck(t, check) })), status: 400, result },
        account,
      );
    }

    try {
      await directory.changePassword(session.accountId, current, next);
    } catch (error) {
      if (isNyckelError(error, 'invalid_credentials')) {
        await store.appendAudit({ ...auditBase, outcome: 'failure', detail: { reason: 'wrong_current_password' } }, clock.now());
        return renderChangePassword(
          c,
          session,
          { errors: [{ field: 'current-password', message: t.directoryErrors.currentPasswordWrong }], status: 400, result },
          account,
        );
      }
      if (isNyckelError(error, 'policy_violation') || isNyckelError(error, 'password_in_history')) {
        const rejection = error.detail?.rejection as PasswordRejection | undefined;
        await store.appendAudit(
          { ...auditBase, outcome: 'failure', detail: { reason: 'policy', rule: rejection?.rule ?? 'unknown' } },
          clock.now(),
        );
        const message =
          isNyckelError(error, 'password_in_history') && rejection === undefined
            ? t.directoryErrors.rejections.inHistory(config.directory.embedded.historySize)
            : explainRejection(t, rejection);
        if (rejection?.rule === 'directory_policy') c.var.log.info({ reason: rejection.reason }, 'directory refused the new password');
        return renderChangePassword(c, session, { errors: [{ field: 'new-password', message }], status: 400 }, account);
      }
      if (isNyckelError(error, 'directory_unavailable')) {
        await store.appendAudit({ ...auditBase, outcome: 'failure', detail: { reason: 'directory_unavailable' } }, clock.now());
        return directoryUnavailable(c, session);
      }
      if (isNyckelError(error, 'account_locked')) {
        await endSession(c);
        return c.redirect('/sign-in/locked', 303);
      }
      if (isNyckelError(error, 'account_disabled') || isNyckelError(error, 'account_not_found')) {
        await endSession(c);
        return c.redirect('/sign-in', 303);
      }
      throw error;
    }

    // Every session of the account ends (a thief's too); this browser gets a brand-new one.
    const ended = await store.deleteSessionsOfAccount(session.accountId);
    c.set('session', null);
    await beginSession(c, session.accountId, { flash: 'password_changed' });
    await store.appendAudit({ ...auditBase, outcome: 'success', detail: { otherSessionsEnded: Math.max(0, ended - 1) } }, clock.now());
    return c.redirect('/account', 303);
  });
}

/** The link to the staff area, for staff on a network where it answers (others would only meet a refusal). */
async function showStaffLink(c: Context<WebEnv>, account: DirectoryAccount): Promise<boolean> {
  const { config, directory } = c.var.services;
  if (!anyStaffConfigured(config) || !isInStaffZone(c)) return false;
  return (await staffRolesOf(config, account, (a) => directory.groupsOf(a.id))).size > 0;
}
