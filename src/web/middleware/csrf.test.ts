// Tests the CSRF middleware in the app: tokens issued to forms, checked on every POST,
// session-bound once signed in.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';

describe('csrf middleware', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(() => ctx.close());

  it('issues a signed double-submit cookie with the form and keeps it stable', async () => {
    const browser = new TestBrowser(ctx.app);
    const first = await browser.get('/sign-in');
    const cookie = browser.cookies.get('nyckel_csrf');
    assert.ok(cookie);
    assert.match(first.body, new RegExp(`name="_csrf" value="${cookie}"`));
    const second = await browser.get('/sign-in');
    assert.equal(second.headers.getSetCookie().length, 0, 'no new cookie while the old one is valid');
    assert.equal(browser.csrf, cookie);
  });

  it('does not issue a CSRF cookie for pages without forms', async () => {
    const res = await new TestBrowser(ctx.app).get('/healthz');
    assert.equal(res.headers.getSetCookie().length, 0);
  });

  it('binds the token to the session after sign-in', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const preSignIn = browser.cookies.get('nyckel_csrf') ?? '';
    await browser.get('/account/password');
    assert.notEqual(browser.csrf, preSignIn, 'the session has its own token');
    const withOld = await browser.post('/account/password', {
      _csrf: preSignIn,
      'current-password': 'x',
      'new-password': 'y',
      'confirm-password': 'y',
    });
    assert.equal(withOld.status, 403, 'the pre-sign-in token is not accepted once signed in');
    const other = new TestBrowser(ctx.app);
    await other.signIn('anna.andersson', TEST_PASSWORD);
    await other.get('/account/password');
    const crossed = await browser.post('/sign-out', { _csrf: other.csrf ?? '' });
    assert.equal(crossed.status, 403, "another session's token is not accepted");
  });
});
