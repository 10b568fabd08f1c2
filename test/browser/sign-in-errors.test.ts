// Sign-in errors as a screen reader user meets them, in Swedish and English: an error summary
// that takes focus and is announced (role=alert), the field marked aria-invalid and tied to its
// message by aria-describedby (WCAG 3.3.1 Error Identification, 4.1.2, 4.1.3), the same words
// for an unknown user as for a wrong password (no account enumeration), and the locked page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, textOf, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('sign-in-errors')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

interface ErrorView {
  summaryText: string;
  /** What the page's main region says, as text (the identifier typed is in an input, not here). */
  mainText: string;
  title: string;
}

/**
 * Checks the accessible error pattern on the current page and returns what it showed:
 * the summary is an alert and has focus, each of its links points at a field that is
 * aria-invalid and described by an element saying the same message.
 */
async function assertAccessibleErrors(page: Page, t: Catalog, expectedMessages: string[]): Promise<ErrorView> {
  const summary = page.getByRole('alert');
  assert.equal(await summary.count(), 1, 'exactly one role=alert error summary');
  assert.ok(await summary.getByRole('heading', { name: t.form.errorSummaryTitle }).isVisible());
  const isFocused = await summary.evaluate(
    (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
  );
  assert.ok(isFocused, 'the error summary must have focus after the failed submit');
  assert.ok(
    (await page.title()).startsWith(t.app.errorTitlePrefix),
    `the title "${await page.title()}" must start with "${t.app.errorTitlePrefix}"`,
  );

  const links = summary.getByRole('link');
  const shown = (await links.allInnerTexts()).map((text) => text.trim());
  assert.deepEqual(shown, expectedMessages);
  for (let index = 0; index < shown.length; index++) {
    const href = (await links.nth(index).getAttribute('href')) ?? '';
    assert.ok(href.startsWith('#'), `summary link "${shown[index]}" must point at its field`);
    const input = page.locator(href);
    assert.equal(await input.getAttribute('aria-invalid'), 'true', `${href} must be aria-invalid`);
    const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
    const descriptions = await Promise.all(
      describedBy
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => textOf(page.locator(`#${id}`))),
    );
    assert.ok(
      descriptions.some((text) => text.includes(shown[index] as string)),
      `${href}'s aria-describedby (${describedBy}) must include the message "${shown[index]}"; it says ${JSON.stringify(descriptions)}`,
    );
  }
  const firstHref = (await links.first().getAttribute('href')) as string;
  const field = page.locator(firstHref);

  // Following the summary link moves focus to the field (keyboard and screen reader users).
  await links.first().press('Enter');
  const fieldHasFocus = await field.evaluate(
    (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
  );
  assert.ok(fieldHasFocus, `following the summary link must focus ${firstHref}`);

  return {
    summaryText: await textOf(summary),
    mainText: await textOf(page.getByRole('main')),
    title: await page.title(),
  };
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`wrong password and unknown user (${lang}): one accessible error, word for word the same`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, testAccounts.normal.username, 'inte-rätt-lösenord');
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      assert.equal(await mainHeading(page), t.signIn.title);
      const wrongPassword = await assertAccessibleErrors(page, t, [t.signIn.invalidCredentials]);
      // The identifier stays typed in, the password does not.
      assert.equal(await page.getByLabel(t.signIn.identifierLabel, { exact: true }).inputValue(), testAccounts.normal.username);
      assert.equal(await page.getByLabel(t.signIn.passwordLabel, { exact: true }).inputValue(), '');

      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, 'ingen.sadan.person', 'inte-rätt-lösenord');
      const unknownUser = await assertAccessibleErrors(page, t, [t.signIn.invalidCredentials]);
      assert.deepEqual(unknownUser, wrongPassword, 'an unknown user must see exactly what a wrong password shows');

      // A disabled account with its right password says nothing more either.
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, testAccounts.disabled.username, testAccounts.disabled.password);
      const disabled = await assertAccessibleErrors(page, t, [t.signIn.invalidCredentials]);
      assert.deepEqual(disabled, wrongPassword, 'a disabled account must see exactly what a wrong password shows');
    });
  });

  test(`empty sign-in form (${lang}): both fields explained, in order`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await page.getByRole('button', { name: t.signIn.submit }).click();
      await page.waitForLoadState('load');
      await assertAccessibleErrors(page, t, [t.signIn.identifierMissing, t.signIn.passwordMissing]);
      // Input purposes are declared, so password managers and assistive tech can fill them (WCAG 1.3.5).
      assert.equal(await page.getByLabel(t.signIn.identifierLabel, { exact: true }).getAttribute('autocomplete'), 'username');
      const password = page.getByLabel(t.signIn.passwordLabel, { exact: true });
      assert.equal(await password.getAttribute('autocomplete'), 'current-password');
      assert.equal(await password.getAttribute('type'), 'password');
      // The hint stays part of the identifier's description alongside the error.
      const describedBy = (await page.getByLabel(t.signIn.identifierLabel, { exact: true }).getAttribute('aria-describedby')) ?? '';
      assert.ok(describedBy.split(' ').includes('identifier-hint'));
    });
  });

  test(`locked account (${lang}): the locked page explains what to do`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, testAccounts.locked.username, testAccounts.locked.password);
      assert.equal(new URL(page.url()).pathname, '/sign-in/locked');
      assert.equal(await mainHeading(page), t.locked.title);
      const lockoutMinutes = portal.services.config.directory.embedded.lockoutMinutes;
      assert.ok(await page.getByText(t.locked.wait(lockoutMinutes)).isVisible());
      await page.getByRole('link', { name: t.locked.backToSignIn }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.signIn.title);
    });
  });
}
