// Sign in, the locked-account page and sign out. The flow decides; this file turns its outcome
// into a page, a redirect or a new session.

import type { Context } from 'hono';
import { isNyckelError } from '../../domain/errors.ts';
import { type SignInProblem, signIn } from '../../flows/sign-in/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import type { FieldError } from '../components/form-fields.tsx';
import type { WebEnv } from '../context.ts';
import { tooManyRequestsPage } from '../error-responses.tsx';
import { field, readForm } from '../form.ts';
import { LockedPage } from '../pages/locked-page.tsx';
import { SignInPage } from '../pages/sign-in-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { endSession } from '../session.ts';
import { continueAfterPassword } from './second-step-routes.tsx';

function problemToError(t: Catalog, problem: SignInProblem): FieldError {
  switch (problem) {
    case 'identifier_missing':
      return { field: 'identifier', message: t.signIn.identifierMissing };
    case 'identifier_too_long':
      return { field: 'identifier', message: t.signIn.identifierTooLong };
    case 'password_missing':
      return { field: 'password', message: t.signIn.passwordMissing };
    case 'unreadable':
      return { field: 'identifier', message: t.form.unreadable };
  }
}

async function renderSignIn(
  c: Context<WebEnv>,
  identifier: string,
  errors: FieldError[],
  status: number,
  isDirectoryUnavailable = false,
): Promise<Response> {
  return renderPage(
    c,
    {
      title: isDirectoryUnavailable ? c.var.t.directoryErrors.unavailableTitle : c.var.t.signIn.title,
      hasErrors: errors.length > 0,
      status,
      ...(isDirectoryUnavailable ? { headers: { 'Retry-After': '60' } } : {}),
    },
    <SignInPage
      t={c.var.t}
      csrfToken={await c.var.csrfToken()}
      identifier={identifier}
      errors={errors}
      isDirectoryUnavailable={isDirectoryUnavailable}
    />,
  );
}

export function registerSignInRoutes(routes: RouteTable): void {
  routes.get('/sign-in', (c) => {
    if (c.var.session !== null) return c.redirect('/account', 303);
    return renderSignIn(c, '', [], 200);
  });

  routes.post('/sign-in', async (c) => {
    const services = c.var.services;
    const form = await readForm(c);
    let outcome: Awaited<ReturnType<typeof signIn>>;
    try {
      outcome = await signIn(
        { store: services.store, directory: services.directory, clock: services.clock, config: services.config },
        { identifier: field(form, 'identifier'), password: field(form, 'password'), ip: c.var.clientIp },
      );
    } catch (error) {
      // The directory is down: the form again with the identifier kept, so a retry is one click (503).
      if (!isNyckelError(error, 'directory_unavailable')) throw error;
      c.var.log.warn({ err: { message: error.message } }, 'sign-in: directory unavailable');
      const identifier = field(form, 'identifier');
      return renderSignIn(c, identifier.includes('\uFFFD') || identifier.length > 256 ? '' : identifier, [], 503, true);
    }
    switch (outcome.kind) {
      case 'invalid_input':
        return renderSignIn(
          c,
          outcome.problems.includes('unreadable') ? '' : outcome.identifier,
          outcome.problems.map((p) => problemToError(c.var.t, p)),
          400,
        );
      case 'invalid_credentials':
        // One message for unknown account, wrong password and disabled account (no enumeration).
        return renderSignIn(c, outcome.identifier, [{ field: 'identifier', message: c.var.t.signIn.invalidCredentials }], 401);
      case 'rate_limited':
        return tooManyRequestsPage(c, outcome.retryAfterMs);
      case 'locked':
        return c.redirect('/sign-in/locked', 303);
      // The password alone is not the end: the second step (or registration) may come first.
      case 'signed_in':
        if (await campaignBlocks(c, outcome.account.id)) return campaignBlockedPage(c);
        return continueAfterPassword(c, outcome.account.id, undefined);
      case 'change_required':
        if (await campaignBlocks(c, outcome.account.id)) return campaignBlockedPage(c);
        c.var.log.info({ account: outcome.account.id, reason: outcome.reason }, 'password right, password change required');
        return continueAfterPassword(c, outcome.account.id, outcome.reason);
    }
  });

  routes.get('/sign-in/locked', (c) =>
    renderPage(
      c,
      { title: c.var.t.locked.title },
      <LockedPage t={c.var.t} lockoutMinutes={c.var.services.config.directory.embedded.lockoutMinutes} />,
    ),
  );

  routes.post('/sign-out', async (c) => {
    const session = c.var.session;
    if (session !== null) {
      await c.var.services.store.appendAudit(
        { type: 'sign_out', actor: session.accountId, subject: session.accountId, ip: c.var.clientIp, outcome: 'success' },
        c.var.services.clock.now(),
      );
    }
    await endSession(c);
    return c.redirect('/?signedOut=1', 303);
  });
}

/**
 * A campaign past its deadline with the action "block sign-in" refuses the old password here
 * (it may be the leaked one): only a reset, which needs the registered security info, lifts it.
 */
async function campaignBlocks(c: Context<WebEnv>, accountId: string): Promise<boolean> {
  const { campaigns, store, clock } = c.var.services;
  if (!(await campaigns.isSignInBlocked(accountId))) return false;
  await store.appendAudit(
    {
      type: 'sign_in',
      actor: accountId,
      subject: accountId,
      ip: c.var.clientIp,
      outcome: 'refused',
      detail: { reason: 'campaign_deadline' },
    },
    clock.now(),
  );
  return true;
}

function campaignBlockedPage(c: Context<WebEnv>): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: t.signIn.campaignBlockedTitle, status: 403 },
    <>
      <h1>{t.signIn.campaignBlockedTitle}</h1>
      <p class="lead">{t.signIn.campaignBlocked}</p>
      <p>{t.signIn.campaignBlockedHow}</p>
      <p>
        <a class="button" href="/reset">
          {t.signIn.campaignBlockedLink}
        </a>
      </p>
    </>,
  );
}
