// "My account" and change password (by choice, or forced after an expired / must-change
// sign-in). The directory checks the old password and the policy; its refusal is explained
// per rule from the catalog. After a change every other session of the account ends.

import type { Context } from 'hono';
import type { PasswordRejection } from '../../directory/directory.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../../flows/sign-in/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
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

/** Explains a directory's refusal in the user's language (house style: the rule broken, not the error). */
export function explainRejection(t: Catalog, rejection: PasswordRejection | undefined): string {
  switch (rejection?.rule) {
    case 'too_short':
      return t.changePassword.tooShort(rejection.minLength);
    case 'too_long':
      return t.changePassword.tooLong(rejection.maxLength);
    case 'in_history':
      return t.changePassword.inHistory(rejection.historySize);
    case 'same_as_current':
      return t.changePassword.sameAsCurrent;
    default:
      return t.changePassword.directoryPolicy;
  }
}

function renderChangePassword(c: Context<WebEnv>, session: ActiveSession, errors: FieldError[], status = 200): Promise<Response> {
  return renderPage(
    c,
    { title: c.var.t.changePassword.title, hasErrors: errors.length > 0, status },
    <ChangePasswordPage
      t={c.var.t}
      csrfToken={session.data.csrf}
      minLength={c.var.services.config.passwordPolicy.minLength}
      forcedReason={session.data.pendingChange?.reason ?? null}
      errors={errors}
    />,
  );
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
      <AccountPage t={c.var.t} account={account} state={state} passwordJustChanged={passwordJustChanged} />,
    );
  });

  routes.get('/account/password', (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    return renderChangePassword(c, session, []);
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
    if (errors.length > 0) return renderChangePassword(c, session, errors, 400);

    // Counted before the old password is checked: a stolen session must not become a password oracle.
    const limit = config.rateLimits.signInPerAccount;
    const decision = await store.hitRateLimit(`password:acct:${session.accountId}`, limit.limit, limit.windowMinutes * MINUTE, clock.now());
    if (!decision.allowed) return tooManyRequestsPage(c, decision.retryAfterMs);

    const auditBase = { type: 'password_change', actor: session.accountId, subject: session.accountId, ip: c.var.clientIp };
    try {
      await directory.changePassword(session.accountId, current, next);
    } catch (error) {
      if (isNyckelError(error, 'invalid_credentials')) {
        await store.appendAudit({ ...auditBase, outcome: 'failure', detail: { reason: 'wrong_current_password' } }, clock.now());
        return renderChangePassword(c, session, [{ field: 'current-password', message: t.changePassword.currentWrong }], 400);
      }
      if (isNyckelError(error, 'policy_violation') || isNyckelError(error, 'password_in_history')) {
        const rejection = error.detail?.rejection as PasswordRejection | undefined;
        await store.appendAudit(
          { ...auditBase, outcome: 'failure', detail: { reason: 'policy', rule: rejection?.rule ?? 'unknown' } },
          clock.now(),
        );
        const message =
          isNyckelError(error, 'password_in_history') && rejection === undefined
            ? t.changePassword.inHistory(config.directory.embedded.historySize)
            : explainRejection(t, rejection);
        if (rejection?.rule === 'directory_policy') c.var.log.info({ reason: rejection.reason }, 'directory refused the new password');
        return renderChangePassword(c, session, [{ field: 'new-password', message }], 400);
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
