// The self-service reset in Chromium, keyboard only: from the sign-in page's link, the
// identifier, the proof-of-work check (the altcha widget, solved by the browser's own worker),
// a method, the code, and the new password or unlock — in Swedish and English, with an
// authenticator app (codes from oathtool), with SMS (the code from the outbox), unlock only for
// a locked account, and an expired (must-change) account. axe-core on every reset page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { settleResetWork } from '../../src/web/routes/reset-routes.tsx';
import { axeViolationReport, launchBrowser } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { lastOutboxCode } from '../support/outbox.ts';
import { mainHeading, startTestPortal, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';
import { activate, passHumanCheck, typeInto } from '../support/reset-journey.ts';

let browser: Browser;
let portal: TestPortal;
const axeReports: string[] = [];

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('reset', {
      // A light check: the work is not what the journeys are about.
      reset: { captcha: { maxCounter: 2_000 } },
      securityInfo: { registrationRequired: false, resendCooldownSeconds: 0 },
    }),
  ]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;
const request = { ip: '127.0.0.1', language: 'sv' as const };

async function accountId(username: string): Promise<string> {
  const account = await portal.services.directory.findAccount(username);
  assert.ok(account, username);
  return account.id;
}

async function addAuthenticator(username: string): Promise<string> {
  const id = await accountId(username);
  const enrollment = await portal.services.securityInfo.startTotpEnrollment(id, 'test');
  const secret = enrollment.secretGrouped.replace(/\s+/g, '');
  assert.ok((await portal.services.securityInfo.completeTotpEnrollment(id, enrollment.enrollmentId, oathtool(secret, -30))).ok);
  return secret;
}

async function addPhone(username: string): Promise<void> {
  const id = await accountId(username);
  const sent = await portal.services.securityInfo.startPhoneEnrollment(id, '0701740605', request);
  assert.ok(sent.ok);
  const code = await lastSmsCode('+46701740605');
  assert.ok((await portal.services.securityInfo.completeCodeEnrollment(id, sent.challengeId, code)).ok);
}

async function lastSmsCode(to: string): Promise<string> {
  await settleResetWork(portal.services);
  return lastOutboxCode(portal, 'sms', to);
}

async function checkAxe(page: Page, label: string): Promise<void> {
  const report = await axeViolationReport(page, label);
  if (report !== null) axeReports.push(report);
}

/** From the sign-in page to the first method page, by keyboard: link, identifier, the check, continue. */
async function identify(page: Page, t: Catalog, lang: Language, identifier: string): Promise<void> {
  await page.goto(`${portal.url}/sign-in?lang=${lang}`);
  await activate(page, t.reset.link);
  assert.equal(await mainHeading(page), t.reset.startTitle);
  await checkAxe(page, `reset start (${lang})`);
  await typeInto(page, 'identifier', identifier);
  await passHumanCheck(page);
  await checkAxe(page, `reset start, check done (${lang})`);
  await activate(page, t.reset.submit);
  const errors = (await page.locator('.error-summary').count()) > 0 ? await page.locator('.error-summary').innerText() : '';
  assert.equal(await mainHeading(page), t.reset.methodTitle, `the method page follows ${errors}`);
  await checkAxe(page, `reset methods (${lang})`);
}

async function choosePassword(page: Page, t: Catalog, lang: Language, password: string): Promise<void> {
  const errors = (await page.locator('.error-summary').count()) > 0 ? await page.locator('.error-summary').innerText() : '';
  assert.equal(await mainHeading(page), t.reset.passwordTitle, errors);
  await checkAxe(page, `reset new password (${lang})`);
  await typeInto(page, 'new-password', password);
  await typeInto(page, 'confirm-password', password);
  await activate(page, t.reset.submitPassword);
  assert.equal(await mainHeading(page), t.reset.doneTitles.password_changed);
  await checkAxe(page, `reset done (${lang})`);
}

for (const lang of ['sv', 'en'] as const) {
  test(`authenticator app, keyboard only (${lang})`, async () => {
    const t = catalogs[lang];
    const secret = await addAuthenticator(testAccounts.normal.username);
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await identify(page, t, lang, testAccounts.normal.email);
      await activate(page, t.reset.methods.totp);
      assert.equal(await mainHeading(page), t.reset.codeTitle);
      await checkAxe(page, `reset code (${lang})`);
      await typeInto(page, 'code', oathtool(secret));
      await activate(page, t.reset.verify);
      await choosePassword(
        page,
        t,
        lang,
        lang === 'sv' ? 'Sju sjösjuka sjömän på Sjöbo sjukhus' : 'Seven seasick sailors near Sjöbo hospital',
      );
    });
    // Each journey leaves the account with the authenticator; the next one adds its own.
    await portal.services.securityInfo.removeMethod(
      await accountId(testAccounts.normal.username),
      (await portal.services.securityInfo.listMethods(await accountId(testAccounts.normal.username)))[0]?.id ?? '',
    );
  });
}

test('SMS, keyboard only, with a wrong code first (sv)', async () => {
  const t = catalogs.sv;
  await addPhone(testAccounts.mustChange.username);
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    await identify(page, t, 'sv', testAccounts.mustChange.username);
    await activate(page, t.reset.methods.sms);
    await typeInto(page, 'code', '000000');
    await activate(page, t.reset.verify);
    assert.match(await page.locator('.error-summary').innerText(), /Koden stämmer inte/);
    await checkAxe(page, 'reset code with error (sv)');
    await typeInto(page, 'code', await lastSmsCode('+46701740605'));
    await activate(page, t.reset.verify);
    // An expired / must-change account: the reset's new password clears the flag.
    await choosePassword(page, t, 'sv', 'Regnbågsforell i Vättern vid Gränna');
  });
  const state = await portal.services.directory.readState(await accountId(testAccounts.mustChange.username));
  assert.equal(state.mustChange, false, 'the must-change flag is cleared');
});

test('unlock only for a locked account, keyboard only (en)', async () => {
  const t = catalogs.en;
  const secret = await addAuthenticator(testAccounts.locked.username);
  await withPortalPage(browser, portal, { locale: 'en-GB' }, async ({ page }) => {
    await identify(page, t, 'en', testAccounts.locked.username);
    await activate(page, t.reset.methods.totp);
    await typeInto(page, 'code', oathtool(secret));
    await activate(page, t.reset.verify);
    assert.equal(await mainHeading(page), t.reset.actionTitle);
    await checkAxe(page, 'reset unlock or password (en)');
    await activate(page, t.reset.actions.unlock);
    assert.equal(await mainHeading(page), t.reset.doneTitles.unlocked);
    await checkAxe(page, 'reset unlocked (en)');
  });
  const state = await portal.services.directory.readState(await accountId(testAccounts.locked.username));
  assert.equal(state.isLocked, false);
  assert.equal((await portal.services.directory.authenticate(testAccounts.locked.username, testAccounts.locked.password)).outcome, 'ok');
});

test('axe-core found nothing on any reset page', () => {
  assert.deepEqual(axeReports, []);
});
