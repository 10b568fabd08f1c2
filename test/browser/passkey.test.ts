// Passkeys in Chromium with its virtual authenticator (DevTools protocol, WebAuthn domain): a
// person signs in with a password, adds a passkey by keyboard, signs out, and signs in again
// with password + passkey; an authenticator that can't verify the user is refused; without
// JavaScript the page says so and offers other methods; axe-core finds nothing on the passkey
// pages in Swedish or English. Passkeys need a secure context and rpId "localhost", so the
// browser talks to the portal as http://localhost:<port>.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Catalog, catalogs } from '../../src/i18n/catalog.ts';
import { listPasskeys } from '../../src/methods/passkey-store.ts';
import { assertNoAxeViolations, launchBrowser, tabTo } from '../support/browser.ts';
import { addVirtualAuthenticator, localhostBase, withLocalhostPage } from '../support/passkeys.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, textOf } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;
/** The portal as the browser reaches it: localhost, the rpId passkeys are bound to. */
let base: string;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    // The browser comes from 127.0.0.1: a trusted zone, where a first method may be registered.
    startTestPortal('passkey', {
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      securityInfo: { firstRegistration: { zones: ['office'] } },
    }),
  ]);
  base = localhostBase(portal);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const t: Catalog = catalogs.sv;
const en: Catalog = catalogs.en;

async function signInWithPassword(page: Page): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await submitSignIn(page, t, testAccounts.normal.username, testAccounts.normal.password);
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: t.nav.signOut }).click();
  await page.waitForLoadState('load');
}

/** After the password: the second step offers the passkey; follow its link as a person would. */
async function goToPasskeyStep(page: Page): Promise<void> {
  if (new URL(page.url()).pathname !== '/sign-in/passkey') {
    const link = page.locator('a[href="/sign-in/passkey"]').first();
    assert.ok((await link.count()) > 0, `no link to the passkey step on ${page.url()}`);
    await link.click();
    await page.waitForLoadState('load');
  }
  assert.equal(new URL(page.url()).pathname, '/sign-in/passkey');
  assert.equal(await mainHeading(page), t.passkey.signInTitle);
}

test('passkey: register by keyboard, sign out, sign in with password + passkey; no UV is refused', async () => {
  await withLocalhostPage(browser, base, 'sv-SE', async (page, context) => {
    const authenticator = await addVirtualAuthenticator(context, page);
    await signInWithPassword(page);

    // Add a passkey, by keyboard only.
    await page.goto(`${base}/account/security-info/passkey/new`);
    assert.equal(new URL(page.url()).pathname, '/account/security-info/passkey/new');
    assert.equal(await mainHeading(page), t.passkey.registerTitle);
    // With JavaScript, the form is shown and the "needs JavaScript" text is not.
    assert.equal(await page.getByText(t.passkey.needsJavaScript).isVisible(), false);
    const nameField = page.getByLabel(t.passkey.nameLabel, { exact: true });
    assert.match(await nameField.inputValue(), /^Nyckel \(passkey\) \d{4}-\d{2}-\d{2}$/);
    await assertNoAxeViolations(page, 'add a passkey (sv)');

    await tabTo(page, 'the name field', (f) => f.tag === 'input');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Jobbdatorn');
    await tabTo(page, 'the create button', (f) => f.tag === 'button' && f.text === t.passkey.registerButton);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/account/security-info/passkey/new'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/account/security-info');

    const account = await portal.services.directory.findAccount(testAccounts.normal.username);
    assert.ok(account);
    const stored = await listPasskeys(portal.services.store.db, account.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.label, 'Jobbdatorn');
    const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator.authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]?.isResidentCredential, true);
    // The security-info page lists it by its name.
    assert.ok(
      await page.locator('main li').getByText('Jobbdatorn', { exact: true }).isVisible(),
      'the passkey is not listed by name on the security-info page',
    );

    // Sign out, then password + passkey.
    await signOut(page);
    await signInWithPassword(page);
    await goToPasskeyStep(page);
    await assertNoAxeViolations(page, 'sign in with a passkey (sv)');
    await page.getByRole('button', { name: t.passkey.signInButton }).click();
    await page.waitForURL((url) => url.pathname === '/account');
    assert.equal(await mainHeading(page), t.account.title);
    const used = await listPasskeys(portal.services.store.db, account.id);
    assert.ok(used[0]?.lastUsedAt, 'the sign-in is recorded on the passkey');

    // An authenticator that can't verify the user (no PIN or biometric) gets nowhere.
    await signOut(page);
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: false });
    await signInWithPassword(page);
    await goToPasskeyStep(page);
    await page.getByRole('button', { name: t.passkey.signInButton }).click();
    // The browser refuses (UV required and not given) or the server does; either way: still here, told why.
    await page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
        return (
          (doc.querySelector('[data-passkey-status]')?.textContent ?? '').trim() !== '' || doc.querySelector('.error-summary') !== null
        );
      },
      undefined,
      { timeout: 10_000 },
    );
    assert.equal(new URL(page.url()).pathname, '/sign-in/passkey');
    const told = `${await textOf(page.locator('[data-passkey-status]'))} ${(await page.locator('.error-summary').count()) > 0 ? await textOf(page.locator('.error-summary')) : ''}`;
    assert.ok(told.includes(t.passkey.cancelled) || told.includes(t.passkey.signInRefused), `unexpected message: ${told}`);
    await page.goto(`${base}/account`);
    assert.notEqual(new URL(page.url()).pathname, '/account', 'a passkey without user verification must not complete the sign-in');
  });
});

test('passkey pages in English pass axe, and name too long is explained', async () => {
  await withLocalhostPage(browser, base, 'sv-SE', async (page, context) => {
    await addVirtualAuthenticator(context, page);
    // A fresh account for this test, with no methods yet.
    const directory = portal.services.embeddedDirectory;
    assert.ok(directory);
    await directory.createAccount({ username: 'passkey.en', displayName: 'Passkey English' }, 'Ett-långt-lösenord-en');
    await page.goto(`${base}/sign-in?lang=en`);
    await submitSignIn(page, en, 'passkey.en', 'Ett-långt-lösenord-en');
    await page.goto(`${base}/account/security-info/passkey/new`);
    assert.equal(await mainHeading(page), en.passkey.registerTitle);
    await assertNoAxeViolations(page, 'add a passkey (en)');

    // The field stops at 64 characters; a crafted longer name is refused by the server with the rule.
    await page.getByLabel(en.passkey.nameLabel, { exact: true }).evaluate((input) => input.removeAttribute('maxlength'));
    await page.getByLabel(en.passkey.nameLabel, { exact: true }).fill('x'.repeat(65));
    await page.getByRole('button', { name: en.passkey.registerButton }).click();
    // The page answering the refusal has the same address as the form: wait for its error summary,
    // not for the address (already matched before the answer arrives).
    const refusal = page.locator('.error-summary').getByText(en.passkey.nameTooLong);
    await refusal.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, '/account/security-info/passkey/new');
    assert.ok(await refusal.isVisible());
    assert.equal(await page.getByLabel(en.passkey.nameLabel, { exact: true }).getAttribute('aria-invalid'), 'true');
    await assertNoAxeViolations(page, 'add a passkey with an error (en)');

    // Register with the default name, then the sign-in page in English.
    await page.getByLabel(en.passkey.nameLabel, { exact: true }).fill('');
    await page.getByRole('button', { name: en.passkey.registerButton }).click();
    await page.waitForURL((url) => url.pathname === '/account/security-info');
    await page.getByRole('button', { name: en.nav.signOut }).click();
    await page.waitForLoadState('load');
    await page.goto(`${base}/sign-in`);
    await submitSignIn(page, en, 'passkey.en', 'Ett-långt-lösenord-en');
    if (new URL(page.url()).pathname !== '/sign-in/passkey') await page.locator('a[href="/sign-in/passkey"]').first().click();
    await page.waitForLoadState('load');
    assert.equal(await mainHeading(page), en.passkey.signInTitle);
    await assertNoAxeViolations(page, 'sign in with a passkey (en)');
  });
});

test('without JavaScript the passkey page says so and offers other methods', async () => {
  await withLocalhostPage(
    browser,
    base,
    'sv-SE',
    async (page) => {
      const directory = portal.services.embeddedDirectory;
      assert.ok(directory);
      await directory.createAccount({ username: 'passkey.nojs', displayName: 'Utan Skript' }, 'Ett-långt-lösenord-nojs');
      await page.goto(`${base}/sign-in`);
      await submitSignIn(page, t, 'passkey.nojs', 'Ett-långt-lösenord-nojs');
      await page.goto(`${base}/account/security-info/passkey/new`);
      assert.equal(await mainHeading(page), t.passkey.registerTitle);
      assert.ok(await page.getByText(t.passkey.needsJavaScript).isVisible());
      assert.ok(await page.getByRole('link', { name: t.passkey.otherMethodsLink }).isVisible());
      // The form needs the script, so it stays hidden.
      assert.equal(await page.getByRole('button', { name: t.passkey.registerButton }).isVisible(), false);
    },
    false,
  );
});
