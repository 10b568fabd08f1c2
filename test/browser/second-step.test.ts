// Two-step sign-in in Chromium: password, then a code from the authenticator app (oathtool
// reading the same secret), a replayed code refused, an SMS code read from the outbox, a
// recovery code; re-verifying before a change; one whole journey by keyboard only; axe-core on
// every second-step page in Swedish and English.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { sha256 } from '../../src/security/tokens.ts';
import { axeViolationReport, launchBrowser, tabTo } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { lastOutboxCode } from '../support/outbox.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('second-step', {
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] }, resendCooldownSeconds: 0 },
    }),
  ]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;
const ctx = { ip: '127.0.0.1', language: 'sv' as const };

interface Person {
  username: string;
  password: string;
  secret: string;
  mobile: string;
  recoveryCodes: string[];
}

/** An account with an authenticator app, a phone and recovery codes, registered through the backend. */
async function personWithMethods(name: string, mobile: string): Promise<Person> {
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  const password = `Två-steg-${name}-2026`;
  const account = await directory.createAccount({ username: name, displayName: name }, password);
  const info = portal.services.securityInfo;
  const enrollment = await info.startTotpEnrollment(account.id, name);
  const totp = await info.completeTotpEnrollment(account.id, enrollment.enrollmentId, oathtool(enrollment.secretGrouped));
  assert.ok(totp.ok, 'the authenticator app is registered');
  const sent = await info.startPhoneEnrollment(account.id, mobile, ctx);
  assert.ok(sent.ok);
  assert.ok(
    (await info.completeCodeEnrollment(account.id, sent.challengeId, await lastOutboxCode(portal, 'sms', mobile))).ok,
    'the phone is registered',
  );
  const recoveryCodes = await info.generateRecoveryCodes(account.id);
  return { username: name, password, secret: enrollment.secretGrouped, mobile, recoveryCodes };
}

async function click(page: Page, role: 'button' | 'link', name: string): Promise<void> {
  await page.getByRole(role, { name, exact: true }).first().click();
  await page.waitForLoadState('load');
}

async function signOut(page: Page, t: Catalog): Promise<void> {
  await click(page, 'button', t.nav.signOut);
}

async function errorText(page: Page): Promise<string> {
  return ((await page.locator('.error-summary').textContent()) ?? '').replace(/\s+/g, ' ');
}

test('sign in with the authenticator app, SMS and a recovery code; a replayed code is refused', async () => {
  const t = catalogs.sv;
  const person = await personWithMethods('tva.steg', '+46701740620');
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    // Authenticator app, the default method: a code for the next 30-second step (apps may run a little ahead).
    await page.goto(`${portal.url}/sign-in`);
    await submitSignIn(page, t, person.username, person.password);
    assert.equal(await mainHeading(page), t.secondStep.title);
    assert.equal(new URL(page.url()).pathname, '/sign-in/second-step');
    await page.goto(`${portal.url}/account`);
    assert.equal(new URL(page.url()).pathname, '/sign-in/second-step', 'My account is out of reach with only the password');
    const code = oathtool(person.secret, 30);
    await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill(code);
    await click(page, 'button', t.secondStep.submit);
    assert.equal(await mainHeading(page), t.account.title);
    await signOut(page, t);

    // The same code again: refused.
    await page.goto(`${portal.url}/sign-in`);
    await submitSignIn(page, t, person.username, person.password);
    await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill(code);
    await click(page, 'button', t.secondStep.submit);
    assert.equal(await mainHeading(page), t.secondStep.title);
    assert.ok((await errorText(page)).includes(t.secondStep.replayed), await errorText(page));

    // SMS instead: "use another method", the code sent on arrival, read from the outbox.
    await click(page, 'link', t.secondStep.useAnother);
    await click(page, 'button', t.secondStep.methodSms('+46 70 *** ** 20'));
    assert.ok((await page.locator('main').textContent())?.includes(t.secondStep.codeSentTo('+46 70 *** ** 20')));
    await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill(await lastOutboxCode(portal, 'sms', person.mobile));
    await click(page, 'button', t.secondStep.submit);
    assert.equal(await mainHeading(page), t.account.title);
    await signOut(page, t);

    // A recovery code, once.
    await page.goto(`${portal.url}/sign-in`);
    await submitSignIn(page, t, person.username, person.password);
    await click(page, 'link', t.secondStep.useAnother);
    await click(page, 'button', t.secondStep.methodRecovery);
    await page.getByLabel(t.secondStep.recoveryCodeLabel, { exact: true }).fill(person.recoveryCodes[0] as string);
    await click(page, 'button', t.secondStep.submit);
    assert.equal(await mainHeading(page), t.account.title);
  });
});

test('one whole journey by keyboard only: sign in, second step, security info, add a phone', async () => {
  const t = catalogs.sv;
  const person = await personWithMethods('tangent.bord', '+46701740621');
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    await page.goto(`${portal.url}/sign-in`);
    await tabTo(page, 'the username field', (f) => f.tag === 'input' && f.text === '');
    await page.keyboard.type(person.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\/second-step$/);
    await tabTo(page, 'the code field', (f) => f.tag === 'input');
    await page.keyboard.type(oathtool(person.secret, 30));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account$/);
    await tabTo(page, 'the security info link', (f) => f.text === t.securityInfo.accountLink);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/security-info$/);
    await tabTo(page, 'add a method', (f) => f.text === t.securityInfo.addMethod, 40);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/add$/);
    await tabTo(page, 'mobile phone', (f) => f.text === t.securityInfo.kindSms);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/phone$/);
    await tabTo(page, 'the number field', (f) => f.tag === 'input');
    await page.keyboard.type('070-174 06 22');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/phone\/code$/);
    await tabTo(page, 'the code field', (f) => f.tag === 'input');
    await page.keyboard.type(await lastOutboxCode(portal, 'sms', '+46701740622'));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/done\?method=/);
    assert.equal(await mainHeading(page), t.securityInfo.doneTitle);
    await tabTo(page, 'continue', (f) => f.text === t.securityInfo.continue);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/security-info$/);
    assert.equal(await page.locator('.method-list__item').count(), 4);
  });
});

for (const lang of ['sv', 'en'] as const satisfies readonly Language[]) {
  const t: Catalog = catalogs[lang];

  test(`every second-step page is axe-clean (${lang})`, async () => {
    const person = await personWithMethods(`axe.steg.${lang}`, lang === 'sv' ? '+46701740623' : '+46701740624');
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const reports: string[] = [];
      const scan = async (label: string, heading: string) => {
        assert.equal(await mainHeading(page), heading, label);
        const report = await axeViolationReport(page, `${label} (${lang})`);
        if (report !== null) reports.push(report);
      };
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, person.username, person.password);
      await scan('second step, authenticator app', t.secondStep.title);
      await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill('abc');
      await click(page, 'button', t.secondStep.submit);
      await scan('second step with an error', t.secondStep.title);
      await click(page, 'link', t.secondStep.useAnother);
      await scan('choose another method', t.secondStep.chooseTitle);
      await click(page, 'link', t.secondStep.passLink);
      await scan('helpdesk pass', t.registration.passTitle);
      await page.goto(`${portal.url}/sign-in/second-step/methods`);
      await click(page, 'button', t.secondStep.methodSms(`+46 70 *** ** ${person.mobile.slice(-2)}`));
      await scan('second step, SMS', t.secondStep.title);
      await click(page, 'button', t.secondStep.resend);
      await scan('second step, SMS resent', t.secondStep.title);
      await page.goto(`${portal.url}/sign-in/second-step/methods`);
      await click(page, 'button', t.secondStep.methodRecovery);
      await scan('second step, recovery code', t.secondStep.title);
      await page.getByLabel(t.secondStep.recoveryCodeLabel, { exact: true }).fill(person.recoveryCodes[1] as string);
      await click(page, 'button', t.secondStep.submit);
      assert.equal(await mainHeading(page), t.account.title);

      // Re-verifying before a change: make this session's second step old, as if ten minutes had passed.
      const cookie = (await page.context().cookies()).find((c) => c.name.endsWith('nyckel_session'));
      assert.ok(cookie);
      const idHash = sha256(cookie.value);
      const record = await portal.services.store.getSession(idHash);
      assert.ok(record);
      await portal.services.store.touchSession(idHash, new Date(), { ...record.data, lastSecondStepAt: Date.now() - 11 * 60_000 });
      await page.goto(`${portal.url}/account/security-info/add`);
      assert.equal(new URL(page.url()).pathname, '/account/security-info/verify');
      await scan('re-verify before a change', t.secondStep.title);
      await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill(oathtool(person.secret, 30));
      await click(page, 'button', t.secondStep.submit);
      assert.equal(new URL(page.url()).pathname, '/account/security-info/add', 'back where the change started');
      assert.deepEqual(reports, [], reports.join('\n'));
    });
  });
}

test('registration prompt and "ask me later" are axe-clean in both languages', async () => {
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  for (const lang of ['sv', 'en'] as const) {
    const t = catalogs[lang];
    await directory.createAccount({ username: `senare.${lang}`, displayName: 'Senare' }, 'Fråga-mig-senare-2026');
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, `senare.${lang}`, 'Fråga-mig-senare-2026');
      assert.equal(await mainHeading(page), t.registration.title);
      const report = await axeViolationReport(page, `registration prompt (${lang})`);
      assert.equal(report, null, report ?? '');
      await click(page, 'button', t.registration.askLater);
      assert.equal(await mainHeading(page), t.account.title);
    });
  }
});
