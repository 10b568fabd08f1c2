// The second step of signing in, registration before continuing, and re-verifying before a
// change of security info. The flow in src/flows/second-step decides; this file keeps its state
// in the session and turns outcomes into pages and redirects. Until the second step is done the
// session is only "password verified": the guard lets it reach these pages, the passkey sign-in
// and sign-out, nothing else.

import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../../config/schema.ts';
import { isNyckelError } from '../../domain/errors.ts';
import {
  askLater,
  beginSecondStep,
  chooseMethod,
  currentMethod,
  needsSentCode,
  readAskLaterCount,
  recordVerified,
  remainingMethods,
  type SecondStepDeps,
  type SecondStepPolicy,
  type SecondStepState,
  sendChallenge,
  type VerifyOutcome,
  verifySecondStepCode,
} from '../../flows/second-step/flow.ts';
import { redeemHelpdeskPass } from '../../flows/security-info/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import type { CodeFailure, MethodKind, RequestContext, SecurityMethod, SendResult } from '../../methods/security-info.ts';
import type { FieldError } from '../components/form-fields.tsx';
import type { WebEnv } from '../context.ts';
import { field, readForm } from '../form.ts';
import { SecondStepChoosePage, SecondStepPage } from '../pages/second-step-page.tsx';
import { SecondStepPassPage, SecondStepRegisterPage } from '../pages/second-step-register-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { type ActiveSession, beginSession, PENDING_CHANGE_MINUTES, type PendingChange, updateSessionData } from '../session.ts';

const MINUTE = 60_000;
export const SECOND_STEP_PATH = '/sign-in/second-step';
export const REVERIFY_PATH = '/account/security-info/verify';
export const REGISTER_PATH = '/sign-in/register';
/** How long a session may stay in "register a first method" before it has to sign in again. */
export const REGISTRATION_MINUTES = 30;
/** How long a redeemed helpdesk pass allows a first registration (the passkey pages use the same). */
export const PASS_VALID_MINUTES = 30;

/** The sign-in policy from config `securityInfo`. */
export function secondStepPolicy(config: Config): SecondStepPolicy {
  const p = config.securityInfo;
  return {
    secondStep: p.secondStep,
    methodsRequired: p.methodsRequired,
    registrationRequired: p.registrationRequired,
    askLaterTimes: p.askLaterTimes,
  };
}

export function secondStepDeps(c: Context<WebEnv>): SecondStepDeps {
  const { securityInfo, store, clock, config } = c.var.services;
  // The per-account sign-in limit also caps second-step guesses: both guard the same account.
  return { securityInfo, store, clock, attemptLimit: config.rateLimits.signInPerAccount };
}

export function requestContext(c: Context<WebEnv>): RequestContext {
  return { ip: c.var.clientIp, language: c.var.lang };
}

/** Sends through the port; a gateway failure thrown instead of returned becomes 'not_sent' (the user can pick another method). */
export async function safeSend(c: Context<WebEnv>, send: () => Promise<SendResult>): Promise<SendResult> {
  try {
    return await send();
  } catch (error) {
    if (!isNyckelError(error, 'message_not_sent')) throw error;
    c.var.log.warn({ err: { message: error.message } }, 'code not sent');
    return { ok: false, reason: 'not_sent' };
  }
}

/** A failed send as a message for the code field and a status (429 for limits, as the error page would give). */
export function sendFailureMessage(t: Catalog, result: SendResult & { ok: false }): { message: string; status: number } {
  switch (result.reason) {
    case 'rate_limited':
      return { message: t.secondStep.rateLimited(Math.max(1, Math.ceil(result.retryAfterMs / MINUTE))), status: 429 };
    case 'cooldown':
      return { message: t.secondStep.cooldown(Math.max(1, Math.ceil(result.retryAfterMs / 1000))), status: 429 };
    case 'not_sent':
    case 'invalid_target':
      return { message: t.secondStep.notSent, status: 502 };
  }
}

/** A refused code as the catalog says it. */
export function codeFailureMessage(t: Catalog, reason: CodeFailure, attemptsLeft: number | undefined, kind: MethodKind): string {
  switch (reason) {
    case 'wrong':
      if (kind === 'recovery_codes') return t.secondStep.recoveryWrong;
      return attemptsLeft === undefined ? t.secondStep.wrong : t.secondStep.wrongLeft(attemptsLeft);
    case 'expired':
      return t.secondStep.expired;
    case 'too_many_attempts':
      return t.secondStep.tooManyAttempts;
    case 'replayed':
      // A used authenticator code means "wait for the next one"; a used recovery or sent code is simply spent.
      if (kind === 'recovery_codes') return t.secondStep.recoveryWrong;
      return kind === 'totp' ? t.secondStep.replayed : t.secondStep.notFound;
    case 'not_found':
      return t.secondStep.notFound;
  }
}

/** A malformed code as the catalog says it. */
export function codeProblemMessage(t: Catalog, problem: 'missing' | 'too_long' | 'not_numeric' | 'malformed', kind: MethodKind): string {
  if (kind === 'recovery_codes') {
    return problem === 'missing'
      ? t.secondStep.recoveryMissing
      : problem === 'too_long'
        ? t.secondStep.recoveryTooLong
        : t.secondStep.recoveryMalformed;
  }
  switch (problem) {
    case 'missing':
      return t.secondStep.codeMissing;
    case 'too_long':
      return t.secondStep.codeTooLong;
    case 'not_numeric':
      return t.secondStep.codeNotNumeric;
    case 'malformed':
      return t.secondStep.codeMalformed;
  }
}

function signInHome(changeAfter: PendingChange['reason'] | undefined): string {
  return changeAfter === undefined ? '/account' : '/account/password';
}

/**
 * What follows a correct password: straight in, the second step, or registration first. Every
 * branch starts a new session (a new id, against session fixation).
 */
export async function continueAfterPassword(
  c: Context<WebEnv>,
  accountId: string,
  changeAfter: PendingChange['reason'] | undefined,
): Promise<Response> {
  const { securityInfo, store, clock, config } = c.var.services;
  const now = clock.now().getTime();
  const policy = secondStepPolicy(config);
  const methods = await securityInfo.listMethods(accountId);
  const start = beginSecondStep(methods, policy, await readAskLaterCount(store, accountId));
  const pendingChange =
    changeAfter === undefined ? {} : { pendingChange: { reason: changeAfter, until: now + PENDING_CHANGE_MINUTES * MINUTE } };
  switch (start.kind) {
    case 'verify': {
      const secondStep = {
        state: start.state,
        until: now + PENDING_CHANGE_MINUTES * MINUTE,
        ...(changeAfter === undefined ? {} : { changeAfter }),
      };
      await beginSession(c, accountId, { secondStep });
      c.var.log.info({ account: accountId }, 'password verified, second step next');
      return c.redirect(SECOND_STEP_PATH, 303);
    }
    case 'register':
      // A password that must change comes first; registration is asked for at the next sign-in.
      if (changeAfter === undefined) {
        await beginSession(c, accountId, { registration: { until: now + REGISTRATION_MINUTES * MINUTE, canAskLater: start.canAskLater } });
        c.var.log.info({ account: accountId }, 'signed in, registration of a method next');
        return c.redirect(REGISTER_PATH, 303);
      }
      await beginSession(c, accountId, pendingChange);
      return c.redirect(signInHome(changeAfter), 303);
    case 'not_needed':
      await beginSession(c, accountId, pendingChange);
      c.var.log.info({ account: accountId }, 'signed in');
      return c.redirect(signInHome(changeAfter), 303);
  }
}

/**
 * One place for "the second step was proved", used for codes and passes here and for passkeys in
 * passkey-routes. `proved` names a kind proved outside the code form (a passkey): it is recorded
 * first, and when policy asks for another kind (methodsRequired 2) the step goes on instead.
 */
export async function finishSecondStep(
  c: Context<WebEnv>,
  session: ActiveSession,
  extra: { passRedeemedAt?: number } = {},
  proved?: MethodKind,
): Promise<Response> {
  const now = c.var.services.clock.now().getTime();
  const pending = session.data.secondStep;
  if (proved !== undefined) {
    const mode = pending !== undefined ? signInMode : reverifyMode;
    const state = mode.read(session);
    if (state !== null) {
      const outcome = recordVerified(state, proved, await c.var.services.securityInfo.listMethods(session.accountId));
      if (outcome.kind === 'next') {
        await mode.save(c, session, outcome.state);
        return c.redirect(mode.base, 303);
      }
    }
  }
  if (pending !== undefined) {
    // Fully signed in now: a new session id for the new privilege (OWASP: renew the id at every privilege change).
    const changeAfter = pending.changeAfter;
    await beginSession(c, session.accountId, {
      lastSecondStepAt: now,
      ...extra,
      ...(changeAfter === undefined ? {} : { pendingChange: { reason: changeAfter, until: now + PENDING_CHANGE_MINUTES * MINUTE } }),
    });
    c.var.log.info({ account: session.accountId }, 'second step done');
    return c.redirect(signInHome(changeAfter), 303);
  }
  const { reverify, ...rest } = session.data;
  await updateSessionData(c, session, { ...rest, ...extra, lastSecondStepAt: now });
  return c.redirect(reverify?.returnTo ?? '/account/security-info', 303);
}

/** The two places the state machine runs: at sign-in, and re-verifying a signed-in user. */
interface StepMode {
  base: string;
  isReverify: boolean;
  read(session: ActiveSession): SecondStepState | null;
  save(c: Context<WebEnv>, session: ActiveSession, state: SecondStepState): Promise<void>;
  /** Where to send a session that has no such state. */
  elsewhere: string;
}

const signInMode: StepMode = {
  base: SECOND_STEP_PATH,
  isReverify: false,
  read: (session) => session.data.secondStep?.state ?? null,
  save: async (c, session, state) => {
    const pending = session.data.secondStep;
    if (pending !== undefined) await updateSessionData(c, session, { ...session.data, secondStep: { ...pending, state } });
  },
  elsewhere: '/account',
};

const reverifyMode: StepMode = {
  base: REVERIFY_PATH,
  isReverify: true,
  read: (session) => session.data.reverify?.state ?? null,
  save: async (c, session, state) => {
    const pending = session.data.reverify;
    if (pending !== undefined) await updateSessionData(c, session, { ...session.data, reverify: { ...pending, state } });
  },
  elsewhere: '/account/security-info',
};

interface StepView {
  method: SecurityMethod;
  state: SecondStepState;
  methods: SecurityMethod[];
}

/** The method asked for now; when it went away, the first remaining one. Null when nothing is left to prove with. */
async function resolveStep(c: Context<WebEnv>, mode: StepMode, session: ActiveSession, state: SecondStepState): Promise<StepView | null> {
  const methods = await c.var.services.securityInfo.listMethods(session.accountId);
  const method = currentMethod(state, methods);
  if (method !== null) return { method, state, methods };
  const first = remainingMethods(state, methods)[0];
  if (first === undefined) return null;
  const next = chooseMethod(state, methods, first.id) as SecondStepState;
  await mode.save(c, session, next);
  return { method: first, state: next, methods };
}

function renderStep(
  c: Context<WebEnv>,
  mode: StepMode,
  session: ActiveSession,
  view: StepView,
  options: { errors?: FieldError[]; notice?: string | null; status?: number } = {},
): Promise<Response> {
  const { t } = c.var;
  const errors = options.errors ?? [];
  const { state, method } = view;
  const others = remainingMethods(state, view.methods).filter((m) => m.id !== method.id);
  return renderPage(
    c,
    { title: t.secondStep.title, hasErrors: errors.length > 0, status: options.status ?? (errors.length > 0 ? 400 : 200) },
    <SecondStepPage
      t={t}
      csrfToken={session.data.csrf}
      base={mode.base}
      isReverify={mode.isReverify}
      method={method}
      progress={state.required > 1 ? { step: state.verifiedKinds.length + 1, total: state.required } : null}
      isSent={state.challengeId !== null}
      codeValidMinutes={c.var.services.config.securityInfo.codeValidMinutes}
      hasOtherMethods={others.length > 0}
      notice={options.notice ?? null}
      errors={errors}
    />,
  );
}

function helpdeskContact(config: Config) {
  return { email: config.organisation.contactEmail, phone: config.organisation.contactPhone };
}

function renderLostMethods(
  c: Context<WebEnv>,
  mode: StepMode,
  session: ActiveSession,
  errors: FieldError[],
  status = 200,
): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: t.registration.passTitle, hasErrors: errors.length > 0, status },
    <SecondStepPassPage
      t={t}
      csrfToken={session.data.csrf}
      action={`${mode.base}/pass`}
      reason="lost_methods"
      acceptsPass
      contact={helpdeskContact(c.var.services.config)}
      errors={errors}
      backHref={mode.base}
    />,
  );
}

function registerStepRoutes(routes: RouteTable, mode: StepMode): void {
  const withState = (
    handler: (c: Context<WebEnv>, session: ActiveSession, state: SecondStepState) => Promise<Response>,
  ): ((c: Context<WebEnv>) => Promise<Response>) => {
    return async (c) => {
      const session = c.var.session;
      if (session === null) return c.redirect('/sign-in', 303);
      const state = mode.read(session);
      if (state === null) return c.redirect(mode.elsewhere, 303);
      return handler(c, session, state);
    };
  };

  // Arriving at the step: an SMS or e-mail method gets its code sent now, once per method.
  routes.get(
    mode.base,
    withState(async (c, session, state) => {
      const view = await resolveStep(c, mode, session, state);
      if (view === null) return renderLostMethods(c, mode, session, []);
      if (needsSentCode(view.method) && view.state.challengeId === null) {
        const sent = await safeSend(c, () =>
          sendChallenge(secondStepDeps(c), session.accountId, view.state, view.method, requestContext(c)).then(async (r) => {
            if (r.result.ok) {
              await mode.save(c, session, r.state);
              view.state = r.state;
            }
            return r.result;
          }),
        );
        if (!sent.ok) {
          const failure = sendFailureMessage(c.var.t, sent);
          return renderStep(c, mode, session, view, { errors: [{ field: 'code', message: failure.message }], status: failure.status });
        }
      }
      return renderStep(c, mode, session, view);
    }),
  );

  routes.post(
    mode.base,
    withState(async (c, session, state) => {
      const { t } = c.var;
      const view = await resolveStep(c, mode, session, state);
      if (view === null) return renderLostMethods(c, mode, session, [], 400);
      const form = await readForm(c);
      const outcome: VerifyOutcome = await verifySecondStepCode(
        secondStepDeps(c),
        session.accountId,
        view.state,
        view.method,
        field(form, 'code'),
      );
      const kind = view.method.kind;
      const fail = (message: string, status = 400) => renderStep(c, mode, session, view, { errors: [{ field: 'code', message }], status });
      switch (outcome.kind) {
        case 'invalid_code':
          return fail(codeProblemMessage(t, outcome.problem, kind));
        case 'no_challenge':
          return fail(t.secondStep.notSentYet);
        case 'rate_limited':
          return fail(t.secondStep.rateLimited(Math.max(1, Math.ceil(outcome.retryAfterMs / MINUTE))), 429);
        case 'refused':
          c.var.log.info({ account: session.accountId, method: kind, reason: outcome.reason }, 'second-step code refused');
          return fail(codeFailureMessage(t, outcome.reason, outcome.attemptsLeft, kind));
        case 'next':
          await mode.save(c, session, outcome.state);
          return c.redirect(mode.base, 303);
        case 'done':
          return finishSecondStep(c, session);
      }
    }),
  );

  routes.post(
    `${mode.base}/resend`,
    withState(async (c, session, state) => {
      const view = await resolveStep(c, mode, session, state);
      if (view === null) return renderLostMethods(c, mode, session, [], 400);
      if (!needsSentCode(view.method)) return c.redirect(mode.base, 303);
      const result = await safeSend(c, async () => {
        const r = await sendChallenge(secondStepDeps(c), session.accountId, view.state, view.method, requestContext(c));
        if (r.result.ok) {
          await mode.save(c, session, r.state);
          view.state = r.state;
        }
        return r.result;
      });
      if (!result.ok) {
        const failure = sendFailureMessage(c.var.t, result);
        return renderStep(c, mode, session, view, { errors: [{ field: 'code', message: failure.message }], status: failure.status });
      }
      return renderStep(c, mode, session, view, { notice: c.var.t.secondStep.resent });
    }),
  );

  const renderChoose = async (c: Context<WebEnv>, session: ActiveSession, state: SecondStepState, errors: FieldError[]) => {
    const methods = await c.var.services.securityInfo.listMethods(session.accountId);
    const others = remainingMethods(state, methods).filter((m) => m.id !== state.methodId);
    return renderPage(
      c,
      { title: c.var.t.secondStep.chooseTitle, hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
      <SecondStepChoosePage t={c.var.t} csrfToken={session.data.csrf} base={mode.base} methods={others} errors={errors} />,
    );
  };

  routes.get(
    `${mode.base}/methods`,
    withState((c, session, state) => renderChoose(c, session, state, [])),
  );

  routes.post(
    `${mode.base}/methods`,
    withState(async (c, session, state) => {
      const form = await readForm(c);
      const methods = await c.var.services.securityInfo.listMethods(session.accountId);
      const next = chooseMethod(state, methods, field(form, 'method'));
      if (next === null) return renderChoose(c, session, state, [{ field: 'method', message: c.var.t.secondStep.noMethodsLeft }]);
      const chosen = methods.find((m) => m.id === next.methodId);
      if (chosen?.kind === 'passkey') return c.redirect('/sign-in/passkey', 303);
      await mode.save(c, session, next);
      return c.redirect(mode.base, 303);
    }),
  );

  routes.get(
    `${mode.base}/pass`,
    withState((c, session) => renderLostMethods(c, mode, session, [])),
  );

  // A helpdesk pass (issued after the helpdesk checked the caller) stands in for the methods,
  // like a temporary access pass: it completes the second step.
  routes.post(
    `${mode.base}/pass`,
    withState(async (c, session) => {
      const { t } = c.var;
      const form = await readForm(c);
      const raw = field(form, 'pass');
      if (raw.trim() === '') return renderLostMethods(c, mode, session, [{ field: 'pass', message: t.registration.passMissing }], 400);
      const outcome = await redeemHelpdeskPass(secondStepDeps(c), session.accountId, raw);
      switch (outcome.kind) {
        case 'invalid':
          return renderLostMethods(c, mode, session, [{ field: 'pass', message: t.registration.passInvalid }], 400);
        case 'rate_limited':
          return renderLostMethods(
            c,
            mode,
            session,
            [{ field: 'pass', message: t.secondStep.rateLimited(Math.max(1, Math.ceil(outcome.retryAfterMs / MINUTE))) }],
            429,
          );
        case 'refused':
          return renderLostMethods(c, mode, session, [{ field: 'pass', message: t.registration.passWrong }], 400);
        case 'redeemed':
          return finishSecondStep(c, session, { passRedeemedAt: outcome.at });
      }
    }),
  );
}

/** Paths a session may reach while the second step (or a required registration) is pending. */
const ALWAYS_REACHABLE = new Set(['/sign-out', '/accessibility', '/assets/app.css', '/assets/passkey.js', '/healthz', '/readyz']);

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Middleware: a session whose second step is pending reaches only the second-step pages and the
 * passkey sign-in; one that must register first reaches only registration. The right password
 * alone must not give the portal away.
 */
export function secondStepGuard(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    // c.get, not c.var: the guard runs on every request, and c.var copies every variable into a new object.
    const session = c.get('session');
    const path = c.req.path;
    if (session === null || ALWAYS_REACHABLE.has(path) || path.startsWith('/assets/')) return next();
    if (session.data.secondStep !== undefined) {
      if (isUnder(path, SECOND_STEP_PATH) || isUnder(path, '/sign-in/passkey')) return next();
      return c.redirect(SECOND_STEP_PATH, 303);
    }
    if (session.data.registration !== undefined) {
      // Registered meanwhile (any method, a passkey too): registration is over.
      if (await c.var.services.securityInfo.hasMethods(session.accountId)) {
        const { registration: _done, ...rest } = session.data;
        await updateSessionData(c, session, rest);
        return next();
      }
      if (isUnder(path, REGISTER_PATH) || isUnder(path, '/account/security-info')) return next();
      return c.redirect(REGISTER_PATH, 303);
    }
    return next();
  };
}

export function registerSecondStepRoutes(routes: RouteTable): void {
  registerStepRoutes(routes, signInMode);
  registerStepRoutes(routes, reverifyMode);

  const renderRegister = async (c: Context<WebEnv>, session: ActiveSession, errors: FieldError[]) => {
    const { store, config } = c.var.services;
    const policy = secondStepPolicy(config);
    const used = await readAskLaterCount(store, session.accountId);
    const canAskLater = (session.data.registration?.canAskLater ?? false) && policy.secondStep !== 'always' && used < policy.askLaterTimes;
    return renderPage(
      c,
      { title: c.var.t.registration.title, hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
      <SecondStepRegisterPage
        t={c.var.t}
        csrfToken={session.data.csrf}
        canAskLater={canAskLater}
        askLaterLeft={Math.max(0, policy.askLaterTimes - used)}
        errors={errors}
      />,
    );
  };

  routes.get(REGISTER_PATH, async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    if (session.data.registration === undefined) return c.redirect('/account', 303);
    return renderRegister(c, session, []);
  });

  routes.post(`${REGISTER_PATH}/later`, async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    if (session.data.registration === undefined) return c.redirect('/account', 303);
    const { store, config } = c.var.services;
    const decision = session.data.registration.canAskLater
      ? await askLater(store, session.accountId, secondStepPolicy(config))
      : { allowed: false };
    if (!decision.allowed) return renderRegister(c, session, [{ field: 'add-now', message: c.var.t.registration.askLaterUsed }]);
    const { registration: _later, ...rest } = session.data;
    await updateSessionData(c, session, rest);
    await store.appendAudit(
      { type: 'registration_postponed', actor: session.accountId, subject: session.accountId, ip: c.var.clientIp, outcome: 'info' },
      c.var.services.clock.now(),
    );
    return c.redirect('/account', 303);
  });
}
