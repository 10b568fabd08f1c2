// Keyboard-only journey, in Swedish and in English: skip link first, sign in by typing and
// pressing keys, reach My account, sign out, with a visible focus indicator on every element
// the Tab key reaches (WCAG 2.1.1 Keyboard, 2.4.1 Bypass Blocks, 2.4.3 Focus Order, 2.4.7 Focus Visible).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { focusedElement, hasVisibleFocusIndicator, launchBrowser, tabTo } from '../support/browser.ts';
import { mainHeading, startTestPortal, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('keyboard')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

/** True when the element the locator finds has focus. */
async function hasFocus(selector: Locator): Promise<boolean> {
  return selector.evaluate(
    (element) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
  );
}

for (const lang of ['sv', 'en'] as const satisfies readonly Language[]) {
  const t: Catalog = catalogs[lang];

  test(`keyboard only (${lang}): skip link, sign in, My account and sign out`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page, requests }) => {
      await page.goto(`${portal.url}/`);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);

      // The skip link is the first thing Tab reaches, and it shows itself when focused.
      const skip = page.getByRole('link', { name: t.app.skipLink });
      const hiddenBox = await skip.boundingBox();
      assert.ok(hiddenBox === null || hiddenBox.x + hiddenBox.width <= 0, 'the skip link is visible before it has focus');
      await page.keyboard.press('Tab');
      const first = await focusedElement(page);
      assert.ok(first);
      assert.equal(first.text, t.app.skipLink, 'the first Tab press must reach the skip link');
      assert.ok(hasVisibleFocusIndicator(first), 'the focused skip link has no focus indicator');
      const shownBox = await skip.boundingBox();
      assert.ok(
        shownBox && shownBox.x >= 0 && shownBox.y >= 0 && shownBox.width > 20 && shownBox.height > 20,
        'the focused skip link is not on screen',
      );
      assert.ok(await skip.isVisible());

      // Enter follows it: focus moves to the main content, past the header.
      await page.keyboard.press('Enter');
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id),
        'main',
      );

      // The next Tab stop is inside main: the start page's sign-in button.
      const signInLink = await tabTo(page, 'the sign-in link', (f) => f.tag === 'a' && f.text === t.start.signInButton, 3);
      assert.equal(signInLink.text, t.start.signInButton);
      await Promise.all([page.waitForURL(`${portal.url}/sign-in`), page.keyboard.press('Enter')]);
      assert.equal(await mainHeading(page), t.signIn.title);

      // Sign in by typing; Tab between the fields, Enter to submit.
      const identifier = page.getByLabel(t.signIn.identifierLabel, { exact: true });
      const password = page.getByLabel(t.signIn.passwordLabel, { exact: true });
      await tabTo(page, 'the identifier field', (f) => f.tag === 'input');
      assert.ok(await hasFocus(identifier), `Tab did not reach the field labelled "${t.signIn.identifierLabel}" first`);
      await page.keyboard.type(testAccounts.normal.username);
      await tabTo(page, 'the password field', (f) => f.tag === 'input', 1);
      assert.ok(await hasFocus(password), `Tab from the identifier did not reach "${t.signIn.passwordLabel}"`);
      await page.keyboard.type(testAccounts.normal.password);
      await Promise.all([page.waitForURL(`${portal.url}/account`), page.keyboard.press('Enter')]);
      assert.equal(await mainHeading(page), t.account.title);
      assert.equal(await page.title(), `${t.account.title}${t.app.titleSuffix}`);
      assert.ok(await page.getByText(t.account.greeting(testAccounts.normal.displayName)).isVisible());

      // Sign out with the keyboard: Tab to the button in the header, then Enter.
      await tabTo(page, 'the sign-out button', (f) => f.tag === 'button' && f.text === t.nav.signOut);
      await Promise.all([page.waitForURL(`${portal.url}/?signedOut=1`), page.keyboard.press('Enter')]);
      assert.equal(await mainHeading(page), t.start.title);
      assert.ok(await page.getByRole('status').getByText(t.start.signedOut).isVisible());

      // Signed out for real, on a shared computer too: the browser's Back button must not show
      // My account from a cache, and My account sends the browser back to sign in.
      await page.goBack();
      assert.equal(await mainHeading(page), t.signIn.title, 'Back after sign-out must not show My account');
      assert.equal(await page.getByText(testAccounts.normal.email).count(), 0);
      await page.goto(`${portal.url}/account`);
      assert.equal(new URL(page.url()).pathname, '/sign-in');

      // The recorder saw the whole journey (pages, the stylesheet, the form posts); withPortalPage
      // then checks that every one of these went to the portal's own origin.
      const paths = requests.map((url) => new URL(url).pathname);
      for (const path of ['/', '/sign-in', '/assets/app.css', '/account', '/sign-out']) {
        assert.ok(paths.includes(path), `no request for ${path} was recorded (recorded: ${paths.join(' ')})`);
      }
    });
  });

  test(`keyboard only (${lang}): Tab and then Enter on the button also submits, and every stop shows focus`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      await page.goto(`${portal.url}/sign-in`);
      await tabTo(page, 'the identifier field', (f) => f.tag === 'input');
      await page.keyboard.type(testAccounts.normal.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(testAccounts.normal.password);
      const button = await tabTo(page, 'the sign-in button', (f) => f.tag === 'button', 1);
      assert.equal(button.text, t.signIn.submit);
      await Promise.all([page.waitForURL(`${portal.url}/account`), page.keyboard.press('Enter')]);
      assert.equal(await mainHeading(page), t.account.title);

      // Every link and button on My account, in order, shows where focus is.
      await page.keyboard.press('Tab');
      const seen: string[] = [];
      for (let presses = 0; presses < 20; presses++) {
        const focused = await focusedElement(page);
        if (focused === null) break;
        assert.ok(hasVisibleFocusIndicator(focused), `no visible focus indicator on <${focused.tag}> "${focused.text}"`);
        seen.push(focused.text);
        await page.keyboard.press('Tab');
      }
      for (const name of [t.app.skipLink, t.nav.account, t.nav.signOut, t.account.changePasswordLink, t.app.accessibilityLink]) {
        assert.ok(seen.includes(name), `Tab never reached "${name}" on My account (reached: ${seen.join(' | ')})`);
      }
    });
  });
}
