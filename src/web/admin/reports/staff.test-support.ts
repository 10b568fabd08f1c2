// Test support for the reports and audit route tests: a test context where anna.andersson is an
// administrator reaching /admin from the office zone, signed in with an authenticator app she
// registered and proved (the staff area needs a recent second step).

import assert from 'node:assert/strict';
import type { ConfigInput } from '../../../config/schema.ts';
import { browserFrom, OFFICE_IP, oathtoolCode, registerAuthenticator, signInWithPassword } from '../../routes/second-step.test-support.ts';
import { createTestContext, TEST_PASSWORD, type TestBrowser, type TestContext } from '../../test-harness.ts';

export { HOME_IP, OFFICE_IP } from '../../routes/second-step.test-support.ts';

export function staffConfig(extra: Record<string, unknown> = {}): ConfigInput {
  return {
    networkZones: { office: ['10.0.0.0/8'] },
    securityInfo: { firstRegistration: { zones: ['office'] } },
    admin: { zones: ['office'], roles: { admin: { users: ['anna.andersson'] }, helpdesk: { users: ['eva.ek'] } } },
    ...extra,
  } as ConfigInput;
}

export async function createStaffContext(extra: Record<string, unknown> = {}): Promise<TestContext> {
  return createTestContext(staffConfig(extra));
}

/** Signs in, registers an authenticator app, and proves it for the staff area; returns the browser. */
export async function signInAsStaff(ctx: TestContext, identifier = 'anna.andersson', ip = OFFICE_IP): Promise<TestBrowser> {
  const browser = browserFrom(ctx, ip);
  await signInWithPassword(browser, identifier);
  const secret = await registerAuthenticator(browser, ctx.clock);
  const first = await browser.get('/admin');
  if (first.status === 303 && first.location?.startsWith('/account/security-info/verify')) {
    // A new time step, so the code is not the one just used to register (TOTP codes are single use).
    ctx.clock.advance(31_000);
    await browser.get(first.location);
    const proved = await browser.post('/account/security-info/verify', { code: oathtoolCode(secret, ctx.clock) });
    assert.equal(proved.status, 303, 'the second step is accepted');
  }
  const home = await browser.get('/admin');
  assert.equal(home.status, 200, `the staff area opens (got ${home.status} ${home.location ?? ''})`);
  return browser;
}

/** Creates eva.ek, who has the helpdesk role only (see staffConfig), and signs her in as staff. */
export async function signInAsHelpdesk(ctx: TestContext): Promise<TestBrowser> {
  await ctx.services.embeddedDirectory?.createAccount(
    { username: 'eva.ek', email: 'eva.ek@example.se', displayName: 'Eva Ek', department: 'IT', mobile: '' },
    TEST_PASSWORD,
  );
  return signInAsStaff(ctx, 'eva.ek');
}
