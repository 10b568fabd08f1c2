// The self-service reset with a passkey in Chromium, with its virtual authenticator (DevTools
// protocol, WebAuthn domain): a person registers a passkey, signs out, forgets the password,
// and resets it with the passkey, using only the keyboard on the reset pages, then signs in
// with the new password. A passkey of another account is refused with a clear message; without
// JavaScript the passkey page says so and offers the other ways; axe-core finds nothing on the
// passkey pages in Swedish or English. Passkeys need a secure context and rpId "localhost", so
// the browser talks to the portal as http://localhost:<port>.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { listPasskeys } from '../../src/methods/passkey-store.ts';
import { RESET_COOKIE } from '../../src/web/routes/reset-routes.tsx';
import { assertNoAxeViolations, launchBrowser } from '../support/browser.ts';
import { addVirtualAuthenticator, localhostBase, withLocalhostPage } from '../support/passkeys.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts } from '../support/portal.ts';
import { activate, passHumanCheck, typeInto } from '../support/reset-journey.ts';

let browser: Browser;
let portal: TestPortal;
/** The portal as the browser reaches it: localhost, the rpId passkeys are bound to. */
let base: string;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('reset-passkey', {
      // The browser comes from 127.0.0.1: a trusted zone, where a first method may be registered.
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      securityInfo: { registrationRequired: false, firstRegistration: { zones: ['office'] } },
      // A light check: the work is not what the journeys are about.
      reset: { captcha: { maxCounter: 2_000 } },
    }),
  ]);
  base = localhostBase(portal);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

async function accountId(username: string): Promise<string> {
  const account = await portal.services.directory.findAccount(username);
  assert.ok(account, username);
  return account.id;
}

/** Signs in with the password and adds a passkey on the page's authenticator (the default name), then signs out. */
async function registerPasskey(page: Page, t: Catalog, username: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await submitSignIn(page, t, username, password);
  await page.goto(`${base}/account/security-info/passkey/new`);
  assert.equal(await mainHeading(page), t.passkey.registerTitle);
  await page.getByRole('button', { name: t.passkey.registerButton }).click();
  await page.waitForURL((url) => url.pathname === '/account/security-info');
  assert.equal((await listPasskeys(portal.services.store.db, await accountId(username))).length, 1, 'the passkey is stored');
  await page.getByRole('button', { name: t.nav.signOut }).click();
  await page.waitForLoadState('load');
}

/** From the sign-in page to the passkey page of the reset, by keyboard: link, identifier, the check, continue, "Passkey". */
async function toResetPasskeyPage(page: Page, t: Catalog, lang: Language, identifier: string): Promise<void> {
  await page.goto(`${base}/sign-in?lang=${lang}`);
  await activate(page, t.reset.link);
  assert.equal(await mainHeading(page), t.reset.startTitle);
  await typeInto(page, 'identifier', identifier);
  await passHumanCheck(page);
  await activate(page, t.reset.submit);
  assert.equal(await mainHeading(page), t.reset.methodTitle);
  await assertNoAxeViolations(page, `reset methods with a passkey (${lang})`);
  await activate(page, t.reset.methods.passkey);
  assert.equal(await mainHeading(page), t.reset.passkeyTitle);
  // With JavaScript the form is shown and the "needs JavaScript" text is not.
  assert.equal(await page.getByText(t.reset.passkeyNeedsJavaScript).isVisible(), false);
  await assertNoAxeViolations(page, `reset with a passkey (${lang})`);
}

async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.error-summary').count()) > 0 ? await page.locator('.error-summary').innerText() : '';
}

test('register a passkey, sign out, reset the password with it by keyboard, sign in with the new password (sv)', async () => {
  const t = catalogs.sv;
  const { username, email, password } = testAccounts.normal;
  const newPassword = 'Tranorna dansar vid Hornborgasjön i april';
  await withLocalhostPage(browser, base, locales.sv, async (page, context) => {
    await addVirtualAuthenticator(context, page);
    await registerPasskey(page, t, username, password);

    await toResetPasskeyPage(page, t, 'sv', email);
    await activate(page, t.reset.passkeyButton);
    assert.equal(await mainHeading(page), t.reset.passwordTitle, await errorSummary(page));
    await typeInto(page, 'new-password', newPassword);
    await typeInto(page, 'confirm-password', newPassword);
    await activate(page, t.reset.submitPassword);
    assert.equal(await mainHeading(page), t.reset.doneTitles.password_changed);

    // The new password signs in (and the passkey is still the second step).
    await page.goto(`${base}/sign-in`);
    await submitSignIn(page, t, username, newPassword);
    if (new URL(page.url()).pathname !== '/sign-in/passkey') {
      await page.locator('a[href="/sign-in/passkey"]').first().click();
      await page.waitForLoadState('load');
    }
    assert.equal(await mainHeading(page), t.passkey.signInTitle, 'the password was accepted');
    await page.getByRole('button', { name: t.passkey.signInButton }).click();
    await page.waitForURL((url) => url.pathname === '/account');
    assert.equal(await mainHeading(page), t.account.title);
  });
  assert.equal((await portal.services.directory.authenticate(username, password)).outcome !== 'ok', true, 'the old password is gone');
  const audit = await portal.services.store.listAudit({ subject: await accountId(username), type: 'reset.verify', limit: 1 });
  assert.deepEqual([audit[0]?.outcome, audit[0]?.detail.method], ['success', 'passkey']);
});

test('a passkey of another account is refused, and the pages pass axe in English', async () => {
  const t = catalogs.en;
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  await directory.createAccount({ username: 'stina.strand', displayName: 'Stina Strand' }, 'Stinas-långa-lösenord-1');
  await withLocalhostPage(browser, base, locales.en, async (page, context) => {
    // This browser's authenticator holds only Stina's passkey; the reset is for Cecilia.
    const authenticator = await addVirtualAuthenticator(context, page);
    await registerPasskey(page, t, 'stina.strand', 'Stinas-långa-lösenord-1');
    const before = await listPasskeys(portal.services.store.db, await accountId('stina.strand'));

    await toResetPasskeyPage(page, t, 'en', testAccounts.locked.username);
    await activate(page, t.reset.passkeyButton);
    assert.equal(await mainHeading(page), t.reset.passkeyTitle, 'still at the passkey step');
    assert.match(await errorSummary(page), new RegExp(t.reset.passkeyWrong(4).replace(/[.()]/g, '\\$&')));
    await assertNoAxeViolations(page, 'reset with a refused passkey (en)');
    const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator.authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator did answer, with its one passkey');
    const after = await listPasskeys(portal.services.store.db, await accountId('stina.strand'));
    assert.deepEqual(after, before, "Stina's passkey is untouched (no use recorded)");

    // Another way is always offered.
    await activate(page, t.reset.otherMethod);
    assert.equal(await mainHeading(page), t.reset.methodTitle);
  });
  assert.equal(
    (await portal.services.directory.readState(await accountId(testAccounts.locked.username))).isLocked,
    true,
    'nothing changed',
  );
});

test('without JavaScript the passkey page says a passkey needs it and offers the other ways', async () => {
  const t = catalogs.sv;
  // The human check needs JavaScript, so the flow is started in one browser and continued in another without it.
  let cookies: Awaited<ReturnType<BrowserContext['cookies']>> = [];
  await withLocalhostPage(browser, base, locales.sv, async (page, context) => {
    await toResetPasskeyPage(page, t, 'sv', testAccounts.mustChange.username);
    cookies = await context.cookies();
  });
  assert.ok(
    cookies.some((c) => c.name === RESET_COOKIE),
    'the flow cookie',
  );
  await withLocalhostPage(
    browser,
    base,
    locales.sv,
    async (page, context) => {
      await context.addCookies(cookies);
      await page.goto(`${base}/reset/flow`);
      assert.equal(await mainHeading(page), t.reset.passkeyTitle);
      assert.ok(await page.getByText(t.reset.passkeyNeedsJavaScript).isVisible());
      assert.equal(await page.getByRole('button', { name: t.reset.passkeyButton }).isVisible(), false, 'the form needs the script');
      // (No axe or Tab walk here: both need script in the page; the same page with JavaScript was scanned above.)
      await page.getByRole('button', { name: t.reset.otherMethod }).click();
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.reset.methodTitle);
      assert.ok(await page.getByRole('button', { name: t.reset.methods.totp }).isVisible(), 'the other ways are offered');
    },
    false,
  );
});
