// The reset pages driven in-process through the whole app: the journey with an authenticator
// app, with SMS and with a passkey (a software authenticator), unlock only, an expired and a
// must-change account, both languages, CSRF, captcha replay, bad input, wrong codes, another
// account's passkey, policy refusals, a replayed flow and a privileged account.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../../methods/soft-authenticator.test-support.ts';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';
import {
  accountWithPasskey,
  addAuthenticator,
  addPasskey,
  addPhone,
  answerPasskeyPage,
  passkeyOptionsOf,
  resetCodeFromOutbox,
  resetTestConfig,
  solveCaptchaFromPage,
  startResetThroughPages,
  totpNow,
} from './reset.test-support.ts';
import { settleResetWork } from './reset-routes.tsx';

const NEW_PASSWORD = 'Blåbärssoppa i fjällstugan vid Kebnekaise';

async function lock(ctx: TestContext, identifier: string): Promise<void> {
  for (let i = 0; i < 6; i += 1) await ctx.services.directory.authenticate(identifier, 'wrong password, surely');
  assert.equal((await ctx.services.directory.readState(ctx.account.id)).isLocked, true, 'the account is locked');
}

describe('reset pages', () => {
  let ctx: TestContext;
  let totpSecret: string;

  before(async () => {
    ctx = await createTestContext(resetTestConfig());
    totpSecret = await addAuthenticator(ctx, ctx.account.id);
    await addPhone(ctx, ctx.account.id);
  });
  after(() => ctx.close());

  test('the sign-in page links to the reset, in both languages', async () => {
    const browser = new TestBrowser(ctx.app);
    const sv = await browser.get('/sign-in?lang=sv');
    assert.match(sv.body, /<a href="\/reset">Glömt lösenordet eller låst konto\?<\/a>/);
    const en = await browser.get('/sign-in?lang=en');
    assert.match(en.body, /<a href="\/reset">Forgotten your password or locked out\?<\/a>/);
  });

  test('the start page has the captcha from our own origin, with a no-JavaScript explanation, in both languages', async () => {
    const browser = new TestBrowser(ctx.app);
    const sv = await browser.get('/reset?lang=sv');
    assert.equal(sv.status, 200);
    assert.match(sv.body, /<html lang="sv"/);
    assert.match(sv.body, /<altcha-widget[^>]+language="sv"/);
    assert.match(sv.body, /<script type="module" src="\/assets\/altcha\.js\?v=[0-9a-f]{12}"/);
    assert.match(sv.body, /<script type="module" src="\/assets\/altcha-sv\.js\?v=/);
    assert.match(sv.body, /<noscript>.*JavaScript/s);
    assert.doesNotMatch(sv.body, /https?:\/\/(?!localhost)/, 'nothing is loaded from another origin');
    const en = await browser.get('/reset?lang=en');
    assert.match(en.body, /<altcha-widget[^>]+language="en"/);
    assert.match(en.body, /Reset your password or unlock your account/);
    for (const path of ['/assets/altcha.js', '/assets/altcha-sha-worker.js', '/assets/reset-captcha.js', '/assets/altcha.css']) {
      const asset = await browser.get(path);
      assert.equal(asset.status, 200, path);
      assert.ok(asset.body.length > 20, path);
    }
  });

  test('the whole journey with the authenticator app: new password, sessions ended, notice sent, audited', async () => {
    const signedIn = new TestBrowser(ctx.app);
    // A session elsewhere (the password still works) that the reset must end.
    const other = await signedIn.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(other.status, 303);

    const browser = new TestBrowser(ctx.app);
    const started = await startResetThroughPages(browser, 'anna.andersson@example.se');
    assert.equal(started.status, 303);
    assert.equal(started.location, '/reset/flow');
    const methods = await browser.get('/reset/flow');
    assert.equal(methods.status, 200);
    assert.match(methods.body, /Bekräfta att det är du/);
    for (const label of ['Nyckel (passkey)', 'Autentiseringsapp', 'Mobiltelefon', 'Privat e-postadress', 'Reservkod'])
      assert.ok(methods.body.includes(label), label);

    assert.equal((await browser.post('/reset/method', { method: 'totp' })).status, 303);
    const codePage = await browser.get('/reset/flow');
    assert.match(codePage.body, /Ange koden/);
    const verified = await browser.post('/reset/code', { code: totpNow(totpSecret, ctx.clock) });
    assert.equal(verified.status, 303);
    const passwordPage = await browser.get('/reset/flow');
    assert.match(passwordPage.body, /Välj ett nytt lösenord/);
    assert.match(passwordPage.body, /data-password-checklist-input/, 'the shared field with the checklist');

    const done = await browser.post('/reset/password', { 'new-password': NEW_PASSWORD, 'confirm-password': NEW_PASSWORD });
    assert.equal(done.status, 303);
    const donePage = await browser.get('/reset/flow');
    assert.match(donePage.body, /Ditt lösenord är bytt/);
    assert.match(donePage.body, /Inställningar → Mail → Konton/);
    assert.match(donePage.body, /Teams/);

    // The old session is gone; the new password works.
    assert.equal((await signedIn.get('/account')).location, '/sign-in');
    const auth = await ctx.services.directory.authenticate('anna.andersson', NEW_PASSWORD);
    assert.equal(auth.outcome, 'ok');
    const notices = await ctx.services.outbox.read(5);
    assert.ok(
      notices.some((m) => m.text.includes('har ändrats')),
      'a "your password was changed" notice went out',
    );
    const audit = await ctx.services.store.listAudit({ subject: ctx.account.id, limit: 50 });
    for (const type of ['reset.start', 'reset.method_chosen', 'reset.verify', 'reset.password_changed']) {
      assert.ok(
        audit.some((e) => e.type === type),
        type,
      );
    }
    // The browser back button and a re-post: the used flow id is dead.
    const again = await browser.post('/reset/password', { 'new-password': NEW_PASSWORD, 'confirm-password': NEW_PASSWORD });
    assert.equal(again.status, 303, 'the done state refuses the step and shows where the flow is');
    assert.equal(again.location, '/reset/flow');
  });

  test('unlock only by SMS for a locked account, in English', async () => {
    await lock(ctx, 'anna.andersson');
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson', 'en');
    assert.equal((await browser.post('/reset/method', { method: 'sms' })).status, 303);
    const codePage = await browser.get('/reset/flow');
    assert.match(codePage.body, /If a mobile number is registered/);
    const code = await resetCodeFromOutbox(ctx);
    assert.equal((await browser.post('/reset/code', { code })).status, 303);
    const choice = await browser.get('/reset/flow');
    assert.match(choice.body, /Your account is locked/);
    assert.equal((await browser.post('/reset/action', { action: 'unlock' })).status, 303);
    const done = await browser.get('/reset/flow');
    assert.match(done.body, /Your account is unlocked/);
    assert.equal((await ctx.services.directory.readState(ctx.account.id)).isLocked, false);
    const notices = await ctx.services.outbox.read(5);
    assert.ok(
      notices.some((m) => m.text.includes('unlocked')),
      'an "account unlocked" notice went out',
    );
  });

  test('a must-change account: the new password clears the flag', async () => {
    await ctx.services.directory.requireChange(ctx.account.id);
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson');
    await browser.post('/reset/method', { method: 'totp' });
    ctx.clock.advance(30_000);
    await browser.post('/reset/code', { code: totpNow(totpSecret, ctx.clock) });
    const password = 'Midsommarstången står kvar på ängen i Ystad';
    assert.equal((await browser.post('/reset/password', { 'new-password': password, 'confirm-password': password })).status, 303);
    const state = await ctx.services.directory.readState(ctx.account.id);
    assert.equal(state.mustChange, false);
    assert.equal((await ctx.services.directory.authenticate('anna.andersson', password)).outcome, 'ok');
  });

  test('bad input, a missing CSRF token and a replayed captcha are refused with clear errors', async () => {
    const browser = new TestBrowser(ctx.app);
    const page = await browser.get('/reset');
    const empty = await browser.post('/reset', { identifier: '', altcha: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /Ange ditt användarnamn eller din e-postadress/);
    assert.match(empty.body, /Markera rutan för kontrollen/);
    const garbage = await browser.post('/reset', { identifier: 'anna', altcha: 'not-a-payload!!' });
    assert.equal(garbage.status, 400);
    assert.match(garbage.body, /Kontrollen kunde inte bekräftas/);

    const payload = await solveCaptchaFromPage(page.body);
    const noCsrf = await browser.post('/reset', { identifier: 'anna.andersson', altcha: payload, _csrf: null });
    assert.equal(noCsrf.status, 403);
    const first = await browser.post('/reset', { identifier: 'anna.andersson', altcha: payload });
    assert.equal(first.status, 303);
    const replay = await browser.post('/reset', { identifier: 'anna.andersson', altcha: payload });
    assert.equal(replay.status, 400);
    assert.match(replay.body, /Kontrollen har redan använts/);
  });

  test('wrong codes count down and then end the flow; an old flow cookie is dead', async () => {
    // Another account, so the wrong tries don't count against Anna's authenticator in the other tests.
    await ctx.services.embeddedDirectory?.createAccount(
      { username: 'bo.berg', email: 'bo.berg@example.se', displayName: 'Bo Berg' },
      TEST_PASSWORD,
    );
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'bo.berg');
    await browser.post('/reset/method', { method: 'totp' });
    const before = [...browser.cookies.entries()];
    const missing = await browser.post('/reset/code', { code: '' });
    assert.equal(missing.status, 400);
    assert.match(missing.body, /Ange koden/);
    const wrong = await browser.post('/reset/code', { code: '000000' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Koden stämmer inte. Du har 4 försök kvar/);

    // The cookie from before the wrong try names a consumed state.
    const replayer = new TestBrowser(ctx.app);
    for (const [k, v] of before) replayer.cookies.set(k, v);
    const replayed = await replayer.get('/reset/flow');
    assert.equal(replayed.status, 410);
    assert.match(replayed.body, /redan använts/);

    for (let i = 0; i < 4; i += 1) await browser.post('/reset/code', { code: '000000' });
    const failed = await browser.get('/reset/flow');
    assert.match(failed.body, /För många felaktiga koder/);
  });

  test('the policy and the confirmation are enforced on the server, in plain words', async () => {
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson');
    await browser.post('/reset/method', { method: 'totp' });
    ctx.clock.advance(30_000);
    assert.equal((await browser.post('/reset/code', { code: totpNow(totpSecret, ctx.clock) })).status, 303);
    const short = await browser.post('/reset/password', { 'new-password': 'kort', 'confirm-password': 'kort' });
    assert.equal(short.status, 400);
    assert.match(short.body, /minst 12 tecken|12 tecken/);
    const personal = 'anna.andersson2026!!';
    const mine = await browser.post('/reset/password', { 'new-password': personal, 'confirm-password': personal });
    assert.equal(mine.status, 400);
    const mismatch = await browser.post('/reset/password', { 'new-password': NEW_PASSWORD, 'confirm-password': `${NEW_PASSWORD}x` });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body, /Lösenorden är inte likadana/);
    // Nothing changed: still at the new-password step.
    assert.match((await browser.get('/reset/flow')).body, /Välj ett nytt lösenord/);
  });

  test('an unknown account gets the same pages, and its codes never verify', async () => {
    const browser = new TestBrowser(ctx.app);
    const started = await startResetThroughPages(browser, 'nobody.here@example.se');
    assert.equal(started.status, 303);
    const methods = await browser.get('/reset/flow');
    assert.match(methods.body, /Autentiseringsapp/);
    await browser.post('/reset/method', { method: 'sms' });
    await settleResetWork(ctx.services);
    const wrong = await browser.post('/reset/code', { code: '123456' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Koden stämmer inte/);
  });
});

describe('reset pages for a privileged account', () => {
  test('refused after verification by default (no enumeration before it)', async () => {
    const ctx = await createTestContext(resetTestConfig());
    try {
      await ctx.services.embeddedDirectory?.setPrivileged(ctx.account.id, true);
      const secret = await addAuthenticator(ctx, ctx.account.id);
      const browser = new TestBrowser(ctx.app);
      await startResetThroughPages(browser, 'anna.andersson');
      await browser.post('/reset/method', { method: 'totp' });
      await browser.post('/reset/code', { code: totpNow(secret, ctx.clock) });
      const page = await browser.get('/reset/flow');
      assert.match(page.body, /Kontot kan inte återställas här/);
      const audit = await ctx.services.store.listAudit({ type: 'reset.refused', limit: 5 });
      assert.equal(audit.length, 1);
    } finally {
      await ctx.close();
    }
  });

  test('two methods when privilegedAccounts is two_methods', async () => {
    const ctx = await createTestContext(resetTestConfig({ reset: { privilegedAccounts: 'two_methods' } }));
    try {
      await ctx.services.embeddedDirectory?.setPrivileged(ctx.account.id, true);
      const secret = await addAuthenticator(ctx, ctx.account.id);
      await addPhone(ctx, ctx.account.id);
      const browser = new TestBrowser(ctx.app);
      await startResetThroughPages(browser, 'anna.andersson');
      await browser.post('/reset/method', { method: 'totp' });
      await browser.post('/reset/code', { code: totpNow(secret, ctx.clock) });
      const again = await browser.get('/reset/flow');
      assert.match(again.body, /Bekräfta med ett sätt till/);
      assert.doesNotMatch(again.body, /value="totp"/, 'the method already used is not offered again');
      await browser.post('/reset/method', { method: 'sms' });
      await browser.post('/reset/code', { code: await resetCodeFromOutbox(ctx) });
      assert.match((await browser.get('/reset/flow')).body, /Välj ett nytt lösenord/);
    } finally {
      await ctx.close();
    }
  });
});

describe('reset pages with a passkey', () => {
  let ctx: TestContext;
  const annaKey = new SoftAuthenticator();
  const boKey = new SoftAuthenticator();
  let boId: string;

  before(async () => {
    ctx = await createTestContext(resetTestConfig());
    await addPasskey(ctx, ctx.account.id, annaKey);
    boId = await accountWithPasskey(ctx, { username: 'bo.berg', email: 'bo.berg@example.se', displayName: 'Bo Berg' }, boKey);
  });
  after(() => ctx.close());

  test('the journey with a passkey: the page, the assertion, a new password, audited', async () => {
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson');
    const methods = await browser.get('/reset/flow');
    assert.match(methods.body, /<button type="submit" name="method" value="passkey"[^>]*>Nyckel \(passkey\)<\/button>/);
    assert.equal((await browser.post('/reset/method', { method: 'passkey' })).status, 303);
    const page = await browser.get('/reset/flow');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Bekräfta med din nyckel \(passkey\)<\/h1>/);
    // Without JavaScript: the explanation shows, the form is hidden, another way is always offered.
    assert.match(page.body, /data-passkey-fallback-text="true">För att använda en nyckel \(passkey\) behöver webbläsaren JavaScript/);
    assert.match(page.body, /<form method="post" action="\/reset\/passkey"[^>]*\bhidden\b/);
    assert.match(page.body, /<form method="post" action="\/reset\/other-method"/);
    assert.match(page.body, /<script src="\/assets\/passkey\.js\?v=[0-9a-f]{12}" defer=""><\/script>/);
    const options = passkeyOptionsOf(page.body);
    assert.deepEqual(options.allowCredentials, [], 'no credentials are listed');
    assert.equal(options.userVerification, 'required');

    const verified = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, annaKey, ctx.account.id) });
    assert.equal(verified.status, 303);
    assert.match((await browser.get('/reset/flow')).body, /Välj ett nytt lösenord/);
    const done = await browser.post('/reset/password', { 'new-password': NEW_PASSWORD, 'confirm-password': NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.match((await browser.get('/reset/flow')).body, /Ditt lösenord är bytt/);
    assert.equal((await ctx.services.directory.authenticate('anna.andersson', NEW_PASSWORD)).outcome, 'ok');
    const [verify] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'reset.verify', limit: 1 });
    assert.equal(verify?.outcome, 'success');
    assert.equal(verify?.detail.method, 'passkey');
  });

  test("another account's passkey is refused with a clear message and counted; the page in English", async () => {
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson', 'en');
    await browser.post('/reset/method', { method: 'passkey' });
    const page = await browser.get('/reset/flow');
    assert.match(page.body, /Confirm with your passkey/);
    assert.match(page.body, /Passkeys need JavaScript in the browser/);
    const refused = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, boKey, boId) });
    assert.equal(refused.status, 400);
    assert.match(
      refused.body,
      /The passkey was not accepted\. Use a passkey that belongs to this account, or another way\. You have 4 tries left\./,
    );
    assert.match(refused.body, /href="#passkey-verify"/, 'the error summary leads to the button');
    // A fresh challenge for the next try, and Anna's own passkey still works.
    const retried = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(refused.body, annaKey, ctx.account.id) });
    assert.equal(retried.status, 303);
    assert.match((await browser.get('/reset/flow')).body, /Choose a new password/);
    const events = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'reset.verify', limit: 2 });
    assert.deepEqual(
      events.map((e) => [e.outcome, e.detail.method]),
      [
        ['success', 'passkey'],
        ['failure', 'passkey'],
      ],
    );
  });

  test('an empty answer is asked for again; a typed code and a stale answer get nowhere', async () => {
    const browser = new TestBrowser(ctx.app);
    await startResetThroughPages(browser, 'anna.andersson');
    await browser.post('/reset/method', { method: 'passkey' });
    const page = await browser.get('/reset/flow');
    const empty = await browser.post('/reset/passkey', { credential: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /Välj Använd nyckel \(passkey\) och följ anvisningarna från din enhet/);
    const code = await browser.post('/reset/code', { code: '123456' });
    assert.equal(code.status, 303, 'a code post at the passkey step only shows where the flow is');
    assert.equal(code.location, '/reset/flow');
    // The page was rendered again since the first GET: its challenge replaced the first one.
    const stale = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, annaKey, ctx.account.id) });
    assert.equal(stale.status, 400);
    assert.match(stale.body, /Nyckeln godtogs inte.*Du har 4 försök kvar/);
  });

  test('an unknown account gets the same passkey page, and no passkey verifies for it', async () => {
    const normalise = (body: string) =>
      body.replace(/name="_csrf" value="[^"]*"/g, '').replace(/&quot;challenge&quot;:&quot;[A-Za-z0-9_-]+&quot;/g, '');
    const pages: string[] = [];
    for (const identifier of ['anna.andersson', 'nobody.here@example.se']) {
      const browser = new TestBrowser(ctx.app);
      await startResetThroughPages(browser, identifier);
      await browser.post('/reset/method', { method: 'passkey' });
      const page = await browser.get('/reset/flow');
      pages.push(normalise(page.body));
      const answer = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, annaKey, ctx.account.id) });
      if (identifier !== 'anna.andersson') {
        assert.equal(answer.status, 400);
        assert.match(answer.body, /Nyckeln godtogs inte/);
      }
    }
    assert.equal(pages[0], pages[1]);
  });
});

describe('reset pages with a passkey for a privileged account', () => {
  test('two methods when privilegedAccounts is two_methods: a passkey counts as one', async () => {
    const ctx = await createTestContext(resetTestConfig({ reset: { privilegedAccounts: 'two_methods' } }));
    try {
      await ctx.services.embeddedDirectory?.setPrivileged(ctx.account.id, true);
      const key = new SoftAuthenticator();
      await addPasskey(ctx, ctx.account.id, key);
      const secret = await addAuthenticator(ctx, ctx.account.id);
      const browser = new TestBrowser(ctx.app);
      await startResetThroughPages(browser, 'anna.andersson');
      await browser.post('/reset/method', { method: 'passkey' });
      const page = await browser.get('/reset/flow');
      assert.equal(
        (await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, key, ctx.account.id) })).status,
        303,
      );
      const again = await browser.get('/reset/flow');
      assert.match(again.body, /Bekräfta med ett sätt till/);
      assert.doesNotMatch(again.body, /value="passkey"/, 'the passkey is not offered again');
      await browser.post('/reset/method', { method: 'totp' });
      await browser.post('/reset/code', { code: totpNow(secret, ctx.clock) });
      assert.match((await browser.get('/reset/flow')).body, /Välj ett nytt lösenord/);
    } finally {
      await ctx.close();
    }
  });
});
