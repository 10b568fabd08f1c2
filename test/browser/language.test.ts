// Language switch: Swedish first, English second. The switch keeps the page, is remembered
// across pages and visits, and html[lang] always matches the text (WCAG 3.1.1 Language of Page,
// 3.1.2 Language of Parts for the link written in the other language).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { catalogs, type Language } from '../../src/i18n/catalog.ts';
import { launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';

const { sv, en } = catalogs;

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('language')]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

async function assertLanguage(page: Page, lang: Language, heading: string): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), lang, `html[lang] on ${page.url()}`);
  assert.equal(await mainHeading(page), heading, `the h1 on ${page.url()} in ${lang}`);
  assert.ok((await page.title()).endsWith(catalogs[lang].app.titleSuffix));
}

test('switching to English and back keeps the page and is remembered across pages', async () => {
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    await page.goto(`${portal.url}/`);
    await assertLanguage(page, 'sv', sv.start.title);

    // The switch is a link written in the other language, marked up as such.
    const toEnglish = page.getByRole('link', { name: sv.app.otherLanguageLink });
    assert.equal(await toEnglish.getAttribute('lang'), 'en');
    await toEnglish.click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/', 'the switch must stay on the same page');
    await assertLanguage(page, 'en', en.start.title);

    // Remembered: following ordinary links and typing addresses stays in English.
    await page.getByRole('navigation', { name: en.app.mainNavLabel }).getByRole('link', { name: en.nav.signIn }).click();
    await page.waitForLoadState('load');
    await assertLanguage(page, 'en', en.signIn.title);
    assert.ok(await page.getByLabel(en.signIn.identifierLabel, { exact: true }).isVisible());
    await page.goto(`${portal.url}/accessibility`);
    await assertLanguage(page, 'en', en.accessibility.title);
    await page.goto(`${portal.url}/no-such-page`);
    await assertLanguage(page, 'en', en.errors.notFoundTitle);

    // And back to Swedish from a page other than the start page.
    await page.goto(`${portal.url}/sign-in`);
    const toSwedish = page.getByRole('link', { name: en.app.otherLanguageLink });
    assert.equal(await toSwedish.getAttribute('lang'), 'sv');
    await toSwedish.click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await assertLanguage(page, 'sv', sv.signIn.title);
    await page.goto(`${portal.url}/`);
    await assertLanguage(page, 'sv', sv.start.title);
    await page.getByRole('contentinfo').getByRole('link', { name: sv.app.accessibilityLink }).click();
    await page.waitForLoadState('load');
    await assertLanguage(page, 'sv', sv.accessibility.title);
  });
});

test('an English browser gets English first, and a choice of Swedish overrides it', async () => {
  await withPortalPage(browser, portal, { locale: 'en-GB' }, async ({ page }) => {
    await page.goto(`${portal.url}/`);
    await assertLanguage(page, 'en', en.start.title);
    await page.getByRole('link', { name: en.app.otherLanguageLink }).click();
    await page.waitForLoadState('load');
    await assertLanguage(page, 'sv', sv.start.title);
    await page.goto(`${portal.url}/sign-in`);
    await assertLanguage(page, 'sv', sv.signIn.title);
  });
});

test('the language chosen before signing in stays through sign-in, My account and sign-out', async () => {
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    await page.goto(`${portal.url}/sign-in?lang=en`);
    await assertLanguage(page, 'en', en.signIn.title);
    await submitSignIn(page, en, testAccounts.normal.username, testAccounts.normal.password);
    assert.equal(new URL(page.url()).pathname, '/account');
    await assertLanguage(page, 'en', en.account.title);

    // Switching while signed in keeps the session and the page.
    await page.getByRole('link', { name: en.app.otherLanguageLink }).click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/account');
    await assertLanguage(page, 'sv', sv.account.title);

    await page.getByRole('button', { name: sv.nav.signOut }).click();
    await page.waitForLoadState('load');
    await assertLanguage(page, 'sv', sv.start.title);
    assert.ok(await page.getByRole('status').getByText(sv.start.signedOut).isVisible());
  });
});
