// Expired and must-change passwords in Chromium, keyboard only, in Swedish and English, with the
// embedded directory's password lifetime on (maxPasswordAgeDays) and accounts whose password was
// set long ago: (a) the old password signs in to the new-password step (after the second step when
// a method is registered), a password that breaks the length rule is explained, a good one reaches
// My account; (b) the same kind of account renews its password through the reset flow from the
// sign-in page instead; (c) an account flagged must-change gets the same step. axe-core scans
// every page visited.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DirectoryAccount } from '../../src/directory/directory.ts';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { lockoutThreshold, startTestPortal, type TestPortal, withPortalPage } from '../support/portal.ts';
import {
  AxeLog,
  activate,
  addPrivateEmail,
  createAccountWithOldPassword,
  emailCodes,
  errorSummaryText,
  identifyForReset,
  locales,
  newEmailCode,
  open,
  setResetPassword,
  signInByKeyboard,
  typeInto,
} from '../support/reset-journey.ts';

let browser: Browser;
let portal: TestPortal;

/** Passwords live this long; the accounts below set theirs well before that. */
const maxPasswordAgeDays = 90;
const passwordAgeDays = 400;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('expired-password', {
      // The test portal's directory settings (cheap hashing, a low lockout threshold) plus a password lifetime.
      directory: { embedded: { lockoutThreshold, maxPasswordAgeDays, argon2: { memoryKiB: 8192, iterations: 1 } } },
      reset: { captcha: { maxCounter: 2_000 } },
      securityInfo: { registrationRequired: false, resendCooldownSeconds: 0 },
    }),
  ]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

interface Person {
  account: DirectoryAccount;
  password: string;
  /** The registered private e-mail address, or null for an account without methods. */
  privateEmail: string | null;
}

async function person(name: string, options: { daysAgo: number; hasMethod: boolean; mustChange?: boolean }): Promise<Person> {
  const password = `Gammalt-${name}-lösen-2019`;
  const account = await createAccountWithOldPassword(
    portal,
    { username: name, email: `${name}@example.se`, displayName: `Person ${name}` },
    password,
    options.daysAgo,
  );
  if (options.mustChange) await portal.services.directory.requireChange(account.id);
  const privateEmail = options.hasMethod ? `privat.${name}@example.org` : null;
  if (privateEmail !== null) await addPrivateEmail(portal, account.id, privateEmail);
  return { account, password, privateEmail };
}

/** After the right password: the e-mail code of the second step when the account has the method. */
async function secondStepIfRegistered(page: Page, t: Catalog, lang: Language, who: Person, sentBefore: number, axe: AxeLog): Promise<void> {
  if (who.privateEmail === null) return;
  await axe.check(page, 'second step', t.secondStep.title, lang);
  await typeInto(page, 'code', await newEmailCode(portal, who.privateEmail, sentBefore));
  await activate(page, t.secondStep.submit);
}

async function sentCount(who: Person): Promise<number> {
  return who.privateEmail === null ? 0 : (await emailCodes(portal, who.privateEmail)).length;
}

/** The forced change-password page: the reason shown, a too-short password explained, then a good one to My account. */
async function changeForced(
  page: Page,
  t: Catalog,
  lang: Language,
  who: Person,
  reason: 'expired' | 'must_change',
  newPassword: string,
  axe: AxeLog,
): Promise<void> {
  await axe.check(page, `change password (${reason})`, t.changePassword.title, lang);
  assert.equal(new URL(page.url()).pathname, '/account/password');
  const notice = reason === 'expired' ? t.changePassword.forcedExpired : t.changePassword.forcedMustChange;
  assert.ok((await page.locator('main').innerText()).includes(notice), `the page says why: ${notice}`);
  // Nothing else is reachable until the password is changed.
  await open(page, portal, '/account');
  assert.equal(new URL(page.url()).pathname, '/account/password', 'My account waits for the new password');

  const minLength = portal.services.config.passwordPolicy.minLength;
  const short = 'kort-1';
  await typeInto(page, 'current-password', who.password);
  await typeInto(page, 'new-password', short);
  await typeInto(page, 'confirm-password', short);
  await activate(page, t.changePassword.submit);
  await axe.check(page, `change password (${reason}), too short`, t.changePassword.title, lang);
  assert.ok(
    (await errorSummaryText(page)).includes(t.passwordPolicy.refusals.minLength(minLength, short.length)),
    `the length rule is explained: ${await errorSummaryText(page)}`,
  );

  await typeInto(page, 'current-password', who.password);
  await typeInto(page, 'new-password', newPassword);
  await typeInto(page, 'confirm-password', newPassword);
  await activate(page, t.changePassword.submit);
  await axe.check(page, `My account after the change (${reason})`, t.account.title, lang);
  assert.equal(new URL(page.url()).pathname, '/account');
  assert.ok(await page.getByRole('status').getByText(t.account.passwordChanged).isVisible());
}

/** The directory's view afterwards: renewed, the old password refused, the new one accepted. */
async function assertRenewed(who: Person, newPassword: string): Promise<void> {
  const { directory } = portal.services;
  const state = await directory.readState(who.account.id);
  assert.equal(state.isExpired, false, 'the password is no longer expired');
  assert.equal(state.mustChange, false, 'no change is pending');
  assert.equal((await directory.authenticate(who.account.username, who.password)).outcome, 'invalid', 'the old password fails');
  assert.equal((await directory.authenticate(who.account.username, newPassword)).outcome, 'ok', 'the new password works');
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];
  // One language with a registered method (the second step comes first), the other without.
  const hasMethod = lang === 'sv';

  test(`(a) an expired password signs in to the new-password step, then My account (${lang}, ${hasMethod ? 'with' : 'without'} a method)`, async () => {
    const who = await person(`utgangen.${lang}`, { daysAgo: passwordAgeDays, hasMethod });
    const before = await portal.services.directory.readState(who.account.id);
    assert.equal(before.isExpired, true, `a password set ${passwordAgeDays} days ago has expired`);
    assert.equal(before.mustChange, false, 'expired by age, not flagged');
    const newPassword = lang === 'sv' ? 'Tio tysta tranor vid Tåkern i maj' : 'Ten quiet cranes by lake Tåkern';
    const axe = new AxeLog();
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const sent = await sentCount(who);
      await signInByKeyboard(page, portal, lang, who.account.username, who.password);
      await secondStepIfRegistered(page, t, lang, who, sent, axe);
      await changeForced(page, t, lang, who, 'expired', newPassword, axe);
    });
    await assertRenewed(who, newPassword);
    axe.assertClean();
  });

  test(`(b) an expired password renewed through the reset from the sign-in page (${lang})`, async () => {
    // The reset needs a registered method to confirm with.
    const who = await person(`aterstall.${lang}`, { daysAgo: passwordAgeDays, hasMethod: true });
    assert.equal((await portal.services.directory.readState(who.account.id)).isExpired, true);
    const email = who.privateEmail as string;
    const newPassword = lang === 'sv' ? 'Elva ekorrar i Ekebyhovs park' : 'Eleven squirrels in Ekebyhov park';
    const axe = new AxeLog();
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await identifyForReset(page, portal, t, lang, who.account.username, axe);
      const sent = await sentCount(who);
      await activate(page, t.reset.methods.email);
      await axe.check(page, 'reset e-mail code', t.reset.codeTitle, lang);
      await typeInto(page, 'code', await newEmailCode(portal, email, sent));
      await activate(page, t.reset.verify);
      await setResetPassword(page, portal, t, lang, newPassword, axe);

      // Signing in now: the new password, the second step, and straight to My account (no change step).
      const again = await sentCount(who);
      await signInByKeyboard(page, portal, lang, who.account.username, newPassword);
      await secondStepIfRegistered(page, t, lang, who, again, axe);
      await axe.check(page, 'My account after the reset', t.account.title, lang);
      assert.equal(new URL(page.url()).pathname, '/account', 'no change step after the reset');
    });
    await assertRenewed(who, newPassword);
    axe.assertClean();
  });

  test(`(c) a must-change account gets the same new-password step (${lang}, ${hasMethod ? 'without' : 'with'} a method)`, async () => {
    // A recent password, so only the flag asks for the change.
    const who = await person(`maste.byta.${lang}`, { daysAgo: 1, hasMethod: !hasMethod, mustChange: true });
    const before = await portal.services.directory.readState(who.account.id);
    assert.equal(before.mustChange, true);
    assert.equal(before.isExpired, false);
    const newPassword = lang === 'sv' ? 'Tolv tjocka tjäderhönor i Tjörn' : 'Twelve plump grouse on Tjörn';
    const axe = new AxeLog();
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const sent = await sentCount(who);
      await signInByKeyboard(page, portal, lang, who.account.username, who.password);
      await secondStepIfRegistered(page, t, lang, who, sent, axe);
      await changeForced(page, t, lang, who, 'must_change', newPassword, axe);
    });
    await assertRenewed(who, newPassword);
    axe.assertClean();
  });
}
