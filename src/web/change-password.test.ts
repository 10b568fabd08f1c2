// Changing password through the HTTP app: the directory's refusals explained per rule, the
// form's own checks, and every other session ended on success.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

const NEW_PASSWORD = 'Sju sjösjuka sjömän på skeppet';

describe('change password', () => {
  let ctx: TestContext;
  let browser: TestBrowser;
  beforeEach(async () => {
    ctx = await createTestContext({ directory: { embedded: { historySize: 3 } } });
    browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    await browser.get('/account/password');
  });
  afterEach(() => ctx.close());

  const change = (current: string, next: string, confirm = next) =>
    browser.post('/account/password', { 'current-password': current, 'new-password': next, 'confirm-password': confirm });

  it('shows the form with the right autocomplete attributes and the policy hint', async () => {
    const page = await browser.get('/account/password');
    assert.match(
      page.body,
      /id="current-password"[^>]*autocomplete="current-password"|autocomplete="current-password"[^>]*id="current-password"/,
    );
    assert.equal(page.body.match(/autocomplete="new-password"/g)?.length, 2);
    assert.match(page.body, /Minst 12 tecken/);
    assert.match(page.body, /href="\/account">Avbryt</);
  });

  it('explains missing fields and a mismatch', async () => {
    const empty = await change('', '', '');
    assert.equal(empty.status, 400);
    assert.match(empty.body, /<title>Fel: Byt lösenord – Nyckel<\/title>/);
    assert.match(empty.body, /href="#current-password">Ange ditt nuvarande lösenord/);
    assert.match(empty.body, /href="#new-password">Ange ett nytt lösenord/);
    const mismatch = await change(TEST_PASSWORD, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body, /Lösenorden är inte likadana/);
    assert.match(
      mismatch.body,
      /id="confirm-password"[^>]*aria-invalid="true"|aria-describedby="confirm-password-error" aria-invalid="true"/,
    );
  });

  it('explains a wrong current password', async () => {
    const res = await change('not my password', NEW_PASSWORD);
    assert.equal(res.status, 400);
    assert.match(res.body, /Det nuvarande lösenordet stämmer inte/);
  });

  it('explains each policy rule from the catalog', async () => {
    const short = await change(TEST_PASSWORD, 'kort');
    assert.match(short.body, /Lösenordet är för kort: det behöver minst 12 tecken och har 4\./);
    const same = await change(TEST_PASSWORD, TEST_PASSWORD);
    assert.match(same.body, /måste vara ett annat än det nuvarande/);
    const english = await browser.get('/account/password?lang=en');
    assert.match(english.body, /Change password/);
    const shortEn = await change(TEST_PASSWORD, 'short');
    assert.match(shortEn.body, /The password is too short/);
  });

  it('refuses a password used before', async () => {
    assert.equal((await change(TEST_PASSWORD, NEW_PASSWORD)).status, 303);
    await browser.get('/account/password');
    const res = await change(NEW_PASSWORD, TEST_PASSWORD);
    assert.equal(res.status, 400);
    assert.match(res.body, /Du har använt det här lösenordet förut/);
  });

  it('changes the password, ends every other session and keeps this browser signed in', async () => {
    const other = new TestBrowser(ctx.app);
    await other.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal((await other.get('/account')).status, 200);
    const oldCookie = browser.cookies.get('nyckel_session');

    const res = await change(TEST_PASSWORD, NEW_PASSWORD);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account');
    assert.notEqual(browser.cookies.get('nyckel_session'), oldCookie, 'a new session id after the change');
    const account = await browser.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.body, /Ditt lösenord är bytt\./);
    assert.match(account.body, /Teams/);
    const again = await browser.get('/account');
    assert.doesNotMatch(again.body, /Ditt lösenord är bytt\./, 'the notice shows once');

    assert.equal((await other.get('/account')).status, 303, 'the other session has ended');
    assert.equal((await new TestBrowser(ctx.app).signIn('anna.andersson', NEW_PASSWORD)).location, '/account');
    const events = await ctx.services.store.listAudit({ type: 'password_change', subject: ctx.account.id, limit: 5 });
    assert.equal(events[0]?.outcome, 'success');
    assert.equal(JSON.stringify(events).includes(NEW_PASSWORD), false);
  });

  it('refuses a change without the session CSRF token, and nothing changes', async () => {
    const res = await browser.post('/account/password', {
      _csrf: null,
      'current-password': TEST_PASSWORD,
      'new-password': NEW_PASSWORD,
      'confirm-password': NEW_PASSWORD,
    });
    assert.equal(res.status, 403);
    assert.equal(
      (await new TestBrowser(ctx.app).signIn('anna.andersson', TEST_PASSWORD)).location,
      '/account',
      'the old password still works',
    );
  });
});
