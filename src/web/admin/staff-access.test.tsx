// Who reaches the staff area and from where, through the whole app in-process: inside the zone
// allowed; outside refused with the 403 zone page (sv and en) and an audit event; forwarding
// headers believed only from a configured trusted proxy (right-most untrusted address), never
// from anyone else; a POST from outside refused the same way and changing nothing; then the
// session, role, recent-second-step and "add a method first" steps.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Hono } from 'hono';
import { browserFrom, HOME_IP, OFFICE_IP, signInWithPassword } from '../routes/second-step.test-support.ts';
import { TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';
import { createStaffContext, proveAgain, STAFF_USERNAME, signInStaff } from './helpdesk/helpdesk.test-support.ts';

const PROXY_IP = '192.0.2.10';
const ZONE_SV =
  /Den här sidan kan inte nås från det nätverk du använder nu\. Den är bara tillgänglig över en säker, godkänd anslutning: på kontoret eller via VPN\./;
const ZONE_EN =
  /This page can&#39;t be reached from your current network\. It is only available over a secure, authorised connection: at the office, or through VPN\./;

/** A browser whose requests come from `peer` with extra headers on every request (a proxy, or a spoofer). */
function browserVia(ctx: TestContext, peer: string, headers: Record<string, string>): TestBrowser {
  const front = new Hono();
  front.all('*', (c) => {
    const request = new Request(c.req.raw);
    for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
    return ctx.app.fetch(request, { incoming: { socket: { remoteAddress: peer } } });
  });
  return new TestBrowser(front as unknown as TestContext['app']);
}

async function zoneRefusals(ctx: TestContext) {
  return ctx.services.store.listAudit({ type: 'admin.zone_refused', limit: 50 });
}

describe('staff area access', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    // Registration not forced, so a staff member without any method can be seen at the door.
    ({ ctx } = await createStaffContext({
      securityInfo: { registrationRequired: false, firstRegistration: { zones: ['office'] } },
      server: { trustedProxies: ['192.0.2.0/24'] },
    }));
  });
  afterEach(async () => {
    await ctx.close();
  });

  it('lets staff in from inside the zone', async () => {
    const { browser } = await signInStaff(ctx);
    const home = await browser.get('/admin');
    assert.equal(home.status, 200);
    assert.match(home.body, /<h1>Administration<\/h1>/);
    assert.equal((await browser.get('/admin/helpdesk')).status, 200);
    assert.equal((await zoneRefusals(ctx)).length, 0);
  });

  it('refuses every /admin path outside the zone with the 403 page in sv and en, and audits it', async () => {
    const home = browserFrom(ctx, HOME_IP);
    for (const path of ['/admin', '/admin/helpdesk', '/admin/helpdesk/user?id=x', '/admin/no-such-page']) {
      const res = await home.get(path);
      assert.equal(res.status, 403, path);
      assert.match(res.body, ZONE_SV, path);
      assert.match(res.body, /<html lang="sv">/);
    }
    const en = await home.get('/admin?lang=en');
    assert.equal(en.status, 403);
    assert.match(en.body, ZONE_EN);
    assert.match(en.body, /<html lang="en">/);
    const refusals = await zoneRefusals(ctx);
    assert.equal(refusals.length, 5);
    assert.ok(refusals.every((e) => e.ip === HOME_IP && e.outcome === 'refused'));
  });

  it('ignores X-Forwarded-For and Forwarded from a peer that is not a trusted proxy', async () => {
    const spoofs: Record<string, string>[] = [
      { 'x-forwarded-for': '10.1.2.3' },
      { forwarded: 'for=10.1.2.3' },
      { 'x-forwarded-for': '10.1.2.3', forwarded: 'for="10.1.2.3"' },
    ];
    for (const headers of spoofs) {
      const spoofer = browserVia(ctx, HOME_IP, headers);
      const res = await spoofer.get('/admin');
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(res.body, ZONE_SV);
    }
    const refusals = await zoneRefusals(ctx);
    assert.equal(refusals.length, 3);
    assert.ok(
      refusals.every((e) => e.ip === HOME_IP),
      'the audit names the real peer, not the forged address',
    );
  });

  it('believes a trusted proxy, taking the right-most untrusted address', async () => {
    // Through the proxy from the office: in the zone (no session yet, so on to sign-in).
    const fromOffice = await browserVia(ctx, PROXY_IP, { 'x-forwarded-for': '10.1.2.3' }).get('/admin');
    assert.equal(fromOffice.status, 303);
    assert.equal(fromOffice.location, '/sign-in');
    // The client forged an office address on the left; the proxy appended the real one.
    const forgedLeft = await browserVia(ctx, PROXY_IP, { 'x-forwarded-for': '10.9.9.9, 198.51.100.23' }).get('/admin');
    assert.equal(forgedLeft.status, 403);
    assert.match(forgedLeft.body, ZONE_SV);
    // Whatever the client wrote on the left, the address the proxy saw (right-most, untrusted) decides.
    const realOffice = await browserVia(ctx, PROXY_IP, { 'x-forwarded-for': '198.51.100.23, 10.1.2.3' }).get('/admin');
    assert.equal(realOffice.status, 303);
    // Through two trusted proxies: the first untrusted hop from the right is the client.
    const twoHops = await browserVia(ctx, PROXY_IP, { 'x-forwarded-for': '198.51.100.23, 192.0.2.99' }).get('/admin');
    assert.equal(twoHops.status, 403);
    const [refusal] = await zoneRefusals(ctx);
    assert.equal(refusal?.ip, '198.51.100.23');
  });

  it('believes the standard Forwarded header from a trusted proxy the same way', async () => {
    const fromOffice = await browserVia(ctx, PROXY_IP, { forwarded: 'for=10.1.2.3;proto=https' }).get('/admin');
    assert.equal(fromOffice.status, 303);
    assert.equal(fromOffice.location, '/sign-in');
    const forgedLeft = await browserVia(ctx, PROXY_IP, { forwarded: 'for=10.9.9.9, for="198.51.100.24"' }).get('/admin');
    assert.equal(forgedLeft.status, 403);
    assert.match(forgedLeft.body, ZONE_SV);
  });

  it('refuses a POST from outside the zone the same way, and changes nothing', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory);
    for (let i = 0; i < 5; i++) await directory.authenticate('anna.andersson', 'fel-lösenord');
    const { browser } = await signInStaff(ctx);
    await browser.get(`/admin/helpdesk/unlock?id=${encodeURIComponent(ctx.account.id)}`);
    // The same session and CSRF token, now from home.
    const away = browserFrom(ctx, HOME_IP);
    for (const [name, value] of browser.cookies) away.cookies.set(name, value);
    away.csrf = browser.csrf;
    const res = await away.post('/admin/helpdesk/unlock', { id: ctx.account.id, reason: 'Ärende 9' });
    assert.equal(res.status, 403);
    assert.match(res.body, ZONE_SV);
    assert.equal((await directory.readState(ctx.account.id)).isLocked, true);
    assert.equal((await ctx.services.store.listAudit({ type: 'helpdesk.unlock', limit: 5 })).length, 0);
    const [refusal] = await zoneRefusals(ctx);
    assert.equal(refusal?.detail.method, 'POST');
    assert.equal(refusal?.actor, (await directory.findAccount(STAFF_USERNAME))?.id);
  });

  it('sends a visitor without a session to sign in', async () => {
    const res = await browserFrom(ctx, OFFICE_IP).get('/admin/helpdesk');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/sign-in');
  });

  it('gives an ordinary employee the 403 forbidden page and audits it', async () => {
    const employee = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(employee);
    for (const [path, pattern] of [
      ['/admin', /<h1>Du har inte behörighet till sidan<\/h1>/],
      ['/admin/helpdesk?lang=en', /<h1>You don&#39;t have access to this page<\/h1>/],
    ] as const) {
      const res = await employee.get(path);
      assert.equal(res.status, 403, path);
      assert.match(res.body, pattern);
      assert.doesNotMatch(res.body, /Hitta en användare|Find a user/);
    }
    const post = await employee.post('/admin/helpdesk', { identifier: 'hanna.help' });
    assert.equal(post.status, 403);
    const forbidden = await ctx.services.store.listAudit({ type: 'admin.forbidden', limit: 10 });
    assert.equal(forbidden.length, 3);
    assert.ok(forbidden.every((e) => e.actor === ctx.account.id && e.outcome === 'refused'));
  });

  it('asks staff for a recent second step, then lets them back in', async () => {
    const { browser, secret } = await signInStaff(ctx);
    // Active all along (the idle timeout is 30 minutes), but the second step is over an hour old.
    for (let i = 0; i < 3; i++) {
      ctx.clock.advance(20 * 60_000);
      assert.equal((await browser.get('/account')).status, 200);
    }
    ctx.clock.advance(2 * 60_000);
    const res = await browser.get('/admin/helpdesk');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account/security-info/verify');
    await proveAgain(browser, ctx.clock, secret);
  });

  it('asks staff without any method to add one first', async () => {
    const staff = browserFrom(ctx, OFFICE_IP);
    assert.equal((await staff.signIn(STAFF_USERNAME, TEST_PASSWORD)).status, 303);
    const res = await staff.get('/admin');
    assert.equal(res.status, 403);
    assert.match(res.body, /<h1>Lägg till säkerhetsinformation först<\/h1>/);
    assert.match(res.body, /href="\/account\/security-info\/add"/);
  });
});
