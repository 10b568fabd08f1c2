// Sessions through the HTTP app: cookie attributes, hashed storage, fixation, tampering,
// idle and absolute timeouts on a hand-moved clock, and sign out.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sha256 } from '../security/tokens.ts';
import { lastSeenResolutionMs } from './session.ts';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

const MINUTE = 60_000;

describe('sessions', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ sessions: { idleMinutes: 30, absoluteMinutes: 120 } });
  });
  afterEach(() => ctx.close());

  it('sets an HttpOnly, SameSite=Lax cookie, Secure with the __Host- prefix over https', async () => {
    const https = new TestBrowser(ctx.app, 'https://nyckel.example.se');
    await https.get('/sign-in');
    const res = await https.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...https.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ _csrf: https.csrf ?? '', identifier: 'anna.andersson', password: TEST_PASSWORD }).toString(),
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-nyckel_session='));
    assert.ok(cookie, 'a __Host- session cookie');
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Domain=/);
    assert.equal((await https.get('/account')).status, 200);

    const local = new TestBrowser(ctx.app);
    await local.signIn('anna.andersson', TEST_PASSWORD);
    assert.ok(local.cookies.has('nyckel_session'), 'plain name on http://localhost');

    // Plain http on a real host name still gets Secure cookies (the browser then insists on https).
    const plain = new TestBrowser(ctx.app, 'http://portal.example.se');
    const page = await plain.get('/sign-in');
    assert.ok(page.headers.getSetCookie().some((c) => c.startsWith('__Host-nyckel_csrf=') && c.includes('Secure')));
  });

  it('keeps only the SHA-256 of the token in the store, and issues a new one at sign-in', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const first = browser.cookies.get('nyckel_session') ?? '';
    assert.match(first, /^[A-Za-z0-9_-]{43}$/);
    const rows = await ctx.services.store.db.selectFrom('sessions').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.id_hash, sha256(first));
    assert.equal(JSON.stringify(rows).includes(first), false);

    // Signing in again (or after a planted cookie) never keeps the old id: no session fixation.
    await browser.post('/sign-out', {});
    browser.cookies.set('nyckel_session', first);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const second = browser.cookies.get('nyckel_session');
    assert.notEqual(second, first);
    assert.equal(await ctx.services.store.getSession(sha256(first)), null);
  });

  it('treats a tampered or unknown cookie as signed out, and clears it', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const real = browser.cookies.get('nyckel_session') ?? '';
    for (const forged of [
      `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`,
      'garbage',
      "'; DROP TABLE sessions; --",
      'x'.repeat(5000),
    ]) {
      const other = new TestBrowser(ctx.app);
      other.cookies.set('nyckel_session', forged);
      const res = await other.get('/account');
      assert.equal(res.status, 303, forged.slice(0, 20));
      assert.equal(res.location, '/sign-in');
      assert.ok(
        res.headers.getSetCookie().some((c) => c.startsWith('nyckel_session=;')),
        'the cookie is cleared',
      );
      const start = await new TestBrowser(ctx.app).request('/', { headers: { cookie: `nyckel_session=${forged}` } });
      assert.equal(start.status, 200);
    }
    assert.equal((await browser.get('/account')).status, 200, 'the real session is unharmed');
  });

  it('ends a session after the idle timeout, and keeps it while in use', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    ctx.clock.advance(29 * MINUTE);
    assert.equal((await browser.get('/account')).status, 200);
    ctx.clock.advance(29 * MINUTE);
    assert.equal((await browser.get('/account')).status, 200, 'use resets the idle timer');
    ctx.clock.advance(30 * MINUTE);
    const res = await browser.get('/account');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/sign-in');
    assert.equal((await ctx.services.store.db.selectFrom('sessions').selectAll().execute()).length, 0);
  });

  it('writes last-seen at most once a minute, and still ends a session idle for the timeout, never later', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const idHash = sha256(browser.cookies.get('nyckel_session') ?? '');
    const lastSeen = async () => (await ctx.services.store.getSession(idHash))?.lastSeenAt.getTime();
    assert.equal(lastSeenResolutionMs(30), MINUTE);
    assert.equal(lastSeenResolutionMs(5), 30_000, 'a tenth of a short idle timeout');

    const start = ctx.clock.now().getTime();
    ctx.clock.advance(MINUTE + 1000);
    assert.equal((await browser.get('/account')).status, 200);
    const written = ctx.clock.now().getTime();
    assert.equal(await lastSeen(), written, 'more than a minute stale: written');
    for (const step of [10_000, 20_000, 25_000]) {
      ctx.clock.advance(step);
      assert.equal((await browser.get('/account')).status, 200);
      assert.equal(await lastSeen(), written, 'within the minute: not written again');
    }
    assert.ok(written > start);
    // Idle for the whole timeout after the last page view: the session ends (it may end up to a
    // minute sooner than the exact timeout after the last view, never later).
    ctx.clock.advance(30 * MINUTE - 55_000);
    const res = await browser.get('/account');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/sign-in');
  });

  it('keeps a session in use for hours of requests a few seconds apart (the stored time keeps up)', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    for (let seconds = 0; seconds < 100 * 60; seconds += 45) {
      ctx.clock.advance(45_000);
      assert.equal((await browser.get('/account')).status, 200, `after ${seconds + 45} s`);
    }
  });

  it('ends a session at the absolute timeout however active', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    for (let minutes = 20; minutes < 120; minutes += 20) {
      ctx.clock.advance(20 * MINUTE);
      assert.equal((await browser.get('/account')).status, 200, `${minutes} minutes`);
    }
    ctx.clock.advance(20 * MINUTE);
    assert.equal((await browser.get('/account')).status, 303);
  });

  it('signs out with a CSRF-protected POST, and the old cookie stops working', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const token = browser.cookies.get('nyckel_session') ?? '';
    const page = await browser.get('/account');
    assert.match(page.body, /<form method="post" action="\/sign-out"/);

    const forged = await browser.post('/sign-out', { _csrf: 'not-the-token' });
    assert.equal(forged.status, 403);
    assert.equal((await browser.get('/account')).status, 200, 'still signed in after a forged sign-out');

    const res = await browser.post('/sign-out', {});
    assert.equal(res.status, 303);
    assert.equal(res.location, '/?signedOut=1');
    assert.equal(browser.cookies.has('nyckel_session'), false);
    const start = await browser.get('/?signedOut=1');
    assert.match(start.body, /Du är nu utloggad\./);

    const replay = new TestBrowser(ctx.app);
    replay.cookies.set('nyckel_session', token);
    assert.equal((await replay.get('/account')).status, 303);
    const events = await ctx.services.store.listAudit({ type: 'sign_out', limit: 5 });
    assert.equal(events.length, 1);
  });

  it('sends a signed-out visitor from account pages to sign in', async () => {
    const browser = new TestBrowser(ctx.app);
    for (const path of ['/account', '/account/password']) {
      const res = await browser.get(path);
      assert.equal(res.status, 303);
      assert.equal(res.location, '/sign-in');
    }
  });
});
