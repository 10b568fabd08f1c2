// The password checklist in Chromium, in Swedish and English: typing updates each rule's line
// through the check endpoint (read from the polite live region, state in words), the form works
// by keyboard alone, without JavaScript the checklist shows the server's verdict after a submit,
// and axe-core finds nothing on the page before typing, after a refused submit and after typing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs } from '../../src/i18n/catalog.ts';
import { assertNoAxeViolations, focusedElement, hasVisibleFocusIndicator, launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, textOf, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('password-checklist')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

/** A rule's line in the checklist, as a screen reader reads it: "state: text". */
function ruleLine(page: Page, rule: string) {
  return page.locator(`[aria-live="polite"] li[data-rule="${rule}"]`);
}

/** The id of the focused element ('' for none). */
async function activeId(page: Page): Promise<string> {
  return String(await page.evaluate('document.activeElement ? document.activeElement.id : ""'));
}

/** Presses Tab until the element with this id has focus, each stop showing a visible focus indicator (WCAG 2.4.7). */
async function tabToId(page: Page, id: string, limit = 25): Promise<void> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    assert.ok(focused !== null && hasVisibleFocusIndicator(focused), `Tab press ${presses}: no visible focus`);
    if ((await activeId(page)) === id) return;
  }
  assert.fail(`#${id} was not reached within ${limit} Tab presses`);
}

const CURRENT_PASSWORD = 'Nuvarande-lösenfras-42';

/** Each journey gets its own account (a changed password can't be set back: history), and signs in to change password. */
async function signInToChangePassword(page: Page, t: Catalog, username: string): Promise<void> {
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  await directory.createAccount({ username, displayName: 'Kim Lista' }, CURRENT_PASSWORD);
  await page.goto(`${portal.url}/sign-in`);
  await submitSignIn(page, t, username, CURRENT_PASSWORD);
  await page.goto(`${portal.url}/account/password`);
  assert.equal(await mainHeading(page), t.changePassword.title);
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];
  const minLength = 12;

  test(`checklist updates live as you type, by keyboard only (${lang})`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page, requests }) => {
      await signInToChangePassword(page, t, `lista.live.${lang}`);
      await assertNoAxeViolations(page, `change password with checklist (${lang})`);
      const checklist = page.locator('[aria-live="polite"]');
      assert.equal(await checklist.count(), 1);
      // The field points at the checklist, so its rules are read with the field.
      const newField = page.getByLabel(t.changePassword.newLabel, { exact: true });
      const describedBy = ((await newField.getAttribute('aria-describedby')) ?? '').split(' ');
      assert.ok(describedBy.includes((await checklist.getAttribute('id')) ?? '-'));
      assert.equal(await textOf(ruleLine(page, 'minLength')), `${t.passwordPolicy.notMet}: ${t.passwordPolicy.rules.minLength(minLength)}`);

      // Keyboard only: Tab from the top of the page to the new-password field, then type.
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await tabToId(page, 'current-password');
      await page.keyboard.type(CURRENT_PASSWORD);
      await tabToId(page, 'new-password', 5);

      await page.keyboard.type('Sommar2025!!');
      await ruleLine(page, 'notCommon').getByText(t.passwordPolicy.refusals.notCommon('sommar')).waitFor();
      assert.equal(await textOf(ruleLine(page, 'notCommon').locator('.password-checklist__state')), t.passwordPolicy.notMet);
      assert.equal(await textOf(ruleLine(page, 'minLength')), `${t.passwordPolicy.met}: ${t.passwordPolicy.rules.minLength(minLength)}`);
      assert.ok(
        requests.some((url) => url.endsWith('/password-policy/check')),
        'the checklist did not ask the server',
      );

      // Submitted anyway (Enter in the confirmation): refused on the server, the checklist shows the verdict.
      await tabToId(page, 'confirm-password', 1);
      await page.keyboard.type('Sommar2025!!');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.equal(
        await textOf(ruleLine(page, 'notCommon')),
        `${t.passwordPolicy.notMet}: ${t.passwordPolicy.refusals.notCommon('sommar')}`,
      );
      await assertNoAxeViolations(page, `checklist after a refused submit (${lang})`);

      // Typed again: a good passphrase meets every rule.
      await page.getByLabel(t.changePassword.currentLabel, { exact: true }).focus();
      await page.keyboard.type(CURRENT_PASSWORD);
      await page.keyboard.press('Tab');
      assert.equal(await activeId(page), 'new-password');
      const good = `Gula cyklar under bron ${lang}`;
      await page.keyboard.type(good);
      await page.locator('li[data-rule="notCommon"][data-state="met"]').waitFor();
      for (const rule of ['minLength', 'maxLength', 'notPersonal', 'notCommon']) {
        assert.equal(await textOf(ruleLine(page, rule).locator('.password-checklist__state')), t.passwordPolicy.met, rule);
      }
      await assertNoAxeViolations(page, `checklist after typing (${lang})`);

      // Confirm and submit without the mouse.
      await tabToId(page, 'confirm-password', 1);
      await page.keyboard.type(good);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.equal(new URL(page.url()).pathname, '/account', (await page.getByRole('alert').allInnerTexts()).join(' / '));
    });
  });

  test(`without JavaScript the checklist shows the verdict after a submit (${lang})`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang], javaScriptEnabled: false }, async ({ page, requests }) => {
      await signInToChangePassword(page, t, `lista.nojs.${lang}`);
      const weak = 'Sommar2025!!';
      await page.getByLabel(t.changePassword.currentLabel, { exact: true }).fill(CURRENT_PASSWORD);
      await page.getByLabel(t.changePassword.newLabel, { exact: true }).fill(weak);
      await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).fill(weak);
      await page.getByRole('button', { name: t.changePassword.submit }).click();
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).pathname, '/account/password');
      assert.ok(!requests.some((url) => url.endsWith('/password-policy/check')), 'no script ran, so no check request');
      assert.equal(
        await textOf(ruleLine(page, 'notCommon')),
        `${t.passwordPolicy.notMet}: ${t.passwordPolicy.refusals.notCommon('sommar')}`,
      );
      assert.equal(await textOf(ruleLine(page, 'minLength')), `${t.passwordPolicy.met}: ${t.passwordPolicy.rules.minLength(minLength)}`);
      assert.ok(
        await page
          .getByRole('alert')
          .getByRole('link', { name: t.passwordPolicy.refusals.notCommon('sommar') })
          .isVisible(),
      );
    });
  });
}
