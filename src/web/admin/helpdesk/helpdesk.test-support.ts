// Test support for the staff-area page tests: an app whose staff area answers from the office
// zone (10.0.0.0/8), a helpdesk member who registers an authenticator app and proves it, and a
// user with an SMS and an authenticator method registered through the SecurityInfo port.

import assert from 'node:assert/strict';
import type { ConfigInput } from '../../../config/schema.ts';
import type { DirectoryAccount } from '../../../directory/directory.ts';
import type { ManualClock } from '../../../domain/clock.ts';
import { browserFrom, lastSentCode, OFFICE_IP, oathtoolCode, registerAuthenticator } from '../../routes/second-step.test-support.ts';
import { createTestContext, TEST_PASSWORD, type TestBrowser, type TestContext } from '../../test-harness.ts';

export const STAFF_USERNAME = 'hanna.help';

/** The staff area in the office zone, Hanna in the helpdesk role, two-step sign-in with registration required. */
export function staffConfig(extra: Record<string, unknown> = {}): ConfigInput {
  return {
    networkZones: { office: ['10.0.0.0/8'] },
    admin: { zones: ['office'], roles: { helpdesk: { users: [STAFF_USERNAME] } } },
    securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] } },
    ...extra,
  } as ConfigInput;
}

export interface StaffContext {
  ctx: TestContext;
  staff: DirectoryAccount;
}

export async function createStaffContext(extra: Record<string, unknown> = {}): Promise<StaffContext> {
  const ctx = await createTestContext(staffConfig(extra));
  const directory = ctx.services.embeddedDirectory;
  assert.ok(directory);
  const staff = await directory.createAccount(
    { username: STAFF_USERNAME, email: 'hanna.help@example.se', displayName: 'Hanna Help', department: 'IT' },
    TEST_PASSWORD,
  );
  return { ctx, staff };
}

/**
 * Signs Hanna in from the office, registers her authenticator app (required before anything
 * else) and proves it again for the staff area; returns her browser on the staff start page.
 */
export async function signInStaff(ctx: TestContext, ip = OFFICE_IP): Promise<{ browser: TestBrowser; secret: string }> {
  const browser = browserFrom(ctx, ip);
  const signedIn = await browser.signIn(STAFF_USERNAME, TEST_PASSWORD);
  assert.equal(signedIn.status, 303);
  const secret = await registerAuthenticator(browser, ctx.clock);
  await proveAgain(browser, ctx.clock, secret);
  return { browser, secret };
}

/** Opens /admin; when the re-verification step is asked for, proves the authenticator at the next time step. */
export async function proveAgain(browser: TestBrowser, clock: ManualClock, secret: string): Promise<void> {
  const admin = await browser.get('/admin');
  if (admin.status === 200) return;
  assert.equal(admin.location, '/account/security-info/verify');
  await browser.get('/account/security-info/verify');
  // The next 30-second step: the code used at registration may not be used twice (RFC 6238 5.2).
  clock.advance(30_000);
  const back = await browser.post('/account/security-info/verify', { code: oathtoolCode(secret, clock) });
  assert.equal(back.location, '/admin');
  assert.equal((await browser.get('/admin')).status, 200);
}

/** Registers an SMS method (the test account's mobile) and an authenticator app for `account` through the port. */
export async function giveMethods(ctx: TestContext, account: DirectoryAccount): Promise<{ totpSecret: string }> {
  const { securityInfo, outbox } = ctx.services;
  const sent = await securityInfo.startPhoneEnrollment(account.id, '0701234567', { ip: '10.0.0.9', language: 'sv' });
  assert.ok(sent.ok);
  const { code } = await lastSentCode(outbox, 'sms');
  assert.ok((await securityInfo.completeCodeEnrollment(account.id, sent.challengeId, code)).ok);
  const enrollment = await securityInfo.startTotpEnrollment(account.id, account.username);
  const totpSecret = enrollment.secretGrouped;
  assert.ok((await securityInfo.completeTotpEnrollment(account.id, enrollment.enrollmentId, oathtoolCode(totpSecret, ctx.clock))).ok);
  // Past the resend cooldown and the authenticator step just used.
  ctx.clock.advance(61_000);
  return { totpSecret };
}

/** The user page path of an account. */
export function userPath(account: DirectoryAccount): string {
  return `/admin/helpdesk/user?id=${encodeURIComponent(account.id)}`;
}
