// axe-core WCAG 2.1 AA scan of every page the portal has, in Swedish and English, in every
// state a user can see it (empty, with errors, signed in, forced change, notices), plus the
// start and sign-in pages at a phone's size. Every violation on every page is reported at once.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { describeNode, describeRule, findAxeViolations, launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('accessibility')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

/**
 * Scans pages one after another and keeps every violation, so one run shows all the problems;
 * a violation found on many pages (a layout fault) is reported once with the list of pages.
 */
class PageScanner {
  readonly scanned: string[] = [];
  /** "rule\n  element" → the pages it was found on. */
  readonly #found = new Map<string, string[]>();
  readonly #page: Page;
  readonly #lang: Language;

  constructor(page: Page, lang: Language) {
    this.#page = page;
    this.#lang = lang;
  }

  /** Scans the page as it is now, after checking it is the page the test meant (its h1). */
  async scan(label: string, expectedHeading: string): Promise<void> {
    const name = `${label} (${this.#lang})`;
    assert.equal(await mainHeading(this.#page), expectedHeading, `expected to be on ${name}`);
    assert.equal(await this.#page.locator('html').getAttribute('lang'), this.#lang, `html[lang] on ${name}`);
    this.scanned.push(name);
    for (const violation of await findAxeViolations(this.#page)) {
      for (const node of violation.nodes) {
        const key = `${describeRule(violation)}\n    ${describeNode(node)}`;
        this.#found.set(key, [...(this.#found.get(key) ?? []), `${name} ${new URL(this.#page.url()).pathname}`]);
      }
    }
  }

  async open(path: string, label: string, expectedHeading: string): Promise<void> {
    await this.#page.goto(`${portal.url}${path}`);
    await this.scan(label, expectedHeading);
  }

  assertClean(): void {
    const report = [...this.#found].map(([violation, pages]) => `  ${violation}\n    on ${pages.length} page(s): ${pages.join('; ')}`);
    assert.equal(
      report.length,
      0,
      `axe found ${report.length} WCAG 2.1 AA violation(s) over ${this.scanned.length} pages:\n${report.join('\n')}`,
    );
  }
}

async function submitChangePassword(page: Page, t: Catalog, current: string, next: string, confirm: string): Promise<void> {
  await page.getByLabel(t.changePassword.currentLabel, { exact: true }).fill(current);
  await page.getByLabel(t.changePassword.newLabel, { exact: true }).fill(next);
  await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).fill(confirm);
  await page.getByRole('button', { name: t.changePassword.submit }).click();
  await page.waitForLoadState('load');
}

async function signOut(page: Page, t: Catalog): Promise<void> {
  await page.getByRole('button', { name: t.nav.signOut }).click();
  await page.waitForLoadState('load');
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`every page in ${lang === 'sv' ? 'Swedish' : 'English'} has no WCAG 2.1 AA violations`, async () => {
    // Own accounts per language: this test changes a password and needs a fresh must-change one.
    const directory = portal.services.embeddedDirectory;
    assert.ok(directory);
    const password = `Skanna-sidorna-${lang}-1`;
    const chooser = await directory.createAccount({ username: `a11y.${lang}`, displayName: `Tillgänglig ${lang}` }, password);
    const forced = await directory.createAccount({ username: `a11y.forced.${lang}`, displayName: `Tvingad ${lang}` }, password);
    await directory.requireChange(forced.id);

    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const scanner = new PageScanner(page, lang);

      // Signed out.
      await scanner.open('/', 'start page', t.start.title);
      await scanner.open('/accessibility', 'accessibility statement', t.accessibility.title);
      await scanner.open('/demo/outbox', 'demo outbox', t.demoOutbox.title);
      await scanner.open('/no-such-page', '404 page', t.errors.notFoundTitle);
      await scanner.open('/sign-in', 'sign-in page', t.signIn.title);
      await page.getByRole('button', { name: t.signIn.submit }).click();
      await page.waitForLoadState('load');
      await scanner.scan('sign-in page with missing fields', t.signIn.title);
      await submitSignIn(page, t, testAccounts.normal.username, 'fel-lösenord');
      await scanner.scan('sign-in page with wrong password', t.signIn.title);
      await submitSignIn(page, t, testAccounts.locked.username, testAccounts.locked.password);
      await scanner.scan('locked page', t.locked.title);
      // A form left open until its CSRF cookie is gone (browser restarted, cookies cleared).
      await page.goto(`${portal.url}/sign-in`);
      await page.context().clearCookies();
      await submitSignIn(page, t, testAccounts.normal.username, testAccounts.normal.password);
      await scanner.scan('form-expired page', t.errors.csrfTitle);

      // Forced to change password.
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, forced.username, password);
      await scanner.scan('forced change-password page', t.changePassword.title);
      await submitChangePassword(page, t, password, 'kort', 'kort');
      await scanner.scan('forced change-password page with errors', t.changePassword.title);
      await signOut(page, t);

      // Signed in.
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, chooser.username, password);
      await scanner.scan('My account', t.account.title);
      await scanner.open('/', 'start page, signed in', t.start.title);
      await scanner.open('/account/password', 'change-password page', t.changePassword.title);
      await page.getByRole('button', { name: t.changePassword.submit }).click();
      await page.waitForLoadState('load');
      await scanner.scan('change-password page with missing fields', t.changePassword.title);
      await submitChangePassword(page, t, password, 'Ett-nytt-långt-lösenord', 'Ett-annat-långt-lösenord');
      await scanner.scan('change-password page with mismatch', t.changePassword.title);
      const newPassword = `Ett-nytt-långt-lösenord-${lang}`;
      await submitChangePassword(page, t, password, newPassword, newPassword);
      await scanner.scan('My account after a password change', t.account.title);
      await scanner.open('/no-such-page', '404 page, signed in', t.errors.notFoundTitle);
      await page.goto(`${portal.url}/account`);
      await signOut(page, t);
      await scanner.scan('start page after sign-out', t.start.title);

      assert.ok(scanner.scanned.length >= 18, `only ${scanner.scanned.length} pages were scanned`);
      scanner.assertClean();
    });
  });

  test(`the start and sign-in pages at a phone's size in ${lang === 'sv' ? 'Swedish' : 'English'} have no violations`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang], phone: true }, async ({ page }) => {
      const scanner = new PageScanner(page, lang);
      await scanner.open('/', 'start page on a phone', t.start.title);
      await scanner.open('/sign-in', 'sign-in page on a phone', t.signIn.title);
      if (lang === 'sv') await page.screenshot({ path: '/tmp/nyckel-signin-phone.png', fullPage: true });
      await submitSignIn(page, t, 'ingen.sadan.person', 'fel-lösenord');
      await scanner.scan('sign-in page with errors on a phone', t.signIn.title);
      // Reflow (WCAG 1.4.10): nothing scrolls sideways at 390 px.
      const overflow = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
          .documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      assert.ok(overflow <= 0, `the sign-in page scrolls sideways by ${overflow}px on a phone`);
      scanner.assertClean();
    });
  });
}

test('nothing scrolls sideways at 320 CSS pixels, signed out or in (WCAG 1.4.10 Reflow)', async () => {
  const t = catalogs.sv;
  await withPortalPage(browser, portal, { locale: 'sv-SE', phone: true }, async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    const sidewaysScroll = () =>
      page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
          .documentElement;
        return root.scrollWidth - root.clientWidth;
      });
    const pages: [string, string][] = [];
    for (const path of ['/', '/sign-in', '/accessibility', '/demo/outbox', '/no-such-page']) {
      await page.goto(`${portal.url}${path}`);
      pages.push([path, String(await sidewaysScroll())]);
    }
    await page.goto(`${portal.url}/sign-in`);
    await submitSignIn(page, t, 'ingen.sadan.person', 'fel-lösenord');
    pages.push(['/sign-in with errors', String(await sidewaysScroll())]);
    await submitSignIn(page, t, testAccounts.normal.username, testAccounts.normal.password);
    assert.equal(await mainHeading(page), t.account.title);
    pages.push(['/account', String(await sidewaysScroll())]);
    await page.goto(`${portal.url}/account/password`);
    pages.push(['/account/password', String(await sidewaysScroll())]);
    const overflowing = pages.filter(([, overflow]) => Number(overflow) > 0);
    assert.deepEqual(overflowing, [], 'pages wider than 320 px (path, pixels of sideways scroll)');
  });
});

test('the demo outbox with messages in it has no violations in either language', async () => {
  await portal.services.outbox.send({ channel: 'sms', to: '+46701740699', text: 'Din kod är 123456' });
  await portal.services.outbox.send({
    channel: 'email',
    to: 'anna.berg@example.se',
    subject: 'Ditt lösenord är bytt',
    text: 'Hej Anna!\nDitt lösenord är bytt.',
  });
  for (const lang of ['sv', 'en'] as const) {
    const t = catalogs[lang];
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const scanner = new PageScanner(page, lang);
      await scanner.open('/demo/outbox', 'demo outbox with messages', t.demoOutbox.title);
      assert.equal(await page.getByRole('table', { name: t.demoOutbox.caption }).getByRole('row').count(), 3);
      assert.ok(await page.getByRole('columnheader', { name: t.demoOutbox.to }).isVisible());
      scanner.assertClean();
    });
  }
});
