// Passkey pages: add a passkey (signed in, under the same change policy as every other method)
// and sign in with one as the second step after the password, plus the two scripts they need,
// served from our own origin. The ceremonies themselves are in src/methods/passkey.ts; this
// file turns their results into pages, session changes and redirects.

import type { Context } from 'hono';
import { secondStepKeys } from '../../flows/second-step/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import {
  type CeremonyContext,
  defaultPasskeyName,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  normalisePasskeyName,
  type PasskeyDeps,
  type PasskeyFailure,
  relyingPartyFor,
  SecurityMethodsPasskeyStore,
  startPasskeyRegistration,
  startPasskeySignIn,
  WebauthnChallengeStore,
} from '../../methods/passkey.ts';
import { passkeyScripts } from '../assets.ts';
import type { FieldError } from '../components/form-fields.tsx';
import type { WebEnv } from '../context.ts';
import { field, readForm } from '../form.ts';
import { PASSKEY_NAME_FIELD, PASSKEY_REGISTER_BUTTON, PasskeyRegisterPage } from '../pages/passkey-register-page.tsx';
import { PASSKEY_SIGN_IN_BUTTON, PasskeySignInPage } from '../pages/passkey-sign-in-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { type ActiveSession, updateSessionData } from '../session.ts';
import { finishSecondStep, REVERIFY_PATH, SECOND_STEP_PATH, secondStepDeps } from './second-step-routes.tsx';
import { requireChangeAccess } from './security-info-routes.tsx';

export const PASSKEY_REGISTER_PATH = '/account/security-info/passkey/new';
export const PASSKEY_SIGN_IN_PATH = '/sign-in/passkey';
/** The security-info page: the list of methods, where a new passkey shows with its name. */
const SECURITY_INFO_PATH = '/account/security-info';
const MINUTE = 60_000;

function passkeyDeps(c: Context<WebEnv>): PasskeyDeps {
  const { store, clock, config, securityInfo } = c.var.services;
  const records = new SecurityMethodsPasskeyStore(store.db, store.dialect, clock);
  return {
    passkeys: {
      listPasskeys: (accountId) => records.listPasskeys(accountId),
      updatePasskeyCounter: (accountId, methodId, counter, usedAt) => records.updatePasskeyCounter(accountId, methodId, counter, usedAt),
      // Through the service, like every other new method: it stores, audits and tells the user's other channels.
      savePasskey: (accountId, passkey, ctx) => securityInfo.savePasskey(accountId, passkey, ctx ?? { ip: c.var.clientIp }),
    },
    challenges: new WebauthnChallengeStore(store.db),
    clock,
    audit: store,
    rp: relyingPartyFor(config),
  };
}

// Failed passkey sign-ins are counted per account (the same budget as the second step's code
// attempts, so switching methods buys no extra tries) and per client address (one source
// probing many accounts). Each answer also needs a fresh single-use challenge, so a burst of
// parallel answers can't outrun the counters by much.
const passkeyIpKey = (ip: string) => `passkey:ip:${ip}`;

function signInLimits(c: Context<WebEnv>, accountId: string): { key: string; limit: number; windowMs: number }[] {
  const { attemptLimit } = secondStepDeps(c);
  const perIp = c.var.services.config.rateLimits.signInPerIp;
  return [
    { key: secondStepKeys.account(accountId), limit: attemptLimit.limit, windowMs: attemptLimit.windowMinutes * MINUTE },
    { key: passkeyIpKey(c.var.clientIp), limit: perIp.limit, windowMs: perIp.windowMinutes * MINUTE },
  ];
}

/** Milliseconds to wait when the account or the address has used up its failures; null when a try is allowed. */
async function signInBlockedFor(c: Context<WebEnv>, accountId: string): Promise<number | null> {
  const { store, clock } = c.var.services;
  let wait: number | null = null;
  for (const rule of signInLimits(c, accountId)) {
    const decision = await store.peekRateLimit(rule.key, rule.limit, rule.windowMs, clock.now());
    // peek counts nothing: a window whose failures already reached the limit refuses the next try.
    if (!decision.allowed) wait = Math.max(wait ?? 0, decision.retryAfterMs);
  }
  return wait;
}

async function countSignInFailure(c: Context<WebEnv>, accountId: string): Promise<void> {
  const { store, clock } = c.var.services;
  for (const rule of signInLimits(c, accountId)) await store.hitRateLimit(rule.key, rule.limit, rule.windowMs, clock.now());
}

function ceremonyContext(c: Context<WebEnv>, session: ActiveSession): CeremonyContext {
  // allowedOrigins[0] is the origin this request reached us at (scheme from a trusted proxy only).
  return { sessionKey: session.idHash, requestOrigin: c.var.allowedOrigins[0] ?? '', ip: c.var.clientIp };
}

/** A session that may register: signed in (or registering a first method), not half-way through the second step. */
function isRegistrationSession(session: ActiveSession | null): session is ActiveSession {
  return session !== null && session.data.secondStep === undefined && session.data.pendingChange === undefined;
}

function registrationMessage(t: Catalog, reason: PasskeyFailure): FieldError {
  switch (reason) {
    case 'challenge_missing':
      return { field: PASSKEY_REGISTER_BUTTON, message: t.passkey.expired };
    case 'already_registered':
      return { field: PASSKEY_REGISTER_BUTTON, message: t.passkey.duplicate };
    case 'credential_in_use':
      return { field: PASSKEY_REGISTER_BUTTON, message: t.passkey.usedByAnotherAccount };
    default:
      return { field: PASSKEY_REGISTER_BUTTON, message: t.passkey.registerRefused };
  }
}

function signInMessage(t: Catalog, reason: PasskeyFailure): FieldError {
  switch (reason) {
    case 'challenge_missing':
      return { field: PASSKEY_SIGN_IN_BUTTON, message: t.passkey.expired };
    case 'unknown_credential':
      return { field: PASSKEY_SIGN_IN_BUTTON, message: t.passkey.unknownPasskey };
    default:
      return { field: PASSKEY_SIGN_IN_BUTTON, message: t.passkey.signInRefused };
  }
}

async function renderRegister(c: Context<WebEnv>, session: ActiveSession, name: string | null, errors: FieldError[], status = 200) {
  const { t } = c.var;
  const { directory, clock } = c.var.services;
  const account = await directory.getAccount(session.accountId);
  if (account === null) return c.redirect('/sign-in', 303);
  const options = await startPasskeyRegistration(
    passkeyDeps(c),
    { accountId: account.id, userName: account.username, displayName: account.displayName },
    ceremonyContext(c, session),
  );
  return renderPage(
    c,
    { title: t.passkey.registerTitle, hasErrors: errors.length > 0, status },
    <PasskeyRegisterPage
      t={t}
      csrfToken={session.data.csrf}
      optionsJson={JSON.stringify(options)}
      name={name ?? defaultPasskeyName(t.passkey.defaultNamePrefix, clock.now())}
      errors={errors}
      backHref={SECURITY_INFO_PATH}
    />,
  );
}

async function renderSignIn(c: Context<WebEnv>, session: ActiveSession, errors: FieldError[], status = 200) {
  const { t } = c.var;
  const options = await startPasskeySignIn(passkeyDeps(c), session.accountId, ceremonyContext(c, session));
  return renderPage(
    c,
    { title: t.passkey.signInTitle, hasErrors: errors.length > 0, status },
    <PasskeySignInPage
      t={t}
      csrfToken={session.data.csrf}
      optionsJson={options === null ? null : JSON.stringify(options)}
      errors={errors}
      otherMethodsHref={session.data.reverify === undefined ? `${SECOND_STEP_PATH}/methods` : `${REVERIFY_PATH}/methods`}
    />,
  );
}

export function registerPasskeyRoutes(routes: RouteTable): void {
  routes.get('/assets/passkey.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    // The link carries a content hash (?v=), so a day's caching never serves a stale script.
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(passkeyScripts.page);
  });

  routes.get('/assets/simplewebauthn-browser.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(passkeyScripts.webAuthnBrowser);
  });

  routes.get(PASSKEY_REGISTER_PATH, async (c) => {
    const session = c.var.session;
    if (!isRegistrationSession(session)) return c.redirect('/sign-in', 303);
    // The same change policy as every other method: the first from a trusted zone or with a helpdesk pass, later ones after a recent second step.
    const refusal = await requireChangeAccess(c, session, PASSKEY_REGISTER_PATH);
    if (refusal !== null) return refusal;
    return renderRegister(c, session, null, []);
  });

  routes.post(PASSKEY_REGISTER_PATH, async (c) => {
    const session = c.var.session;
    if (!isRegistrationSession(session)) return c.redirect('/sign-in', 303);
    // Checked again on the answer: the page may have been open longer than the recent second step lasts.
    const refusal = await requireChangeAccess(c, session, PASSKEY_REGISTER_PATH);
    if (refusal !== null) return refusal;
    const { t } = c.var;
    const form = await readForm(c);
    const rawName = field(form, PASSKEY_NAME_FIELD);
    const name = normalisePasskeyName(rawName, defaultPasskeyName(t.passkey.defaultNamePrefix, c.var.services.clock.now()));
    if (!name.ok) {
      const message = name.problem === 'too_long' ? t.passkey.nameTooLong : t.passkey.nameUnreadable;
      return renderRegister(c, session, rawName.slice(0, 256), [{ field: PASSKEY_NAME_FIELD, message }], 400);
    }
    const result = await finishPasskeyRegistration(
      passkeyDeps(c),
      { accountId: session.accountId, name: name.name, responseJson: field(form, 'credential') },
      ceremonyContext(c, session),
    );
    if (!result.ok) {
      c.var.log.info({ reason: result.reason }, 'passkey registration refused');
      return renderRegister(c, session, name.name, [registrationMessage(t, result.reason)], 400);
    }
    c.var.log.info({ methodId: result.methodId }, 'passkey registered');
    // A first method also ends "register before continuing" (the second-step guard sees the account has one now).
    await updateSessionData(c, session, { ...session.data, flash: 'method_added' });
    return c.redirect(SECURITY_INFO_PATH, 303);
  });

  routes.get(PASSKEY_SIGN_IN_PATH, async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    if (session.data.secondStep === undefined && session.data.reverify === undefined) return c.redirect('/account', 303);
    return renderSignIn(c, session, []);
  });

  routes.post(PASSKEY_SIGN_IN_PATH, async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    if (session.data.secondStep === undefined && session.data.reverify === undefined) return c.redirect('/account', 303);
    const { t } = c.var;
    const blockedFor = await signInBlockedFor(c, session.accountId);
    if (blockedFor !== null) {
      c.var.log.info({ account: session.accountId }, 'passkey sign-in refused: too many failed attempts');
      await c.var.services.store.appendAudit(
        {
          type: 'passkey_sign_in',
          actor: session.accountId,
          subject: session.accountId,
          ip: c.var.clientIp,
          outcome: 'refused',
          detail: { reason: 'rate_limited' },
        },
        c.var.services.clock.now(),
      );
      const message = t.secondStep.rateLimited(Math.max(1, Math.ceil(blockedFor / MINUTE)));
      return renderSignIn(c, session, [{ field: PASSKEY_SIGN_IN_BUTTON, message }], 429);
    }
    const form = await readForm(c);
    const result = await finishPasskeySignIn(
      passkeyDeps(c),
      { accountId: session.accountId, responseJson: field(form, 'credential') },
      ceremonyContext(c, session),
    );
    if (!result.ok) {
      await countSignInFailure(c, session.accountId);
      c.var.log.info({ reason: result.reason }, 'passkey sign-in refused');
      return renderSignIn(c, session, [signInMessage(t, result.reason)], 400);
    }
    return finishSecondStep(c, session, {}, 'passkey');
  });
}
