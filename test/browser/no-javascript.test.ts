// The portal without JavaScript (blocked by policy, failed to load, old device): signing in,
// seeing errors, changing a forced password and signing out all work with plain HTML forms.
// Also checks that no page asks for a script it would need.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { catalogs } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('no-javascript')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

for (const lang of ['sv', 'en'] as const) {
  const t = catalogs[lang];
  const locale = lang === 'sv' ? 'sv-SE' : 'en-GB';

  test(`without JavaScript (${lang}): sign in, see an error, reach My account and sign out`, async () => {
    await withPortalPage(browser, portal, { locale, javaScriptEnabled: false }, async ({ page }) => {
      // Proof that scripts really are off in this context.
      await page.goto(`${portal.url}/`);
      await page.setContent('<noscript><p id="off">off</p></noscript>');
      assert.equal(await page.locator('#off').count(), 1, 'JavaScript is still on in this context');

      await page.goto(`${portal.url}/`);
      await page.getByRole('main').getByRole('link', { name: t.start.signInButton }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.signIn.title);

      await submitSignIn(page, t, testAccounts.normal.username, 'inte-rätt-lösenord');
      assert.equal(await mainHeading(page), t.signIn.title);
      assert.ok(await page.getByRole('alert').getByText(t.signIn.invalidCredentials).isVisible());

      // Submitting with Enter from the password field, as people do.
      await page.getByLabel(t.signIn.identifierLabel, { exact: true }).fill(testAccounts.normal.username);
      await page.getByLabel(t.signIn.passwordLabel, { exact: true }).fill(testAccounts.normal.password);
      await Promise.all([
        page.waitForURL(`${portal.url}/account`),
        page.getByLabel(t.signIn.passwordLabel, { exact: true }).press('Enter'),
      ]);
      assert.equal(await mainHeading(page), t.account.title);
      assert.ok(await page.getByText(testAccounts.normal.username, { exact: true }).isVisible());

      await page.getByRole('button', { name: t.nav.signOut }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.start.title);
      assert.ok(await page.getByRole('status').getByText(t.start.signedOut).isVisible());
      await page.goto(`${portal.url}/account`);
      assert.equal(new URL(page.url()).pathname, '/sign-in', 'My account must need signing in again after sign-out');
    });
  });
}

test('without JavaScript: a forced password change works with the plain form', async () => {
  const t = catalogs.sv;
  await withPortalPage(browser, portal, { locale: 'sv-SE', javaScriptEnabled: false }, async ({ page }) => {
    await page.goto(`${portal.url}/sign-in`);
    await submitSignIn(page, t, testAccounts.mustChange.username, testAccounts.mustChange.password);
    assert.equal(new URL(page.url()).pathname, '/account/password');
    const newPassword = 'Utan-skript-går-det-också';
    await page.getByLabel(t.changePassword.currentLabel, { exact: true }).fill(testAccounts.mustChange.password);
    await page.getByLabel(t.changePassword.newLabel, { exact: true }).fill(newPassword);
    await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: t.changePassword.submit }).click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.ok(await page.getByRole('status').getByText(t.account.passwordChanged).isVisible());
  });
});
