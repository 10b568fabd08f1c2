// Test support for the second-step and security-info page tests: a test context whose requests
// come from a chosen client address (for network zones), authenticator codes from Debian's
// oathtool (an independent TOTP implementation) at the test clock's time, and codes read back
// from the outbox.

import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { oathtool } from '../../../test/support/oathtool.ts';
import type { ConfigInput } from '../../config/schema.ts';
import type { ManualClock } from '../../domain/clock.ts';
import type { OutboxMessenger } from '../../messaging/outbox.ts';
import { type BrowserResponse, createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';

export const OFFICE_IP = '10.20.30.40';
export const HOME_IP = '198.51.100.23';

/** Two-step sign-in on, a first registration allowed from the office zone (10.0.0.0/8). */
export function twoStepConfig(extra: Record<string, unknown> = {}): ConfigInput {
  return {
    securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] } },
    networkZones: { office: ['10.0.0.0/8'] },
    ...extra,
  } as ConfigInput;
}

/** A browser whose requests reach the app from `ip` (as the socket's peer address). */
export function browserFrom(ctx: TestContext, ip: string): TestBrowser {
  const front = new Hono();
  front.all('*', (c) => ctx.app.fetch(c.req.raw, { incoming: { socket: { remoteAddress: ip } } }));
  return new TestBrowser(front as unknown as TestContext['app']);
}

export async function createTwoStepContext(extra: Record<string, unknown> = {}): Promise<TestContext> {
  return createTestContext(twoStepConfig(extra));
}

/** The code an authenticator app shows for `secret` at the clock's time, from oathtool. */
export function oathtoolCode(secret: string, clock: ManualClock): string {
  return oathtool(secret, clock.now());
}

/** The secret as the page shows it (grouped), from the authenticator page's HTML. */
export function secretFromPage(body: string): string {
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(body)?.[1];
  assert.ok(secret, 'the page shows the secret');
  return secret.trim();
}

/** The newest six-digit code sent over `channel` (notifications carry none). */
export async function lastSentCode(outbox: OutboxMessenger, channel: 'sms' | 'email'): Promise<{ to: string; code: string }> {
  for (const entry of await outbox.read(50)) {
    if (entry.channel !== channel) continue;
    const code = /\b(\d{6})\b/.exec(entry.text)?.[1];
    if (code !== undefined) return { to: entry.to, code };
  }
  throw new Error(`no ${channel} code in the outbox`);
}

/** Signs in with the test account's password and follows the redirect; returns where it led. */
export async function signInWithPassword(browser: TestBrowser, identifier = 'anna.andersson'): Promise<BrowserResponse> {
  const res = await browser.signIn(identifier, TEST_PASSWORD);
  assert.equal(res.status, 303);
  return res;
}

/** Registers an authenticator app through the pages; returns its secret. */
export async function registerAuthenticator(browser: TestBrowser, clock: ManualClock): Promise<string> {
  const page = await browser.get('/account/security-info/authenticator');
  assert.equal(page.status, 200, 'the authenticator page opens');
  const secret = secretFromPage(page.body);
  const done = await browser.post('/account/security-info/authenticator', { code: oathtoolCode(secret, clock) });
  assert.equal(done.status, 303);
  assert.match(done.location ?? '', /^\/account\/security-info\/done\?method=/);
  return secret;
}
