// Whole-app tests through app.request(): every page in both languages, security headers on
// every response, error pages (404, 405, 413, 500, 503) without internals, health checks.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NyckelError } from '../domain/errors.ts';
import { CONTENT_SECURITY_POLICY } from './middleware/security-headers.ts';
import { type BrowserResponse, createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

function assertSecurityHeaders(res: BrowserResponse, what: string): void {
  assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, `${what}: CSP`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.equal(res.headers.get('referrer-policy'), 'same-origin', `${what}: referrer`);
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', `${what}: COOP`);
  assert.match(res.headers.get('permissions-policy') ?? '', /camera=\(\)/, `${what}: permissions`);
  assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, `${what}: request id`);
}

function langOf(html: string): string | undefined {
  return /<html lang="([a-z]+)"/.exec(html)?.[1];
}

describe('web app', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext(
      {
        demo: true,
        organisation: { name: 'Exempelby kommun', contactEmail: 'tillganglighet@exempelby.se', contactPhone: '010-123 45 67' },
      },
      {
        extraRoutes: (routes) => {
          routes.get('/test/boom', () => {
            throw new Error('secret internal detail: password=hunter2');
          });
          routes.get('/test/directory-down', () => {
            throw new NyckelError('directory_unavailable', 'ldap connect ECONNREFUSED 10.0.0.1');
          });
        },
      },
    );
    await ctx.services.outbox.send({ channel: 'sms', to: '+46701234567', text: 'Din kod är 123456' });
  });
  after(() => ctx.close());

  const publicPages: [string, RegExp][] = [
    ['/', /<h1>(Välkommen till Nyckel|Welcome to Nyckel)<\/h1>/],
    ['/sign-in', /autocomplete="current-password"/],
    ['/sign-in/locked', /<h1>(Kontot är låst|Your account is locked)<\/h1>/],
    ['/accessibility', /Digg/],
    ['/demo/outbox', /\+46701234567/],
  ];
  for (const lang of ['sv', 'en'] as const) {
    for (const [path, content] of publicPages) {
      it(`renders ${path} in ${lang}`, async () => {
        const browser = new TestBrowser(ctx.app);
        const res = await browser.get(`${path}?lang=${lang}`);
        assert.equal(res.status, 200);
        assert.equal(langOf(res.body), lang);
        assert.match(res.body, content);
        assert.match(res.body, /<a class="skip-link" href="#main">/);
        assert.match(res.body, /<main id="main"/);
        assert.match(res.body, /href="\/accessibility"/);
        assert.match(res.body, /<title>[^<]+ – Nyckel<\/title>/);
        assertSecurityHeaders(res, path);
        assert.equal(res.headers.get('cache-control'), 'no-store');
      });
    }
    for (const path of ['/account', '/account/password']) {
      it(`renders ${path} in ${lang} when signed in`, async () => {
        const browser = new TestBrowser(ctx.app);
        await browser.get(`/?lang=${lang}`);
        const signedIn = await browser.signIn('anna.andersson', TEST_PASSWORD);
        assert.equal(signedIn.location, '/account');
        const res = await browser.get(path);
        assert.equal(res.status, 200);
        assert.equal(langOf(res.body), lang);
        assert.match(res.body, lang === 'sv' ? /Logga ut/ : /Sign out/);
        assertSecurityHeaders(res, path);
      });
    }
  }

  it('shows the account details and the empty security info', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const res = await browser.get('/account');
    assert.match(res.body, /Anna Andersson/);
    assert.match(res.body, /Går aldrig ut/);
    assert.match(res.body, /Aktivt, inte låst/);
    assert.match(res.body, /Säkerhetsinformation/);
    assert.match(res.body, /Du har inte registrerat någon säkerhetsinformation ännu\./);
  });

  it('keeps the path in the language switch and remembers the choice in a cookie', async () => {
    const browser = new TestBrowser(ctx.app);
    const sv = await browser.get('/accessibility');
    assert.match(sv.body, /href="\/accessibility\?lang=en" lang="en" hreflang="en">In English</);
    await browser.get('/accessibility?lang=en');
    const again = await browser.get('/sign-in');
    assert.equal(langOf(again.body), 'en');
    assert.match(again.body, /Username or email address/);
  });

  it('shows the organisation contact and Digg on the accessibility statement', async () => {
    const res = await new TestBrowser(ctx.app).get('/accessibility');
    assert.match(res.body, /mailto:tillganglighet@exempelby\.se/);
    assert.match(res.body, /href="tel:0101234567"/);
    assert.match(res.body, /Myndigheten för digital förvaltning/);
    assert.match(res.body, /lagen om tillgänglighet till digital offentlig service/);
  });

  it('serves the stylesheet from our own origin, cacheable, with the security headers', async () => {
    const res = await new TestBrowser(ctx.app).get('/assets/app.css');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=86400/);
    assert.match(res.body, /prefers-reduced-motion/);
    assert.match(res.body, /:focus-visible/);
    assert.doesNotMatch(res.body, /@import|url\(\s*['"]?https?:/);
    assertSecurityHeaders(res, 'css');
  });

  it('loads nothing from another origin and has no inline script or style', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    for (const path of ['/', '/account', '/account/password', '/accessibility', '/demo/outbox']) {
      const { body } = await browser.get(path);
      // Scripts only from our own /assets/, empty (no inline code: the CSP forbids it anyway).
      assert.doesNotMatch(body, /<script(?![^>]*\ssrc="\/assets\/[^"]+"[^>]*><\/script>)/i, path);
      assert.doesNotMatch(body, /<style|\sstyle=/i, path);
      assert.doesNotMatch(body, /(src|href)="(https?:)?\/\/(?!www\.digg\.se)/i, path);
    }
  });

  it('answers /healthz and /readyz', async () => {
    const browser = new TestBrowser(ctx.app);
    const health = await browser.get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assertSecurityHeaders(health, 'healthz');
    const ready = await browser.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
  });

  it('shows a 404 page with a way back, in the chosen language', async () => {
    const res = await new TestBrowser(ctx.app).get('/no-such-page?lang=en');
    assert.equal(res.status, 404);
    assert.equal(langOf(res.body), 'en');
    assert.match(res.body, /Page not found/);
    assert.match(res.body, /href="\/"/);
    assert.match(res.body, new RegExp(`Reference: <span class="reference">${res.headers.get('x-request-id')}</span>`));
    assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
    assertSecurityHeaders(res, '404');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const browser = new TestBrowser(ctx.app);
    const res = await browser.request('/accessibility', { method: 'PUT' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    assert.match(res.body, /Det gick inte att göra så/);
  });

  it('shows a 500 page with the reference id and no internals; the log has the same id', async () => {
    const res = await new TestBrowser(ctx.app).get('/test/boom');
    assert.equal(res.status, 500);
    const reference = res.headers.get('x-request-id') ?? '';
    assert.match(res.body, new RegExp(`Referens: <span class="reference">${reference}</span>`));
    assert.match(res.body, /Något gick fel/);
    assert.doesNotMatch(res.body, /secret internal detail|hunter2|at .*\.ts:\d+|Error:/);
    assertSecurityHeaders(res, '500');
    const logged = ctx.logs.find((l) => l.msg === 'unhandled error' && l.ref === reference);
    assert.ok(logged, 'the error is logged with the reference');
    assert.equal(logged.reqId, reference);
  });

  it('shows a 503 page when the directory is unavailable', async () => {
    const res = await new TestBrowser(ctx.app).get('/test/directory-down');
    assert.equal(res.status, 503);
    assert.match(res.body, /Tjänsten är inte tillgänglig just nu/);
    assert.doesNotMatch(res.body, /ECONNREFUSED|10\.0\.0\.1/);
  });

  it('refuses a 10 MB form with the 413 page, streamed or declared', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.get('/sign-in');
    const big = `identifier=${'a'.repeat(10 * 1024 * 1024)}&password=x&_csrf=${browser.csrf}`;
    const streamed = await browser.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: big,
    });
    assert.equal(streamed.status, 413);
    assert.match(streamed.body, /Det du skickade var för stort/);
    assertSecurityHeaders(streamed, '413');
    const declared = await browser.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(big.length) },
      body: big,
    });
    assert.equal(declared.status, 413);
    const audits = await ctx.services.store.listAudit({ type: 'sign_in', limit: 100 });
    assert.equal(audits.filter((a) => a.at.getTime() === ctx.clock.now().getTime() && a.ip === 'big').length, 0);
  });

  it('shows the outbox only in demo mode', async () => {
    const plain = await createTestContext({ demo: false });
    try {
      const res = await new TestBrowser(plain.app).get('/demo/outbox');
      assert.equal(res.status, 404);
      const start = await new TestBrowser(plain.app).get('/');
      assert.doesNotMatch(start.body, /demo-banner|\/demo\/outbox/);
    } finally {
      await plain.close();
    }
    const demo = await new TestBrowser(ctx.app).get('/');
    assert.match(demo.body, /class="demo-banner"/);
  });

  it('answers /readyz with 503 and no details when the store is closed', async () => {
    const closing = await createTestContext();
    try {
      await closing.services.store.close();
      const res = await new TestBrowser(closing.app).get('/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(res.body), { status: 'unavailable' });
    } finally {
      await closing.close().catch(() => {});
    }
  });

  it('sends HSTS over https only', async () => {
    const https = await new TestBrowser(ctx.app, 'https://nyckel.exempelby.se').get('/');
    assert.match(https.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    const http = await new TestBrowser(ctx.app).get('/');
    assert.equal(http.headers.get('strict-transport-security'), null);
  });
});
