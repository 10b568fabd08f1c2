// The self-service reset in Chromium, keyboard only, in Swedish and English, with the two methods
// the other reset journeys leave out: a code e-mailed to the registered private address (read
// from the outbox), and a recovery code (the codes created on the security-info page first; the
// used code refused when tried again, an unused one accepted). After each reset the old password
// is refused and the new one signs in, through the second step, to My account. axe-core scans
// every page visited.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestPortal, type TestPortal, withPortalPage } from '../support/portal.ts';
import {
  AxeLog,
  activate,
  addPrivateEmail,
  emailCodes,
  errorSummaryText,
  identifyForReset,
  locales,
  newEmailCode,
  setResetPassword,
  signInByKeyboard,
  signOutByKeyboard,
  typeInto,
} from '../support/reset-journey.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('reset-methods', {
      // A light check: the proof of work is not what these journeys are about.
      reset: { captcha: { maxCounter: 2_000 } },
      // No resend cooldown: the second step e-mails a code to the address the reset just used.
      securityInfo: { registrationRequired: false, resendCooldownSeconds: 0 },
    }),
  ]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

interface Person {
  id: string;
  username: string;
  workEmail: string;
  privateEmail: string;
  password: string;
}

/** A fresh account per journey with a private e-mail address registered, so the journeys don't depend on each other. */
async function personWithEmail(name: string): Promise<Person> {
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  const password = `Gammalt-${name}-lösen-2019`;
  const account = await directory.createAccount(
    { username: name, email: `${name}@example.se`, displayName: `Person ${name}`, department: 'Testförvaltningen' },
    password,
  );
  const privateEmail = `privat.${name}@example.org`;
  await addPrivateEmail(portal, account.id, privateEmail);
  return { id: account.id, username: name, workEmail: `${name}@example.se`, privateEmail, password };
}

/** The old password is refused with the one generic message; the new one leads to the second step. */
async function oldRefusedNewSignsIn(
  page: Page,
  t: Catalog,
  lang: Language,
  person: Person,
  newPassword: string,
  axe: AxeLog,
): Promise<void> {
  await signInByKeyboard(page, portal, lang, person.username, person.password);
  await axe.check(page, 'sign in with the old password', t.signIn.title, lang);
  assert.ok((await errorSummaryText(page)).includes(t.signIn.invalidCredentials), 'the old password no longer works');
  await signInByKeyboard(page, portal, lang, person.username, newPassword);
  await axe.check(page, 'second step after the reset', t.secondStep.title, lang);
}

/** The second step with the default method, the e-mail code sent on arrival, then My account. */
async function finishWithEmailCode(page: Page, t: Catalog, lang: Language, person: Person, sentBefore: number, axe: AxeLog): Promise<void> {
  await typeInto(page, 'code', await newEmailCode(portal, person.privateEmail, sentBefore));
  await activate(page, t.secondStep.submit);
  await axe.check(page, 'My account after the reset', t.account.title, lang);
  assert.equal(new URL(page.url()).pathname, '/account');
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`reset with a code e-mailed to the private address, keyboard only (${lang})`, async () => {
    const person = await personWithEmail(`epost.${lang}`);
    const newPassword = lang === 'sv' ? 'Åtta älgar mumsar lingon i Älvsbyn' : 'Eight elk ate pea soup in Älvsbyn';
    const axe = new AxeLog();
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      // The work address identifies in English, the username in Swedish: either works.
      await identifyForReset(page, portal, t, lang, lang === 'en' ? person.workEmail : person.username, axe);
      const sentBefore = (await emailCodes(portal, person.privateEmail)).length;
      await activate(page, t.reset.methods.email);
      await axe.check(page, 'reset e-mail code', t.reset.codeTitle, lang);
      assert.ok((await page.locator('main').innerText()).includes(t.reset.codeLeads.email));
      const code = await newEmailCode(portal, person.privateEmail, sentBefore);
      // A wrong code first: refused with the tries left, the right one then works.
      const wrong = code === '000000' ? '111111' : '000000';
      await typeInto(page, 'code', wrong);
      await activate(page, t.reset.verify);
      await axe.check(page, 'reset e-mail code, wrong', t.reset.codeTitle, lang);
      assert.ok(
        (await errorSummaryText(page)).includes(t.reset.codeWrong(portal.services.config.reset.maxCodeAttempts - 1)),
        await errorSummaryText(page),
      );
      await typeInto(page, 'code', code);
      await activate(page, t.reset.verify);
      await setResetPassword(page, portal, t, lang, newPassword, axe);

      const secondStepBefore = (await emailCodes(portal, person.privateEmail)).length;
      await oldRefusedNewSignsIn(page, t, lang, person, newPassword, axe);
      await finishWithEmailCode(page, t, lang, person, secondStepBefore, axe);
    });
    assert.ok(axe.scanned.length >= 12, `scanned ${axe.scanned.length} pages`);
    axe.assertClean();
  });

  test(`reset with a recovery code, the used code refused afterwards, keyboard only (${lang})`, async () => {
    const person = await personWithEmail(`atersta.${lang}`);
    const newPassword = lang === 'sv' ? 'Nio nyfikna nötskrikor i Nässjö' : 'Nine curious jays over Nässjö';
    const axe = new AxeLog();
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      // Recovery codes are created on the security-info page, after a sign-in with the e-mail code.
      const signInSent = (await emailCodes(portal, person.privateEmail)).length;
      await signInByKeyboard(page, portal, lang, person.username, person.password);
      await axe.check(page, 'second step', t.secondStep.title, lang);
      await typeInto(page, 'code', await newEmailCode(portal, person.privateEmail, signInSent));
      await activate(page, t.secondStep.submit);
      await axe.check(page, 'My account', t.account.title, lang);
      await activate(page, t.securityInfo.accountLink);
      await axe.check(page, 'security info', t.securityInfo.title, lang);
      await activate(page, t.securityInfo.recoveryGenerate);
      await axe.check(page, 'recovery codes', t.securityInfo.recoveryTitle, lang);
      const codes = (await page.locator('.recovery-codes__code').allInnerTexts()).map((code) => code.trim());
      assert.equal(codes.length, 10);
      const [first, second, third] = codes as [string, string, string];
      await activate(page, t.securityInfo.recoverySaved);
      await axe.check(page, 'security info after the codes', t.securityInfo.title, lang);
      await signOutByKeyboard(page, t);

      // The reset with the first code.
      await identifyForReset(page, portal, t, lang, person.username, axe);
      await activate(page, t.reset.methods.recovery_code);
      await axe.check(page, 'reset recovery code', t.reset.codeTitle, lang);
      assert.ok((await page.locator('main').innerText()).includes(t.reset.codeLeads.recovery_code));
      // Typed as a person reads it off paper: lower case is accepted too.
      await typeInto(page, 'code', first.toLowerCase());
      await activate(page, t.reset.verify);
      await setResetPassword(page, portal, t, lang, newPassword, axe);

      // The old password is refused; the new one signs in, with another recovery code as the second step.
      await oldRefusedNewSignsIn(page, t, lang, person, newPassword, axe);
      await activate(page, t.secondStep.useAnother);
      await axe.check(page, 'choose another method', t.secondStep.chooseTitle, lang);
      await activate(page, t.secondStep.methodRecovery);
      await axe.check(page, 'second step with a recovery code', t.secondStep.title, lang);
      await typeInto(page, 'code', third);
      await activate(page, t.secondStep.submit);
      await axe.check(page, 'My account after the reset', t.account.title, lang);
      await signOutByKeyboard(page, t);

      // A second reset: the code already used is refused, an unused one is accepted.
      await identifyForReset(page, portal, t, lang, person.username, axe);
      await activate(page, t.reset.methods.recovery_code);
      await typeInto(page, 'code', first);
      await activate(page, t.reset.verify);
      await axe.check(page, 'reset recovery code, used before', t.reset.codeTitle, lang);
      assert.ok(
        (await errorSummaryText(page)).includes(t.reset.codeWrong(portal.services.config.reset.maxCodeAttempts - 1)),
        `the used code is refused: ${await errorSummaryText(page)}`,
      );
      await typeInto(page, 'code', second);
      await activate(page, t.reset.verify);
      await axe.check(page, 'reset new password after an unused code', t.reset.passwordTitle, lang);
    });
    const recovery = (await portal.services.securityInfo.listMethods(person.id)).find((m) => m.kind === 'recovery_codes');
    assert.equal(recovery?.remaining, 7, 'three codes used (reset, sign-in, second reset), the refused one not counted twice');
    assert.ok(axe.scanned.length >= 20, `scanned ${axe.scanned.length} pages`);
    axe.assertClean();
  });
}
