// Security info pages: the list of methods, adding an authenticator app, a mobile phone or a
// private e-mail address, choosing the default, removing a method, recovery codes, and the
// helpdesk pass for a first registration from outside the trusted networks. Every change goes
// through the change policy (src/flows/security-info): a first method only from a trusted zone
// or with a pass, later changes only after a recent second step. Audit events and notifications
// to the user's other channels are the backend's (SecurityInfoService).

import type { Context } from 'hono';
import { getCountryCallingCode } from 'libphonenumber-js/max';
import type { Config } from '../../config/schema.ts';
import { beginReverify, readCode } from '../../flows/second-step/flow.ts';
import { decideChangeAccess, redeemHelpdeskPass } from '../../flows/security-info/flow.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import { displayNames } from '../../i18n/intl-formats.ts';
import { type CountryCode, MAX_PHONE_INPUT_LENGTH, maskPhoneNumber, parsePhoneNumberInput } from '../../messaging/phone-number.ts';
import { maskEmail } from '../../methods/masking.ts';
import type { CodeCheck, SecurityMethod, SendResult } from '../../methods/security-info.ts';
import { NetworkZones } from '../../security/network-zones.ts';
import type { FieldError } from '../components/form-fields.tsx';
import type { WebEnv } from '../context.ts';
import { field, readForm } from '../form.ts';
import { SecondStepPassPage } from '../pages/second-step-register-page.tsx';
import {
  type CountryChoice,
  SecurityInfoAuthenticatorPage,
  SecurityInfoCodePage,
  SecurityInfoDonePage,
  SecurityInfoEmailPage,
  SecurityInfoPhonePage,
} from '../pages/security-info-enroll-pages.tsx';
import {
  SecurityInfoAddPage,
  SecurityInfoPage,
  SecurityInfoRecoveryCodesPage,
  SecurityInfoRemovePage,
} from '../pages/security-info-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { type ActiveSession, type FlashNotice, type PendingEnrollment, updateSessionData } from '../session.ts';
import {
  codeFailureMessage,
  codeProblemMessage,
  PASS_VALID_MINUTES,
  REVERIFY_PATH,
  requestContext,
  safeSend,
  secondStepDeps,
  sendFailureMessage,
} from './second-step-routes.tsx';

const BASE = '/account/security-info';
const PASS_PATH = `${BASE}/pass`;
/** The longest e-mail address there can be (RFC 5321: 254 in a path). */
const MAX_EMAIL_LENGTH = 254;

const zonesByConfig = new WeakMap<Config, NetworkZones>();
function networkZones(config: Config): NetworkZones {
  let zones = zonesByConfig.get(config);
  if (zones === undefined) {
    zones = new NetworkZones(config.networkZones);
    zonesByConfig.set(config, zones);
  }
  return zones;
}

/**
 * Lets the request through (null) when the session may change security info now; otherwise the
 * answer that gets it there: re-verify and come back to `returnTo`, or the helpdesk pass page.
 */
export async function requireChangeAccess(c: Context<WebEnv>, session: ActiveSession, returnTo: string): Promise<Response | null> {
  const { config, clock, securityInfo } = c.var.services;
  const policy = config.securityInfo;
  const methods = await securityInfo.listMethods(session.accountId);
  const access = decideChangeAccess(
    {
      hasMethods: methods.length > 0,
      isFromTrustedZone: networkZones(config).isInAny(c.var.clientIp, policy.firstRegistration.zones),
      passRedeemedAt: policy.firstRegistration.allowWithPass ? (session.data.passRedeemedAt ?? null) : null,
      lastSecondStepAt: session.data.lastSecondStepAt ?? null,
      now: clock.now().getTime(),
    },
    { recentSecondStepMinutes: policy.recentSecondStepMinutes, passValidMinutes: PASS_VALID_MINUTES },
  );
  if (access.kind === 'allowed') return null;
  if (access.kind === 'needs_second_step') {
    const state = beginReverify(methods);
    if (state !== null) {
      await updateSessionData(c, session, { ...session.data, reverify: { state, returnTo } });
      return c.redirect(REVERIFY_PATH, 303);
    }
  }
  c.var.log.info({ account: session.accountId, access: access.kind }, 'security info change needs a helpdesk pass');
  return c.redirect(PASS_PATH, 303);
}

type Handler = (c: Context<WebEnv>, session: ActiveSession) => Promise<Response>;

/** Signed in, and (unless `returnTo` is null) allowed to change security info now. */
function guarded(returnTo: string | null, handler: Handler): (c: Context<WebEnv>) => Promise<Response> {
  return async (c) => {
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    if (returnTo !== null) {
      const refusal = await requireChangeAccess(c, session, returnTo);
      if (refusal !== null) return refusal;
    }
    return handler(c, session);
  };
}

function flashMessage(t: Catalog, flash: FlashNotice | undefined): { text: string; isError: boolean } | null {
  switch (flash) {
    case 'method_added':
      return { text: t.securityInfo.methodAdded, isError: false };
    case 'method_removed':
      return { text: t.securityInfo.methodRemoved, isError: false };
    case 'default_changed':
      return { text: t.securityInfo.defaultChanged, isError: false };
    case 'recovery_codes_saved':
      return { text: t.securityInfo.codesSaved, isError: false };
    case 'remove_refused':
      return { text: t.securityInfo.removeRefused, isError: true };
    default:
      return null;
  }
}

async function withFlash(c: Context<WebEnv>, session: ActiveSession, flash: FlashNotice): Promise<void> {
  await updateSessionData(c, session, { ...session.data, flash });
}

/** A method was added: the enrolment is over, registration too, and proving it counts as a fresh second step. */
async function methodAdded(c: Context<WebEnv>, session: ActiveSession, method: SecurityMethod | undefined): Promise<Response> {
  const { enrollment: _done, registration: _registered, ...rest } = session.data;
  await updateSessionData(c, session, { ...rest, lastSecondStepAt: c.var.services.clock.now().getTime() });
  c.var.log.info({ account: session.accountId, method: method?.kind }, 'security info method added');
  return c.redirect(method === undefined ? BASE : `${BASE}/done?method=${encodeURIComponent(method.id)}`, 303);
}

function countryChoices(t: Catalog, config: Config): CountryChoice[] {
  const { allowedCountries, defaultCountry } = config.messaging.sms;
  const names = t.securityInfo.countries as Readonly<Record<string, string>>;
  const display = displayNames([t.meta.locale], { type: 'region' });
  const choices = allowedCountries.map((code) => ({
    code,
    name: names[code] ?? display.of(code) ?? code,
    callingCode: Number(getCountryCallingCode(code as CountryCode)),
  }));
  return choices.sort(
    (a, b) => Number(b.code === defaultCountry) - Number(a.code === defaultCountry) || a.name.localeCompare(b.name, t.meta.locale),
  );
}

/**
 * What the backend parses: the number as typed for the default country, or with the chosen
 * country's calling code (its trunk 0 dropped) for another; a number typed with + or 00 as is.
 */
export function composePhoneInput(country: string, number: string, defaultCountry: string): string {
  const typed = number.trim();
  if (typed.startsWith('+') || typed.startsWith('00') || country === defaultCountry) return typed;
  // Italian numbers keep their leading 0 after the country code; everywhere else it is a trunk prefix.
  const national = country === 'IT' ? typed : typed.replace(/^0/, '');
  return `+${getCountryCallingCode(country as CountryCode)} ${national}`;
}

function targetProblemMessage(
  t: Catalog,
  kind: 'sms' | 'email',
  detail: 'invalid' | 'not_mobile' | 'country_not_allowed' | 'too_long' | 'work_address',
): string {
  if (kind === 'email') {
    if (detail === 'work_address') return t.securityInfo.emailWorkAddress;
    if (detail === 'too_long') return t.securityInfo.emailTooLong;
    return t.securityInfo.emailInvalid;
  }
  switch (detail) {
    case 'not_mobile':
      return t.securityInfo.numberNotMobile;
    case 'country_not_allowed':
      return t.securityInfo.numberCountryNotAllowed;
    case 'too_long':
      return t.securityInfo.numberTooLong;
    default:
      return t.securityInfo.numberInvalid;
  }
}

function sentEnrollment(
  kind: 'sms' | 'email',
): (e: PendingEnrollment | undefined) => (PendingEnrollment & { kind: 'sms' | 'email' }) | null {
  return (e) => (e !== undefined && e.kind === kind ? (e as PendingEnrollment & { kind: 'sms' | 'email' }) : null);
}

export function registerSecurityInfoRoutes(routes: RouteTable): void {
  routes.get(
    BASE,
    guarded(null, async (c, session) => {
      const methods = await c.var.services.securityInfo.listMethods(session.accountId);
      const notice = flashMessage(c.var.t, session.data.flash);
      if (session.data.flash !== undefined) {
        const { flash: _shown, ...rest } = session.data;
        await updateSessionData(c, session, rest);
      }
      return renderPage(
        c,
        { title: c.var.t.securityInfo.title },
        <SecurityInfoPage t={c.var.t} csrfToken={session.data.csrf} methods={methods} notice={notice} />,
      );
    }),
  );

  routes.get(
    `${BASE}/add`,
    guarded(`${BASE}/add`, async (c, session) => {
      const hasMethods = await c.var.services.securityInfo.hasMethods(session.accountId);
      return renderPage(c, { title: c.var.t.securityInfo.addTitle }, <SecurityInfoAddPage t={c.var.t} hasMethods={hasMethods} />);
    }),
  );

  // The helpdesk pass for a first registration from outside the trusted networks.
  const renderPass = (c: Context<WebEnv>, session: ActiveSession, errors: FieldError[], status = 200) => {
    const { config } = c.var.services;
    return renderPage(
      c,
      { title: c.var.t.registration.needsPassTitle, hasErrors: errors.length > 0, status },
      <SecondStepPassPage
        t={c.var.t}
        csrfToken={session.data.csrf}
        action={PASS_PATH}
        reason="first_method"
        acceptsPass={config.securityInfo.firstRegistration.allowWithPass}
        contact={{ email: config.organisation.contactEmail, phone: config.organisation.contactPhone }}
        errors={errors}
        backHref={null}
      />,
    );
  };
  routes.get(
    PASS_PATH,
    guarded(null, async (c, session) => renderPass(c, session, [])),
  );
  routes.post(
    PASS_PATH,
    guarded(null, async (c, session) => {
      const { t } = c.var;
      if (!c.var.services.config.securityInfo.firstRegistration.allowWithPass) return renderPass(c, session, [], 403);
      const raw = field(await readForm(c), 'pass');
      if (raw.trim() === '') return renderPass(c, session, [{ field: 'pass', message: t.registration.passMissing }], 400);
      const outcome = await redeemHelpdeskPass(secondStepDeps(c), session.accountId, raw);
      switch (outcome.kind) {
        case 'invalid':
          return renderPass(c, session, [{ field: 'pass', message: t.registration.passInvalid }], 400);
        case 'refused':
          return renderPass(c, session, [{ field: 'pass', message: t.registration.passWrong }], 400);
        case 'rate_limited':
          return renderPass(
            c,
            session,
            [{ field: 'pass', message: t.secondStep.rateLimited(Math.max(1, Math.ceil(outcome.retryAfterMs / 60_000))) }],
            429,
          );
        case 'redeemed':
          await updateSessionData(c, session, { ...session.data, passRedeemedAt: outcome.at });
          return c.redirect(`${BASE}/add`, 303);
      }
    }),
  );

  // --- Authenticator app -------------------------------------------------------------------
  routes.get(
    `${BASE}/authenticator`,
    guarded(`${BASE}/authenticator`, async (c, session) => {
      const { securityInfo, directory } = c.var.services;
      const account = await directory.getAccount(session.accountId);
      const accountName = account?.email ?? account?.username ?? session.accountId;
      const enrollment = await securityInfo.startTotpEnrollment(session.accountId, accountName);
      await updateSessionData(c, session, { ...session.data, enrollment: { kind: 'totp', enrollmentId: enrollment.enrollmentId } });
      return renderPage(
        c,
        { title: c.var.t.securityInfo.totpTitle },
        <SecurityInfoAuthenticatorPage
          t={c.var.t}
          csrfToken={session.data.csrf}
          enrollment={{ secretGrouped: enrollment.secretGrouped, qrSvg: enrollment.qrSvg, accountName }}
          errors={[]}
        />,
      );
    }),
  );

  routes.post(
    `${BASE}/authenticator`,
    guarded(`${BASE}/authenticator`, async (c, session) => {
      const { t } = c.var;
      const pending = session.data.enrollment;
      if (pending?.kind !== 'totp') return c.redirect(`${BASE}/authenticator`, 303);
      // The secret is not kept to show again: after a wrong code only the code field comes back.
      const again = (message: string) =>
        renderPage(
          c,
          { title: t.securityInfo.totpTitle, hasErrors: true, status: 400 },
          <SecurityInfoAuthenticatorPage t={t} csrfToken={session.data.csrf} enrollment={null} errors={[{ field: 'code', message }]} />,
        );
      const code = readCode('totp', field(await readForm(c), 'code'));
      if (!code.ok) return again(codeProblemMessage(t, code.problem, 'totp'));
      const result = await c.var.services.securityInfo.completeTotpEnrollment(session.accountId, pending.enrollmentId, code.code);
      if (!result.ok) {
        const isGone = result.reason === 'expired' || result.reason === 'not_found' || result.reason === 'too_many_attempts';
        return again(isGone ? t.securityInfo.totpExpired : codeFailureMessage(t, result.reason, result.attemptsLeft, 'totp'));
      }
      return methodAdded(c, session, result.method);
    }),
  );

  // --- Mobile phone and private e-mail -------------------------------------------------------
  const renderPhone = (c: Context<WebEnv>, session: ActiveSession, country: string, number: string, errors: FieldError[], status = 200) =>
    renderPage(
      c,
      { title: c.var.t.securityInfo.phoneTitle, hasErrors: errors.length > 0, status },
      <SecurityInfoPhonePage
        t={c.var.t}
        csrfToken={session.data.csrf}
        countries={countryChoices(c.var.t, c.var.services.config)}
        country={country}
        number={number}
        errors={errors}
      />,
    );
  const renderEmail = (c: Context<WebEnv>, session: ActiveSession, email: string, errors: FieldError[], status = 200) =>
    renderPage(
      c,
      { title: c.var.t.securityInfo.emailTitle, hasErrors: errors.length > 0, status },
      <SecurityInfoEmailPage t={c.var.t} csrfToken={session.data.csrf} email={email} errors={errors} />,
    );

  routes.get(
    `${BASE}/phone`,
    guarded(`${BASE}/phone`, (c, session) => renderPhone(c, session, c.var.services.config.messaging.sms.defaultCountry, '', [])),
  );
  routes.get(
    `${BASE}/email`,
    guarded(`${BASE}/email`, (c, session) => renderEmail(c, session, '', [])),
  );

  routes.post(
    `${BASE}/phone`,
    guarded(`${BASE}/phone`, async (c, session) => {
      const { t } = c.var;
      const { config, securityInfo } = c.var.services;
      const form = await readForm(c);
      const country = field(form, 'country');
      const number = field(form, 'number');
      const sms = config.messaging.sms;
      const shown = number.slice(0, MAX_PHONE_INPUT_LENGTH);
      if (!sms.allowedCountries.includes(country))
        return renderPhone(c, session, sms.defaultCountry, shown, [{ field: 'country', message: t.securityInfo.countryUnknown }], 400);
      if (number.trim() === '')
        return renderPhone(c, session, country, '', [{ field: 'number', message: t.securityInfo.numberMissing }], 400);
      if (number.length > MAX_PHONE_INPUT_LENGTH)
        return renderPhone(c, session, country, shown, [{ field: 'number', message: t.securityInfo.numberTooLong }], 400);
      const input = composePhoneInput(country, number, sms.defaultCountry);
      const result = await safeSend(c, () => securityInfo.startPhoneEnrollment(session.accountId, input, requestContext(c)));
      if (!result.ok) {
        if (result.reason === 'invalid_target') {
          return renderPhone(
            c,
            session,
            country,
            shown,
            [{ field: 'number', message: targetProblemMessage(t, 'sms', result.detail) }],
            400,
          );
        }
        const failure = sendFailureMessage(t, result);
        return renderPhone(c, session, country, shown, [{ field: 'number', message: failure.message }], failure.status);
      }
      const parsed = parsePhoneNumberInput(input, sms);
      const maskedTarget = parsed.ok ? maskPhoneNumber(parsed.e164) : '***';
      const enrollment: PendingEnrollment = {
        kind: 'sms',
        challengeId: result.challengeId,
        maskedTarget,
        sentAt: c.var.services.clock.now().getTime(),
        input,
      };
      await updateSessionData(c, session, { ...session.data, enrollment });
      return c.redirect(`${BASE}/phone/code`, 303);
    }),
  );

  routes.post(
    `${BASE}/email`,
    guarded(`${BASE}/email`, async (c, session) => {
      const { t } = c.var;
      const email = field(await readForm(c), 'email').trim();
      const shown = email.slice(0, MAX_EMAIL_LENGTH);
      if (email === '') return renderEmail(c, session, '', [{ field: 'email', message: t.securityInfo.emailMissing }], 400);
      if (email.length > MAX_EMAIL_LENGTH)
        return renderEmail(c, session, shown, [{ field: 'email', message: t.securityInfo.emailTooLong }], 400);
      // The shape only; the backend refuses the work address (what a reset would recover).
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
        return renderEmail(c, session, shown, [{ field: 'email', message: t.securityInfo.emailInvalid }], 400);
      const result = await safeSend(c, () => c.var.services.securityInfo.startEmailEnrollment(session.accountId, email, requestContext(c)));
      if (!result.ok) {
        if (result.reason === 'invalid_target') {
          return renderEmail(c, session, shown, [{ field: 'email', message: targetProblemMessage(t, 'email', result.detail) }], 400);
        }
        const failure = sendFailureMessage(t, result);
        return renderEmail(c, session, shown, [{ field: 'email', message: failure.message }], failure.status);
      }
      const enrollment: PendingEnrollment = {
        kind: 'email',
        challengeId: result.challengeId,
        maskedTarget: maskEmail(email),
        sentAt: c.var.services.clock.now().getTime(),
        input: email,
      };
      await updateSessionData(c, session, { ...session.data, enrollment });
      return c.redirect(`${BASE}/email/code`, 303);
    }),
  );

  for (const kind of ['sms', 'email'] as const) {
    const base = kind === 'sms' ? `${BASE}/phone` : `${BASE}/email`;
    const pendingOf = sentEnrollment(kind);
    const renderCode = (
      c: Context<WebEnv>,
      session: ActiveSession,
      maskedTarget: string,
      notice: string | null,
      errors: FieldError[],
      status = 200,
    ) =>
      renderPage(
        c,
        { title: c.var.t.securityInfo.codeTitle, hasErrors: errors.length > 0, status },
        <SecurityInfoCodePage
          t={c.var.t}
          csrfToken={session.data.csrf}
          base={base}
          maskedTarget={maskedTarget}
          notice={notice}
          errors={errors}
        />,
      );

    routes.get(
      `${base}/code`,
      guarded(`${base}/code`, async (c, session) => {
        const pending = pendingOf(session.data.enrollment);
        if (pending === null) return c.redirect(base, 303);
        return renderCode(c, session, pending.maskedTarget, null, []);
      }),
    );

    routes.post(
      `${base}/code`,
      guarded(`${base}/code`, async (c, session) => {
        const { t } = c.var;
        const pending = pendingOf(session.data.enrollment);
        if (pending === null) return c.redirect(base, 303);
        const code = readCode(kind, field(await readForm(c), 'code'));
        if (!code.ok)
          return renderCode(
            c,
            session,
            pending.maskedTarget,
            null,
            [{ field: 'code', message: codeProblemMessage(t, code.problem, kind) }],
            400,
          );
        const result: CodeCheck & { method?: SecurityMethod } = await c.var.services.securityInfo.completeCodeEnrollment(
          session.accountId,
          pending.challengeId,
          code.code,
        );
        if (!result.ok) {
          return renderCode(
            c,
            session,
            pending.maskedTarget,
            null,
            [{ field: 'code', message: codeFailureMessage(t, result.reason, result.attemptsLeft, kind) }],
            400,
          );
        }
        return methodAdded(c, session, result.method);
      }),
    );

    routes.post(
      `${base}/resend`,
      guarded(`${base}/code`, async (c, session) => {
        const { t } = c.var;
        const pending = pendingOf(session.data.enrollment);
        if (pending === null) return c.redirect(base, 303);
        const { securityInfo } = c.var.services;
        const result: SendResult = await safeSend(c, () =>
          kind === 'sms'
            ? securityInfo.startPhoneEnrollment(session.accountId, pending.input, requestContext(c))
            : securityInfo.startEmailEnrollment(session.accountId, pending.input, requestContext(c)),
        );
        if (!result.ok) {
          const failure =
            result.reason === 'invalid_target' ? { message: t.secondStep.notSent, status: 400 } : sendFailureMessage(t, result);
          return renderCode(c, session, pending.maskedTarget, null, [{ field: 'code', message: failure.message }], failure.status);
        }
        const enrollment: PendingEnrollment = { ...pending, challengeId: result.challengeId, sentAt: c.var.services.clock.now().getTime() };
        await updateSessionData(c, session, { ...session.data, enrollment });
        return renderCode(c, session, pending.maskedTarget, t.secondStep.resent, []);
      }),
    );
  }

  routes.get(
    `${BASE}/done`,
    guarded(null, async (c, session) => {
      const { t } = c.var;
      const methods = await c.var.services.securityInfo.listMethods(session.accountId);
      const method = methods.find((m) => m.id === c.req.query('method'));
      if (method === undefined) return c.redirect(BASE, 303);
      const message =
        method.kind === 'sms'
          ? t.securityInfo.doneSms(method.maskedTarget ?? '')
          : method.kind === 'email'
            ? t.securityInfo.doneEmail(method.maskedTarget ?? '')
            : t.securityInfo.doneTotp;
      return renderPage(c, { title: t.securityInfo.doneTitle }, <SecurityInfoDonePage t={t} message={message} continueHref={BASE} />);
    }),
  );

  // --- Default, removal, recovery codes -------------------------------------------------------
  routes.post(
    `${BASE}/default`,
    guarded(BASE, async (c, session) => {
      const { securityInfo } = c.var.services;
      const methodId = field(await readForm(c), 'method');
      const methods = await securityInfo.listMethods(session.accountId);
      const method = methods.find((m) => m.id === methodId && m.kind !== 'recovery_codes');
      if (method === undefined) return c.redirect(BASE, 303);
      await securityInfo.setDefault(session.accountId, method.id);
      await withFlash(c, session, 'default_changed');
      return c.redirect(BASE, 303);
    }),
  );

  routes.get(
    `${BASE}/remove`,
    guarded(BASE, async (c, session) => {
      const methods = await c.var.services.securityInfo.listMethods(session.accountId);
      const method = methods.find((m) => m.id === c.req.query('method'));
      if (method === undefined) return c.redirect(BASE, 303);
      const { t } = c.var;
      return renderPage(
        c,
        { title: t.securityInfo.removeTitle },
        <SecurityInfoRemovePage t={t} csrfToken={session.data.csrf} method={method} isLast={methods.length === 1} />,
      );
    }),
  );

  routes.post(
    `${BASE}/remove`,
    guarded(BASE, async (c, session) => {
      const { securityInfo } = c.var.services;
      const methodId = field(await readForm(c), 'method');
      const methods = await securityInfo.listMethods(session.accountId);
      if (!methods.some((m) => m.id === methodId)) return c.redirect(BASE, 303);
      const isRemoved = await securityInfo.removeMethod(session.accountId, methodId);
      await withFlash(c, session, isRemoved ? 'method_removed' : 'remove_refused');
      return c.redirect(BASE, 303);
    }),
  );

  routes.post(
    `${BASE}/recovery-codes`,
    guarded(BASE, async (c, session) => {
      const { securityInfo, directory, config } = c.var.services;
      const methods = await securityInfo.listMethods(session.accountId);
      // Recovery codes back up another method; alone they would be a password written on paper.
      if (!methods.some((m) => m.kind !== 'recovery_codes')) return c.redirect(BASE, 303);
      const codes = await securityInfo.generateRecoveryCodes(session.accountId);
      await withFlash(c, session, 'recovery_codes_saved');
      const account = await directory.getAccount(session.accountId);
      // Shown in this answer only (never stored in the session or sent again).
      return renderPage(
        c,
        { title: c.var.t.securityInfo.recoveryTitle },
        <SecurityInfoRecoveryCodesPage
          t={c.var.t}
          codes={codes}
          organisation={config.organisation.name}
          username={account?.username ?? ''}
        />,
      );
    }),
  );
}
