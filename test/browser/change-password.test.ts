// A must-change account, in Swedish and English: signing in leads straight to change password,
// a too-short password is explained by its rule, a good one leads to My account, and the new
// password is the one that works afterwards.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, textOf, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('change-password')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

async function fillChangePassword(page: Page, t: Catalog, current: string, next: string, confirm: string): Promise<void> {
  await page.getByLabel(t.changePassword.currentLabel, { exact: true }).fill(current);
  await page.getByLabel(t.changePassword.newLabel, { exact: true }).fill(next);
  await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).fill(confirm);
  await page.getByRole('button', { name: t.changePassword.submit }).click();
  await page.waitForLoadState('load');
}

async function summaryMessages(page: Page): Promise<string[]> {
  return (await page.getByRole('alert').getByRole('link').allInnerTexts()).map((text) => text.trim());
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`must change password (${lang}): forced page, the length rule, then My account`, async () => {
    // Each language gets its own must-change account, so the runs don't depend on each other.
    const username = `must.change.${lang}`;
    const password = `Första-lösenordet-${lang}`;
    const directory = portal.services.embeddedDirectory;
    assert.ok(directory);
    const account = await directory.createAccount({ username, displayName: `Måste Byta ${lang}` }, password);
    await directory.requireChange(account.id);
    const minLength = portal.services.config.passwordPolicy.minLength;

    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, username, password);
      assert.equal(new URL(page.url()).pathname, '/account/password');
      assert.equal(await mainHeading(page), t.changePassword.title);
      assert.ok(await page.getByText(t.changePassword.forcedMustChange).isVisible());
      // The rule is told before it is broken, tied to the field.
      const newField = page.getByLabel(t.changePassword.newLabel, { exact: true });
      const describedBy = (await newField.getAttribute('aria-describedby')) ?? '';
      assert.equal(await textOf(page.locator(`#${describedBy.split(' ')[0]}`)), t.changePassword.newHint(minLength));

      // Password managers offer to generate and save the new password (WCAG 1.3.5 input purpose).
      assert.equal(await page.getByLabel(t.changePassword.currentLabel, { exact: true }).getAttribute('autocomplete'), 'current-password');
      assert.equal(await newField.getAttribute('autocomplete'), 'new-password');
      assert.equal(await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).getAttribute('autocomplete'), 'new-password');

      // Until the password is changed, My account is out of reach.
      await page.goto(`${portal.url}/account`);
      assert.equal(new URL(page.url()).pathname, '/account/password');

      // Too short: the rule, on the new-password field.
      const short = 'kort-123';
      assert.ok(short.length < minLength);
      await fillChangePassword(page, t, password, short, short);
      assert.equal(await mainHeading(page), t.changePassword.title);
      const tooShort = t.passwordPolicy.refusals.minLength(minLength, short.length);
      assert.equal((await summaryMessages(page))[0], tooShort);
      assert.equal(await newField.getAttribute('aria-invalid'), 'true');
      assert.ok(await page.locator('#new-password-error').getByText(tooShort).isVisible());
      // Passwords are never sent back into the page.
      for (const label of [t.changePassword.currentLabel, t.changePassword.newLabel, t.changePassword.confirmLabel]) {
        assert.equal(await page.getByLabel(label, { exact: true }).inputValue(), '', `${label} must be empty after an error`);
      }

      // Two different new passwords: the mismatch is on the confirmation field.
      await fillChangePassword(page, t, password, 'Ett-bra-nytt-lösenord-1', 'Ett-annat-lösenord-22');
      assert.deepEqual(await summaryMessages(page), [t.changePassword.mismatch]);
      assert.equal(await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).getAttribute('aria-invalid'), 'true');

      // A good one: My account, with the confirmation and guidance announced as a status.
      const newPassword = `Ett-riktigt-bra-lösenord-${lang}`;
      await fillChangePassword(page, t, password, newPassword, newPassword);
      assert.equal(new URL(page.url()).pathname, '/account');
      assert.equal(await mainHeading(page), t.account.title);
      const status = page.getByRole('status');
      assert.ok(await status.getByText(t.account.passwordChanged).isVisible());
      assert.ok(await status.getByText(t.account.passwordChangedGuidance).isVisible());

      // The old password no longer works; the new one does.
      await page.getByRole('button', { name: t.nav.signOut }).click();
      await page.waitForLoadState('load');
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, username, password);
      assert.deepEqual(await summaryMessages(page), [t.signIn.invalidCredentials]);
      await submitSignIn(page, t, username, newPassword);
      assert.equal(new URL(page.url()).pathname, '/account');
      assert.equal(await mainHeading(page), t.account.title);
    });
  });

  test(`change password by choice (${lang}): wrong current password and an empty form are explained`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, testAccounts.normal.username, testAccounts.normal.password);
      await page.getByRole('link', { name: t.account.changePasswordLink }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.changePassword.title);
      assert.ok(await page.getByText(t.changePassword.lead).isVisible());

      await page.getByRole('button', { name: t.changePassword.submit }).click();
      await page.waitForLoadState('load');
      assert.deepEqual(await summaryMessages(page), [
        t.changePassword.currentMissing,
        t.changePassword.newMissing,
        t.changePassword.confirmMissing,
      ]);

      await fillChangePassword(page, t, 'inte-mitt-lösenord', 'Ett-bra-nytt-lösenord-1', 'Ett-bra-nytt-lösenord-1');
      assert.deepEqual(await summaryMessages(page), [t.changePassword.currentWrong]);
      assert.equal(await page.getByLabel(t.changePassword.currentLabel, { exact: true }).getAttribute('aria-invalid'), 'true');

      // Cancel goes back to My account, unchanged.
      await page.getByRole('link', { name: t.changePassword.cancel }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.account.title);
      assert.equal(await page.getByRole('status').count(), 0);
    });
  });
}
