// Sign-in through the HTTP app, on a real SQLite store and the embedded directory: success,
// failure, locked, must-change, expired, disabled, rate limits, anti-enumeration, bad input
// and CSRF.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type BrowserResponse, createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

const DAY = 24 * 60 * 60 * 1000;

/** The page without what differs per request by design: ids, tokens, and the identifier echoed back. */
function normalisedBody(res: BrowserResponse, identifier: string): string {
  return res.body
    .replaceAll(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="TOKEN"')
    .replaceAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
    .replaceAll(`value="${identifier}"`, 'value="IDENTIFIER"');
}

describe('sign-in', () => {
  let ctx: TestContext;
  // A fresh store and directory per test: each starts with one unlocked account.
  beforeEach(async () => {
    ctx = await createTestContext({
      rateLimits: { signInPerIp: { limit: 1000 }, signInPerAccount: { limit: 1000 } },
      directory: { embedded: { lockoutThreshold: 3, lockoutMinutes: 15, maxPasswordAgeDays: 90 } },
    });
  });
  afterEach(() => ctx.close());

  it('signs in with the username or the e-mail address, with a new session and an audit event', async () => {
    for (const identifier of ['anna.andersson', '  Anna.Andersson@Example.se ']) {
      const browser = new TestBrowser(ctx.app);
      const page = await browser.get('/sign-in');
      assert.match(page.body, /autocomplete="username"/);
      assert.match(page.body, /autocomplete="current-password"/);
      assert.match(page.body, /<label class="field__label" for="identifier">Användarnamn eller e-postadress<\/label>/);
      const res = await browser.post('/sign-in', { identifier, password: TEST_PASSWORD });
      assert.equal(res.status, 303, identifier);
      assert.equal(res.location, '/account');
      assert.ok(browser.cookies.has('nyckel_session'));
      const account = await browser.get('/account');
      assert.equal(account.status, 200);
      assert.match(account.body, /Hej Anna Andersson!/);
    }
    const events = await ctx.services.store.listAudit({ type: 'sign_in', subject: ctx.account.id, limit: 10 });
    const success = events.find((e) => e.outcome === 'success');
    assert.ok(success);
    assert.equal(success.ip, 'unknown');
    assert.equal(JSON.stringify(events).includes(TEST_PASSWORD), false);
  });

  it('uses X-Forwarded-For only from a trusted proxy, for the audit trail', async () => {
    const proxied = await createTestContext({ server: { trustedProxies: ['10.0.0.0/8'] } });
    try {
      const browser = new TestBrowser(proxied.app);
      await browser.get('/sign-in');
      const form = new URLSearchParams({ _csrf: browser.csrf ?? '', identifier: 'anna.andersson', password: TEST_PASSWORD });
      const init = (peer: string) => ({
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '198.51.100.7',
          cookie: `nyckel_csrf=${browser.cookies.get('nyckel_csrf')}`,
        },
        body: form.toString(),
        env: peer,
      });
      for (const peer of ['10.1.2.3', '203.0.113.50']) {
        const { env, ...request } = init(peer);
        const res = await proxied.app.request('http://localhost/sign-in', request, { incoming: { socket: { remoteAddress: env } } });
        assert.equal(res.status, 303);
      }
      const events = await proxied.services.store.listAudit({ type: 'sign_in', limit: 10 });
      assert.deepEqual(events.map((e) => e.ip).sort(), ['198.51.100.7', '203.0.113.50']);
    } finally {
      await proxied.close();
    }
  });

  it('answers a wrong password with one generic message, tied to the field', async () => {
    const browser = new TestBrowser(ctx.app);
    const res = await browser.signIn('anna.andersson', 'wrong password');
    assert.equal(res.status, 401);
    assert.match(res.body, /<title>Fel: Logga in – Nyckel<\/title>/);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /<a href="#identifier">Fel användarnamn eller lösenord\. Kontrollera stavningen och försök igen\.<\/a>/);
    assert.match(res.body, /aria-describedby="identifier-hint identifier-error" aria-invalid="true"/);
    assert.match(res.body, /value="anna.andersson"/);
    assert.equal(browser.cookies.has('nyckel_session'), false);
  });

  it('gives the same status and page for an unknown account and a wrong password', async () => {
    const wrong = await new TestBrowser(ctx.app).signIn('anna.andersson', 'wrong password');
    const unknown = await new TestBrowser(ctx.app).signIn('nobody.here', 'wrong password');
    assert.equal(unknown.status, wrong.status);
    assert.equal(normalisedBody(unknown, 'nobody.here'), normalisedBody(wrong, 'anna.andersson'));
  });

  it('shows the locked page after the lockout threshold, for real and for unknown accounts alike', async () => {
    const results: Record<string, (string | null)[]> = {};
    for (const identifier of ['anna.andersson', 'nobody.at.all']) {
      const browser = new TestBrowser(ctx.app);
      results[identifier] = [];
      for (let i = 0; i < 5; i++) {
        const res = await browser.signIn(identifier, 'wrong password');
        results[identifier].push(`${res.status} ${res.location}`);
      }
    }
    assert.deepEqual(results['anna.andersson'], ['401 null', '401 null', '401 null', '303 /sign-in/locked', '303 /sign-in/locked']);
    assert.deepEqual(results['nobody.at.all'], results['anna.andersson']);

    // Even the right password does not get in while locked.
    const browser = new TestBrowser(ctx.app);
    const locked = await browser.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(locked.location, '/sign-in/locked');
    const page = await browser.get('/sign-in/locked');
    assert.match(page.body, /Kontot är låst/);
    assert.match(page.body, /Vänta 15 minuter/);
    assert.match(page.body, /IT-supporten/);
    const events = await ctx.services.store.listAudit({ type: 'sign_in', subject: ctx.account.id, limit: 20 });
    assert.ok(events.some((e) => e.outcome === 'failure' && e.detail.reason === 'locked'));
    assert.ok(events.some((e) => e.outcome === 'failure' && e.detail.reason === 'wrong_password'));
  });

  it('gives a disabled account the generic message', async () => {
    await ctx.services.embeddedDirectory?.setDisabled(ctx.account.id, true);
    try {
      const res = await new TestBrowser(ctx.app).signIn('anna.andersson', TEST_PASSWORD);
      assert.equal(res.status, 401);
      assert.match(res.body, /Fel användarnamn eller lösenord/);
    } finally {
      await ctx.services.embeddedDirectory?.setDisabled(ctx.account.id, false);
    }
  });

  it('sends a must-change account to change password, and nowhere else, until it is done', async () => {
    await ctx.services.directory.requireChange(ctx.account.id);
    const browser = new TestBrowser(ctx.app);
    const res = await browser.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account/password');
    for (const path of ['/account', '/', '/sign-in']) {
      const blocked = await browser.get(path);
      assert.equal(blocked.status, 303, path);
      assert.equal(blocked.location, '/account/password', path);
    }
    const form = await browser.get('/account/password');
    assert.equal(form.status, 200);
    assert.match(form.body, /Du behöver byta lösenord innan du kan fortsätta\./);
    assert.doesNotMatch(form.body, /href="\/account"/, 'no way around the change');
    assert.match(form.body, /autocomplete="new-password"/);

    const changed = await browser.post('/account/password', {
      'current-password': TEST_PASSWORD,
      'new-password': 'En helt ny lång lösenfras 2026',
      'confirm-password': 'En helt ny lång lösenfras 2026',
    });
    assert.equal(changed.status, 303);
    assert.equal(changed.location, '/account');
    const account = await browser.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.body, /Ditt lösenord är bytt\./);
    const state = await ctx.services.directory.readState(ctx.account.id);
    assert.equal(state.mustChange, false);
  });

  it('sends an expired password to change password', async () => {
    ctx.clock.advance(91 * DAY);
    const browser = new TestBrowser(ctx.app);
    const res = await browser.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(res.location, '/account/password');
    const form = await browser.get('/account/password?lang=en');
    assert.match(form.body, /Your password has expired\. Choose a new password to continue\./);
  });

  it('ends the pending change state after a few minutes', async () => {
    await ctx.services.directory.requireChange(ctx.account.id);
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    ctx.clock.advance(11 * 60 * 1000);
    const res = await browser.get('/account/password');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/sign-in');
  });

  it('explains missing, too long and unreadable input without counting or crashing', async () => {
    const browser = new TestBrowser(ctx.app);
    const empty = await browser.signIn('   ', '');
    assert.equal(empty.status, 400);
    assert.match(empty.body, /<a href="#identifier">Ange ditt användarnamn eller din e-postadress<\/a>/);
    assert.match(empty.body, /<a href="#password">Ange ditt lösenord<\/a>/);
    assert.match(empty.body, /id="password-error"/);

    const long = await browser.signIn('a'.repeat(257), 'x');
    assert.equal(long.status, 400);
    assert.match(long.body, /högst 256 tecken/);

    const nul = await browser.signIn('anna\u0000andersson', 'x');
    assert.equal(nul.status, 400);
    assert.match(nul.body, /tecken som inte gick att läsa/);

    // Latin-1 bytes (å = 0xE5) where UTF-8 was expected.
    const bytes = Buffer.concat([
      Buffer.from(`_csrf=${encodeURIComponent(browser.csrf ?? '')}&identifier=m`),
      Buffer.from([0xe5, 0x6e]),
      Buffer.from('s&password=l%F6senord'),
    ]);
    const latin1 = await browser.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: bytes,
    });
    assert.equal(latin1.status, 400);
    assert.match(latin1.body, /Formuläret innehöll tecken som inte gick att läsa/);
  });

  it('treats SQL metacharacters as plain text', async () => {
    const browser = new TestBrowser(ctx.app);
    for (const [identifier, password] of [
      ["' OR 1=1 --", 'x'],
      ['anna.andersson', "' OR '1'='1"],
      ["anna.andersson'; DROP TABLE accounts; --", TEST_PASSWORD],
    ] as const) {
      const res = await browser.signIn(identifier, password);
      assert.equal(res.status, 401, identifier);
      assert.match(res.body, /Fel användarnamn eller lösenord/);
      assert.ok(res.body.includes('value="&#39; OR 1=1 --"') || !identifier.startsWith("'"), 'the identifier is escaped');
    }
    const ok = await new TestBrowser(ctx.app).signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(ok.location, '/account', 'the accounts table is still there');
  });

  it('refuses a sign-in without a valid CSRF token or from another origin, and changes nothing', async () => {
    const before = (await ctx.services.store.listAudit({ type: 'sign_in', limit: 1000 })).length;
    const missing = new TestBrowser(ctx.app);
    await missing.get('/sign-in');
    const noToken = await missing.post('/sign-in', { _csrf: null, identifier: 'anna.andersson', password: TEST_PASSWORD });
    assert.equal(noToken.status, 403);
    assert.match(noToken.body, /Formuläret har gått ut/);
    assert.match(noToken.body, /Ingenting har ändrats|inte gjort någon ändring/);

    const wrong = await missing.post('/sign-in', { _csrf: 'forged.value', identifier: 'anna.andersson', password: TEST_PASSWORD });
    assert.equal(wrong.status, 403);

    const noCookie = new TestBrowser(ctx.app);
    await noCookie.get('/sign-in');
    noCookie.cookies.clear();
    assert.equal((await noCookie.post('/sign-in', { identifier: 'anna.andersson', password: TEST_PASSWORD })).status, 403);

    const crossSite = new TestBrowser(ctx.app);
    await crossSite.get('/sign-in');
    const evil = await crossSite.post(
      '/sign-in',
      { identifier: 'anna.andersson', password: TEST_PASSWORD },
      { origin: 'https://evil.example' },
    );
    assert.equal(evil.status, 403);
    const fetchMeta = await crossSite.post(
      '/sign-in',
      { identifier: 'anna.andersson', password: TEST_PASSWORD },
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(fetchMeta.status, 403);
    const sameOrigin = await crossSite.post(
      '/sign-in',
      { identifier: 'anna.andersson', password: TEST_PASSWORD },
      { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    );
    assert.equal(sameOrigin.status, 303, 'the same browser from our own origin gets in');

    for (const b of [missing, noCookie]) assert.equal(b.cookies.has('nyckel_session'), false);
    const afterCount = (await ctx.services.store.listAudit({ type: 'sign_in', limit: 1000 })).length;
    assert.equal(afterCount, before + 1, 'only the accepted attempt reached the flow');
  });

  it('rate-limits per account before checking the password, with Retry-After', async () => {
    const limited = await createTestContext({ rateLimits: { signInPerAccount: { limit: 2, windowMinutes: 15 } } });
    try {
      const browser = new TestBrowser(limited.app);
      assert.equal((await browser.signIn('anna.andersson', 'wrong')).status, 401);
      assert.equal((await browser.signIn('anna.andersson', 'wrong')).status, 401);
      const third = await browser.signIn('anna.andersson', TEST_PASSWORD);
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      assert.match(third.body, /För många försök/);
      assert.equal(browser.cookies.has('nyckel_session'), false, 'even the right password waits');
    } finally {
      await limited.close();
    }
  });

  it('rate-limits per IP address', async () => {
    const limited = await createTestContext({ rateLimits: { signInPerIp: { limit: 2, windowMinutes: 15 } } });
    try {
      const browser = new TestBrowser(limited.app);
      await browser.signIn('someone.1', 'x');
      await browser.signIn('someone.2', 'x');
      const third = await browser.signIn('someone.3', 'x');
      assert.equal(third.status, 429);
    } finally {
      await limited.close();
    }
  });
});
