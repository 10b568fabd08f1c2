// Test support for the reset pages: solving the page's captcha the way the widget does, starting
// a flow through the pages, and registering methods for an account directly through the
// SecurityInfo port (codes from oathtool and the outbox) or the passkey ceremony (a software
// authenticator).

import assert from 'node:assert/strict';
import type { ConfigInput } from '../../config/schema.ts';
import type { ManualClock } from '../../domain/clock.ts';
import {
  finishPasskeyRegistration,
  type PasskeyDeps,
  relyingPartyFor,
  SecurityMethodsPasskeyStore,
  startPasskeyRegistration,
  WebauthnChallengeStore,
} from '../../methods/passkey.ts';
import { b64url, type SoftAuthenticator } from '../../methods/soft-authenticator.test-support.ts';
import { solveCaptchaChallenge } from '../../security/captcha.ts';
import { type BrowserResponse, TEST_PASSWORD, type TestBrowser, type TestContext } from '../test-harness.ts';
import { settleResetWork } from './reset-routes.tsx';
import { lastSentCode, oathtoolCode } from './second-step.test-support.ts';

/** Easy captchas (the work is not what these tests are about) and room for many starts. */
export function resetTestConfig(extra: Record<string, unknown> = {}): ConfigInput {
  return {
    reset: {
      captcha: { maxCounter: 50 },
      rateLimits: { perIp: { limit: 10_000 }, perAccount: { limit: 10_000 } },
      ...((extra.reset as object | undefined) ?? {}),
    },
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'reset')),
  } as ConfigInput;
}

const unescapeAttribute = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The widget's payload for the challenge in a start page. */
export async function solveCaptchaFromPage(body: string): Promise<string> {
  const raw = /<altcha-widget[^>]*\bchallenge="([^"]+)"/.exec(body)?.[1];
  assert.ok(raw, 'the start page carries a captcha challenge');
  return solveCaptchaChallenge(unescapeAttribute(raw));
}

/** Opens /reset, solves the captcha and posts the identifier; returns the POST's answer. */
export async function startResetThroughPages(browser: TestBrowser, identifier: string, lang?: 'sv' | 'en'): Promise<BrowserResponse> {
  const page = await browser.get(lang === undefined ? '/reset' : `/reset?lang=${lang}`);
  assert.equal(page.status, 200);
  return browser.post('/reset', { identifier, altcha: await solveCaptchaFromPage(page.body) });
}

/** Registers an authenticator app for the account; returns its secret (no spaces). */
export async function addAuthenticator(ctx: TestContext, accountId: string): Promise<string> {
  const enrollment = await ctx.services.securityInfo.startTotpEnrollment(accountId, 'test');
  const secret = enrollment.secretGrouped.replace(/\s+/g, '');
  const done = await ctx.services.securityInfo.completeTotpEnrollment(accountId, enrollment.enrollmentId, oathtoolCode(secret, ctx.clock));
  assert.ok(done.ok, 'the authenticator is registered');
  // The next code must be for a later time step (a code's step is accepted once).
  ctx.clock.advance(30_000);
  return secret;
}

/** Registers a mobile number for the account, verified with the code from the outbox. */
export async function addPhone(ctx: TestContext, accountId: string, number = '0701234567'): Promise<void> {
  const sent = await ctx.services.securityInfo.startPhoneEnrollment(accountId, number, { ip: '127.0.0.1', language: 'sv' });
  assert.ok(sent.ok, 'the enrolment code is sent');
  const { code } = await lastSentCode(ctx.services.outbox, 'sms');
  const done = await ctx.services.securityInfo.completeCodeEnrollment(accountId, sent.challengeId, code);
  assert.ok(done.ok, 'the phone is registered');
  // Past the resend cooldown, so the reset may send a code to the same number.
  ctx.clock.advance(5 * 60_000);
}

/** The newest reset code sent by SMS, after the background send has finished. */
export async function resetCodeFromOutbox(ctx: TestContext): Promise<string> {
  await settleResetWork(ctx.services);
  return (await lastSentCode(ctx.services.outbox, 'sms')).code;
}

export function totpNow(secret: string, clock: ManualClock): string {
  return oathtoolCode(secret, clock);
}

/** The origin and rpId the in-process browser (TestBrowser) uses. */
export const TEST_ORIGIN = 'http://localhost';

function passkeyDepsOf(ctx: TestContext): PasskeyDeps {
  const { store, clock, config, securityInfo } = ctx.services;
  const records = new SecurityMethodsPasskeyStore(store.db, store.dialect, clock);
  return {
    passkeys: {
      listPasskeys: (accountId) => records.listPasskeys(accountId),
      updatePasskeyCounter: (accountId, methodId, counter, usedAt) => records.updatePasskeyCounter(accountId, methodId, counter, usedAt),
      savePasskey: (accountId, passkey) => securityInfo.savePasskey(accountId, passkey, { ip: '127.0.0.1' }),
    },
    challenges: new WebauthnChallengeStore(store.db),
    clock,
    audit: store,
    rp: relyingPartyFor(config),
  };
}

/** Registers a passkey for the account through the real ceremony, answered by `authenticator`. */
export async function addPasskey(ctx: TestContext, accountId: string, authenticator: SoftAuthenticator): Promise<void> {
  const deps = passkeyDepsOf(ctx);
  const ceremony = { sessionKey: `test-${accountId}`, requestOrigin: TEST_ORIGIN, ip: '127.0.0.1' };
  const account = { accountId, userName: accountId, displayName: accountId };
  const options = await startPasskeyRegistration(deps, account, ceremony);
  const responseJson = await authenticator.register({ challenge: options.challenge, origin: TEST_ORIGIN, rpId: deps.rp.id });
  const saved = await finishPasskeyRegistration(deps, { accountId, name: 'Test', responseJson }, ceremony);
  assert.ok(saved.ok, 'the passkey is registered');
}

/** Creates another account in the embedded directory (password TEST_PASSWORD) with a passkey on `authenticator`; returns its id. */
export async function accountWithPasskey(
  ctx: TestContext,
  input: { username: string; email: string; displayName: string },
  authenticator: SoftAuthenticator,
): Promise<string> {
  const account = await ctx.services.embeddedDirectory?.createAccount(input, TEST_PASSWORD);
  assert.ok(account);
  await addPasskey(ctx, account.id, authenticator);
  return account.id;
}

/** The WebAuthn options a passkey page hands its script (the data-options attribute, HTML-unescaped). */
export function passkeyOptionsOf(body: string): { challenge: string; allowCredentials?: unknown[]; userVerification?: string } {
  const raw = /data-options="([^"]*)"/.exec(body)?.[1];
  assert.ok(raw, 'the page carries WebAuthn options');
  return JSON.parse(unescapeAttribute(raw));
}

/** What the authenticator answers on the passkey page in `body`, as the account `accountId` (its user handle). */
export async function answerPasskeyPage(body: string, authenticator: SoftAuthenticator, accountId: string): Promise<string> {
  const { challenge } = passkeyOptionsOf(body);
  const userHandle = b64url(new TextEncoder().encode(accountId));
  return authenticator.assert({ challenge, origin: TEST_ORIGIN, rpId: 'localhost' }, { userHandle });
}
