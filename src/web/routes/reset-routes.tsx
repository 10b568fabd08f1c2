// The self-service reset pages (forgot password, locked account, expired password). The flow
// (src/flows/reset) decides; this file binds it to the browser with a cookie, turns outcomes
// into pages and redirects, and serves the captcha's scripts from our own origin.
//
// Pages: GET/POST /reset (identify + captcha), GET /reset/flow (whatever step the flow is at),
// POST /reset/method, /reset/code, /reset/passkey, /reset/other-method, /reset/action,
// /reset/password, and /reset/password/check for the live checklist.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Services } from '../../app/services.ts';
import {
  type DeadFlowReason,
  type PasswordProblem,
  type ResetFlow,
  ResetService,
  type StartProblem,
  type StepOutcome,
} from '../../flows/reset/flow.ts';
import { createResetNotifier } from '../../flows/reset/reset-notification.ts';
import { createResetPasskeys } from '../../flows/reset/reset-passkey.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import { relyingPartyFor, SecurityMethodsPasskeyStore, WebauthnChallengeStore } from '../../methods/passkey.ts';
import { listMethodRecords } from '../../methods/security-info-store.ts';
import { describePolicyCheck, type PolicyResult } from '../../passwords/policy.ts';
import { ProofOfWorkCaptcha } from '../../security/captcha.ts';
import { sha256 } from '../../security/tokens.ts';
import { KyselyResetFlowStore } from '../../store/kysely-reset-flow-store.ts';
import type { FieldError } from '../components/form-fields.tsx';
import { NewPasswordField } from '../components/new-password-field.tsx';
import type { WebEnv } from '../context.ts';
import { tooManyRequestsPage } from '../error-responses.tsx';
import { field, readForm } from '../form.ts';
import {
  type CaptchaAssets,
  RESET_PASSKEY_BUTTON,
  ResetActionPage,
  ResetCodePage,
  ResetDonePage,
  ResetEndPage,
  ResetMethodPage,
  ResetPasskeyPage,
  ResetPasswordPage,
  ResetStartPage,
} from '../pages/reset-pages.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { explainRejection } from './account-routes.tsx';
import { passwordCheckHandler } from './password-policy-routes.tsx';

export const RESET_COOKIE = 'nyckel_reset';

// ---- the captcha's browser side, from node_modules, served by us (no CDN) ----

const altchaDist = join(dirname(createRequire(import.meta.url).resolve('altcha')), '..');
const script = (path: string) => readFileSync(path, 'utf8');
/** The "external" build: no inline <style> (our CSP forbids it) and no bundled workers (we serve the one we use). */
const captchaFiles = {
  widget: script(join(altchaDist, 'external', 'altcha.min.js')),
  stylesheet: script(join(altchaDist, 'external', 'altcha.css')),
  worker: script(join(altchaDist, 'workers', 'sha.js')),
  sv: script(join(altchaDist, 'i18n', 'sv.js')),
  en: script(join(altchaDist, 'i18n', 'en.js')),
  setup: script(new URL('../assets/reset-captcha.js', import.meta.url).pathname),
};
const versioned = (path: string, body: string) => `${path}?v=${sha256(body).slice(0, 12)}`;
const captchaHrefs = {
  widget: versioned('/assets/altcha.js', captchaFiles.widget),
  stylesheet: versioned('/assets/altcha.css', captchaFiles.stylesheet),
  sv: versioned('/assets/altcha-sv.js', captchaFiles.sv),
  en: versioned('/assets/altcha-en.js', captchaFiles.en),
  setup: versioned('/assets/reset-captcha.js', captchaFiles.setup),
};

// ---- one reset service per running app ----

interface ResetRuntime {
  service: ResetService;
  captcha: ProofOfWorkCaptcha;
  flows: KyselyResetFlowStore;
  pending: Set<Promise<void>>;
}

const runtimes = new WeakMap<Services, ResetRuntime>();

export function resetRuntime(services: Services): ResetRuntime {
  const existing = runtimes.get(services);
  if (existing !== undefined) return existing;
  const { config, store, clock, logger } = services;
  const flows = new KyselyResetFlowStore(store.db);
  const captcha = new ProofOfWorkCaptcha({ keys: store, replay: flows, clock, settings: config.reset.captcha });
  const pending = new Set<Promise<void>>();
  const notify = createResetNotifier({
    messenger: services.messenger,
    logger,
    organisation: {
      organisationName: config.organisation.name,
      link: config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}/`,
      helpdesk: config.organisation.contactPhone ?? config.organisation.contactEmail,
    },
    targetsOf: async (accountId) =>
      (await listMethodRecords(store.db, accountId)).flatMap((m) =>
        (m.kind === 'sms' || m.kind === 'email') && m.target !== null ? [{ channel: m.kind, target: m.target }] : [],
      ),
  });
  const service = new ResetService({
    flows,
    store,
    directory: services.directory,
    securityInfo: services.securityInfo,
    passkeys: createResetPasskeys({
      passkeys: new SecurityMethodsPasskeyStore(store.db, store.dialect, clock),
      challenges: new WebauthnChallengeStore(store.db),
      clock,
      rp: relyingPartyFor(config),
    }),
    captcha,
    clock,
    logger,
    config,
    passwordPolicy: services.passwordPolicy,
    passwordContextFor: (account) => services.passwordContextFor(account),
    notify,
    background(task) {
      // Started on the next turn of the event loop, after the answer has gone: even the first
      // synchronous database query of a send must not lengthen it (that would time as "has methods").
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch((error: unknown) => logger.error({ err: error }, 'reset background work failed'))
        .finally(() => pending.delete(run));
      pending.add(run);
    },
  });
  const runtime = { service, captcha, flows, pending };
  runtimes.set(services, runtime);
  return runtime;
}

/** Waits for code sends still running (tests, and a graceful stop). */
export async function settleResetWork(services: Services): Promise<void> {
  const runtime = runtimes.get(services);
  while (runtime !== undefined && runtime.pending.size > 0) await Promise.all([...runtime.pending]);
}

// ---- cookie ----

function cookieName(c: Context<WebEnv>): string {
  return c.get('secureCookies') ? `__Host-${RESET_COOKIE}` : RESET_COOKIE;
}

function setFlowCookie(c: Context<WebEnv>, flow: ResetFlow): void {
  // HttpOnly: no script reads it. Strict: every reset page is reached from our own pages, never from a link elsewhere.
  setCookie(c, cookieName(c), flow.token, { path: '/', httpOnly: true, secure: c.get('secureCookies'), sameSite: 'Strict' });
}

function clearFlowCookie(c: Context<WebEnv>): void {
  deleteCookie(c, cookieName(c), { path: '/', httpOnly: true, secure: c.get('secureCookies'), sameSite: 'Strict' });
}

const flowToken = (c: Context<WebEnv>) => getCookie(c, cookieName(c));
const request = (c: Context<WebEnv>) => ({ ip: c.get('clientIp'), language: c.get('lang') });

// ---- rendering ----

function startError(t: Catalog, problem: StartProblem): FieldError {
  switch (problem) {
    case 'identifier_missing':
      return { field: 'identifier', message: t.reset.identifierMissing };
    case 'identifier_too_long':
      return { field: 'identifier', message: t.reset.identifierTooLong };
    case 'unreadable':
      return { field: 'identifier', message: t.form.unreadable };
    case 'captcha_missing':
      return { field: 'captcha', message: t.reset.captchaMissing };
    case 'captcha_invalid':
      return { field: 'captcha', message: t.reset.captchaInvalid };
    case 'captcha_expired':
      return { field: 'captcha', message: t.reset.captchaExpired };
    case 'captcha_replayed':
      return { field: 'captcha', message: t.reset.captchaReplayed };
  }
}

async function renderStart(c: Context<WebEnv>, identifier: string, errors: FieldError[], status: number): Promise<Response> {
  const t = c.get('t');
  const lang = c.get('lang');
  const challenge = await resetRuntime(c.get('services')).captcha.createChallenge();
  const assets: CaptchaAssets = {
    widget: captchaHrefs.widget,
    i18n: lang === 'sv' ? captchaHrefs.sv : captchaHrefs.en,
    setup: captchaHrefs.setup,
    stylesheet: captchaHrefs.stylesheet,
  };
  return renderPage(
    c,
    { title: t.reset.startTitle, hasErrors: errors.length > 0, status },
    <ResetStartPage
      t={t}
      lang={lang}
      csrfToken={await c.get('csrfToken')()}
      identifier={identifier}
      errors={errors}
      challenge={challenge}
      assets={assets}
    />,
  );
}

function renderDead(c: Context<WebEnv>, reason: DeadFlowReason): Promise<Response> {
  clearFlowCookie(c);
  return renderPage(c, { title: c.get('t').reset.deadTitle, status: 410 }, <ResetEndPage t={c.get('t')} kind={reason} />);
}

function passwordProblemErrors(t: Catalog, p: PasswordProblem, maxLength: number): FieldError[] {
  switch (p.kind) {
    case 'missing':
      return [{ field: p.field, message: p.field === 'new-password' ? t.reset.newMissing : t.reset.confirmMissing }];
    case 'too_long':
      return [{ field: p.field, message: t.reset.tooLong(maxLength) }];
    case 'unreadable':
      return [{ field: p.field, message: t.form.unreadable }];
    case 'mismatch':
      return [{ field: p.field, message: t.reset.mismatch }];
    case 'policy':
      return p.result.checks.filter((check) => !check.passed).map((check) => ({ field: p.field, message: describePolicyCheck(t, check) }));
    case 'directory':
      return [{ field: p.field, message: explainRejection(t, p.rejection) }];
  }
}

function passwordErrors(t: Catalog, problems: readonly PasswordProblem[], maxLength: number): FieldError[] {
  return problems.flatMap((p) => passwordProblemErrors(t, p, maxLength));
}

/** Renders the page of the step the flow is at, with errors when a post failed. */
async function renderStep(
  c: Context<WebEnv>,
  flow: ResetFlow,
  options: { errors?: FieldError[]; status?: number; policyResult?: PolicyResult | null } = {},
): Promise<Response> {
  const t = c.get('t');
  const services = c.get('services');
  const errors = options.errors ?? [];
  const page = { hasErrors: errors.length > 0, status: options.status ?? 200 };
  const csrfToken = await c.get('csrfToken')();
  const state = flow.state;
  switch (state.step) {
    case 'choose_method':
      return renderPage(
        c,
        { ...page, title: t.reset.methodTitle },
        <ResetMethodPage t={t} csrfToken={csrfToken} verified={state.verified} errors={errors} />,
      );
    case 'enter_code': {
      if (state.method === 'passkey') {
        const options = await resetRuntime(services).service.startResetPasskey(flow);
        return renderPage(
          c,
          { ...page, title: t.reset.passkeyTitle },
          <ResetPasskeyPage t={t} csrfToken={csrfToken} optionsJson={JSON.stringify(options)} errors={errors} />,
        );
      }
      return renderPage(
        c,
        { ...page, title: t.reset.codeTitle },
        <ResetCodePage t={t} csrfToken={csrfToken} method={state.method} errors={errors} />,
      );
    }
    case 'choose_action':
      return renderPage(c, { ...page, title: t.reset.actionTitle }, <ResetActionPage t={t} csrfToken={csrfToken} errors={errors} />);
    case 'new_password': {
      const account = flow.accountId === null ? null : await services.directory.getAccount(flow.accountId);
      const context = account === null ? {} : services.passwordContextFor(account);
      const fieldWithChecklist = (
        <NewPasswordField
          t={t}
          policy={services.passwordPolicy}
          context={context}
          result={options.policyResult ?? null}
          errors={errors}
          checkUrl="/reset/password/check"
          newLabel={t.reset.newLabel}
          confirmLabel={t.reset.confirmLabel}
        />
      );
      return renderPage(
        c,
        { ...page, title: t.reset.passwordTitle },
        <ResetPasswordPage
          t={t}
          csrfToken={csrfToken}
          minLength={services.config.passwordPolicy.minLength}
          errors={errors}
          newPasswordField={fieldWithChecklist}
        />,
      );
    }
    case 'done':
      return renderPage(c, { ...page, title: t.reset.doneTitles[state.outcome] }, <ResetDonePage t={t} outcome={state.outcome} />);
    case 'refused':
    case 'failed':
      return renderPage(
        c,
        { ...page, title: state.step === 'refused' ? t.reset.refusedTitle : t.reset.failedTitle },
        <ResetEndPage t={t} kind={state.step} />,
      );
  }
}

/** Turns a step's outcome into the answer: redirect to the flow page, or the same page with the error. */
async function answerStep(c: Context<WebEnv>, outcome: StepOutcome): Promise<Response> {
  const t = c.get('t');
  switch (outcome.kind) {
    case 'dead':
      return renderDead(c, outcome.reason);
    case 'advanced':
      setFlowCookie(c, outcome.flow);
      return c.redirect('/reset/flow', 303);
    case 'wrong_state':
      return c.redirect('/reset/flow', 303);
    case 'invalid_input': {
      const errors: Record<typeof outcome.problem, FieldError> = {
        method_missing: { field: 'method', message: t.reset.methodMissing },
        code_missing: { field: 'code', message: t.reset.codeMissing },
        credential_missing: { field: RESET_PASSKEY_BUTTON, message: t.reset.passkeyMissing },
        action_missing: { field: 'action', message: t.reset.actionMissing },
      };
      return renderStep(c, outcome.flow, { errors: [errors[outcome.problem]], status: 400 });
    }
    case 'code_wrong': {
      // The wrong try consumed the old state: the browser gets the successor's token with the error.
      setFlowCookie(c, outcome.flow);
      // One message for every refused passkey (foreign, cloned, no PIN, too slow): the same answer whatever the account has.
      const isPasskey = outcome.flow.state.step === 'enter_code' && outcome.flow.state.method === 'passkey';
      const error: FieldError = isPasskey
        ? { field: RESET_PASSKEY_BUTTON, message: t.reset.passkeyWrong(outcome.attemptsLeft) }
        : { field: 'code', message: t.reset.codeWrong(outcome.attemptsLeft) };
      return renderStep(c, outcome.flow, { errors: [error], status: 400 });
    }
    case 'password_problems': {
      const policy = outcome.problems.find((p) => p.kind === 'policy');
      return renderStep(c, outcome.flow, {
        errors: passwordErrors(t, outcome.problems, c.get('services').config.passwordPolicy.maxLength),
        status: 400,
        policyResult: policy?.kind === 'policy' ? policy.result : null,
      });
    }
  }
}

export function registerResetRoutes(routes: RouteTable): void {
  routes.get('/reset', (c) => renderStart(c, '', [], 200));

  routes.post('/reset', async (c) => {
    const form = await readForm(c);
    const outcome = await resetRuntime(c.get('services')).service.startReset(
      { identifier: field(form, 'identifier'), captcha: field(form, 'altcha') },
      request(c),
    );
    switch (outcome.kind) {
      case 'invalid_input':
        return renderStart(
          c,
          outcome.identifier,
          outcome.problems.map((p) => startError(c.get('t'), p)),
          400,
        );
      case 'rate_limited':
        return tooManyRequestsPage(c, outcome.retryAfterMs);
      case 'started':
        setFlowCookie(c, outcome.flow);
        return c.redirect('/reset/flow', 303);
    }
  });

  routes.get('/reset/flow', async (c) => {
    const loaded = await resetRuntime(c.get('services')).service.loadFlow(flowToken(c));
    return loaded.ok ? renderStep(c, loaded.flow) : renderDead(c, loaded.reason);
  });

  routes.post('/reset/method', async (c) => {
    const form = await readForm(c);
    return answerStep(c, await resetRuntime(c.get('services')).service.chooseMethod(flowToken(c), field(form, 'method'), request(c)));
  });

  routes.post('/reset/code', async (c) => {
    const form = await readForm(c);
    return answerStep(c, await resetRuntime(c.get('services')).service.verifyResetCode(flowToken(c), field(form, 'code'), request(c)));
  });

  routes.post('/reset/passkey', async (c) => {
    const form = await readForm(c);
    // allowedOrigins[0] is the origin this request reached us at (scheme from a trusted proxy only).
    const passkeyRequest = { ...request(c), origin: c.get('allowedOrigins')[0] ?? '' };
    return answerStep(
      c,
      await resetRuntime(c.get('services')).service.verifyResetPasskey(flowToken(c), field(form, 'credential'), passkeyRequest),
    );
  });

  routes.post('/reset/other-method', async (c) => answerStep(c, await resetRuntime(c.get('services')).service.backToMethods(flowToken(c))));

  routes.post('/reset/action', async (c) => {
    const form = await readForm(c);
    return answerStep(c, await resetRuntime(c.get('services')).service.chooseAction(flowToken(c), field(form, 'action'), request(c)));
  });

  routes.post('/reset/password', async (c) => {
    const form = await readForm(c);
    return answerStep(
      c,
      await resetRuntime(c.get('services')).service.setNewPassword(
        flowToken(c),
        { password: field(form, 'new-password'), confirm: field(form, 'confirm-password') },
        request(c),
      ),
    );
  });

  // The live checklist for the flow's account; only while the flow is at the new-password step.
  routes.post(
    '/reset/password/check',
    passwordCheckHandler(async (c) => {
      const loaded = await resetRuntime(c.get('services')).service.loadFlow(flowToken(c));
      if (!loaded.ok || loaded.flow.state.step !== 'new_password' || loaded.flow.accountId === null) return null;
      const account = await c.get('services').directory.getAccount(loaded.flow.accountId);
      return account === null ? null : c.get('services').passwordContextFor(account);
    }),
  );

  const serve = (path: string, body: string, type: string) =>
    routes.get(path, (c) => {
      c.header('Content-Type', type);
      // The links carry a content hash (?v=), so a day's caching never serves a stale file.
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(body);
    });
  serve('/assets/altcha.js', captchaFiles.widget, 'text/javascript; charset=utf-8');
  serve('/assets/altcha.css', captchaFiles.stylesheet, 'text/css; charset=utf-8');
  serve('/assets/altcha-sha-worker.js', captchaFiles.worker, 'text/javascript; charset=utf-8');
  serve('/assets/altcha-sv.js', captchaFiles.sv, 'text/javascript; charset=utf-8');
  serve('/assets/altcha-en.js', captchaFiles.en, 'text/javascript; charset=utf-8');
  serve('/assets/reset-captcha.js', captchaFiles.setup, 'text/javascript; charset=utf-8');
}
