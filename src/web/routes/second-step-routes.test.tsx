// The two-step sign-in through the whole app in-process (app.request()) with the real backend on
// SQLite: registration before continuing and "ask me later", the helpdesk pass, the second step
// with an authenticator app (codes from oathtool), SMS (codes from the outbox), recovery codes,
// methodsRequired 2, bad input, replay, the attempt limit, CSRF and both languages.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { sha256 } from '../../security/tokens.ts';
import type { TestBrowser, TestContext } from '../test-harness.ts';
import {
  browserFrom,
  createTwoStepContext,
  HOME_IP,
  lastSentCode,
  OFFICE_IP,
  oathtoolCode,
  registerAuthenticator,
  signInWithPassword,
} from './second-step.test-support.ts';

const HALF_MINUTE = 30_000;

function mainOf(body: string): string {
  return body.slice(body.indexOf('<main'), body.indexOf('</main>'));
}

describe('two-step sign-in', () => {
  let ctx: TestContext;
  afterEach(async () => {
    await ctx?.close();
  });

  async function registerPhone(browser: TestBrowser): Promise<void> {
    await browser.get('/account/security-info/phone');
    const sent = await browser.post('/account/security-info/phone', { country: 'SE', number: '070-123 45 67' });
    assert.equal(sent.status, 303);
    const { code } = await lastSentCode(ctx.services.outbox, 'sms');
    const done = await browser.post('/account/security-info/phone/code', { code });
    assert.equal(done.status, 303);
  }

  /** Signs out and in again half a minute later (a new TOTP window); opens the second step unless told not to. */
  async function signOutAndIn(browser: TestBrowser, options: { visit?: boolean; wait?: number } = {}): Promise<void> {
    await browser.get('/account/security-info');
    await browser.post('/sign-out', {});
    ctx.clock.advance(options.wait ?? HALF_MINUTE);
    const res = await signInWithPassword(browser);
    assert.equal(res.location, '/sign-in/second-step');
    if (options.visit ?? true) assert.equal((await browser.get('/sign-in/second-step')).status, 200);
  }

  it('sends an account without methods to registration, and counts "ask me later"', async () => {
    ctx = await createTwoStepContext({
      securityInfo: { registrationRequired: true, askLaterTimes: 2, firstRegistration: { zones: ['office'] } },
    });
    const browser = browserFrom(ctx, OFFICE_IP);
    for (const left of [2, 1]) {
      assert.equal((await signInWithPassword(browser)).location, '/sign-in/register');
      // Nothing else is reachable until the user registers or puts it off.
      assert.equal((await browser.get('/account')).location, '/sign-in/register');
      const page = await browser.get('/sign-in/register');
      assert.match(page.body, left === 1 ? /Du kan skjuta upp det en gång till/ : /Du kan skjuta upp det 2 gånger till/);
      const later = await browser.post('/sign-in/register/later', {});
      assert.equal(later.location, '/account');
      assert.equal((await browser.get('/account')).status, 200);
      await browser.post('/sign-out', {});
    }
    await signInWithPassword(browser);
    const page = await browser.get('/sign-in/register');
    assert.doesNotMatch(page.body, /Fråga mig senare/);
    assert.match(page.body, /Du behöver lägga till en inloggningsmetod innan du kan fortsätta/);
    const refused = await browser.post('/sign-in/register/later', {});
    assert.equal(refused.status, 400);
    assert.match(refused.body, /Du har redan skjutit upp det så många gånger som det går/);
    assert.equal((await browser.get('/account')).location, '/sign-in/register');
    const events = await ctx.services.store.listAudit({ type: 'registration_postponed', limit: 10 });
    assert.equal(events.length, 2);
  });

  it('with secondStep \'always\' there is no "ask me later"', async () => {
    ctx = await createTwoStepContext({ securityInfo: { secondStep: 'always', firstRegistration: { zones: ['office'] } } });
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    const page = await browser.get('/sign-in/register');
    assert.doesNotMatch(page.body, /Fråga mig senare/);
    assert.equal((await browser.post('/sign-in/register/later', {})).status, 400);
  });

  it('refuses a first method from outside the trusted zones until a helpdesk pass is redeemed', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, HOME_IP);
    await signInWithPassword(browser);
    const add = await browser.get('/account/security-info/add');
    assert.equal(add.location, '/account/security-info/pass');
    assert.equal((await browser.get('/account/security-info/authenticator')).location, '/account/security-info/pass');
    const page = await browser.get('/account/security-info/pass');
    assert.match(page.body, /Du behöver ett engångspass/);
    assert.match(page.body, /Kontakta IT-supporten/);
    for (const [pass, message] of [
      ['', /Ange engångspasset/],
      ["' OR 1=1; --", /Skriv engångspasset som du fick det/],
      ['X'.repeat(500), /Skriv engångspasset som du fick det/],
      ['WRONG-PASS-1234', /Engångspasset stämmer inte/],
    ] as const) {
      const res = await browser.post('/account/security-info/pass', { pass });
      assert.equal(res.status, 400, pass);
      assert.match(res.body, message);
    }
    const pass = await ctx.services.securityInfo.issuePass(ctx.account.id, { singleUse: true, validMinutes: 60, issuedBy: 'helpdesk' });
    const redeemed = await browser.post('/account/security-info/pass', { pass });
    assert.equal(redeemed.location, '/account/security-info/add');
    assert.equal((await browser.get('/account/security-info/add')).status, 200);
    await registerAuthenticator(browser, ctx.clock);
    // Registered: the session is a normal one now.
    assert.equal((await browser.get('/account')).status, 200);
  });

  it('the pass page is only an explanation when passes are not allowed for a first registration', async () => {
    ctx = await createTwoStepContext({
      securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'], allowWithPass: false } },
    });
    const browser = browserFrom(ctx, HOME_IP);
    await signInWithPassword(browser);
    const page = await browser.get('/account/security-info/pass');
    assert.doesNotMatch(page.body, /name="pass"/);
    assert.equal((await browser.post('/account/security-info/pass', { pass: 'ANY-PASS' })).status, 403);
  });

  it('signs in with the authenticator app: bad codes explained, replay refused', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    const secret = await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    // Only "password verified": every other page leads back to the second step.
    for (const path of ['/account', '/account/security-info', '/account/password', '/sign-in/register']) {
      assert.equal((await browser.get(path)).location, '/sign-in/second-step', path);
    }
    const page = await browser.get('/sign-in/second-step');
    assert.match(page.body, /Ange koden från autentiseringsappen/);
    assert.match(page.body, /inputmode="numeric"/);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.doesNotMatch(mainOf(page.body), /Använd en annan metod/);
    for (const [code, message] of [
      ['', /Ange koden/],
      ['12ab56', /Koden får bara innehålla siffror/],
      ["1' OR '1'='1", /Koden får bara innehålla siffror/],
      ['12345', /Koden ska vara sex siffror/],
      ['1'.repeat(10_000), /Koden är för lång/],
    ] as const) {
      const res = await browser.post('/sign-in/second-step', { code });
      assert.equal(res.status, 400, code.slice(0, 20));
      assert.match(res.body, message);
      assert.match(res.body, /<title>Fel: /);
    }
    const right = oathtoolCode(secret, ctx.clock);
    const wrong = right === '000000' ? '111111' : '000000';
    const refused = await browser.post('/sign-in/second-step', { code: wrong });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /Koden stämmer inte/);
    const before = browser.cookies.get('nyckel_session');
    const ok = await browser.post('/sign-in/second-step', { code: right });
    assert.equal(ok.location, '/account');
    assert.notEqual(browser.cookies.get('nyckel_session'), before, 'a new session id after the second step');
    assert.equal((await browser.get('/account')).status, 200);

    // The same code again, in its own time window, from a new sign-in: refused as replayed.
    await browser.post('/sign-out', {});
    await signInWithPassword(browser);
    await browser.get('/sign-in/second-step');
    const replay = await browser.post('/sign-in/second-step', { code: right });
    assert.equal(replay.status, 400);
    assert.match(replay.body, /Koden har redan använts/);
  });

  it('signs in with SMS: the code is sent on arrival, resent after the cooldown', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    await registerPhone(browser);
    // Past the resend cooldown of the enrolment's code.
    await signOutAndIn(browser, { visit: false, wait: 61_000 });
    const before = (await ctx.services.outbox.read(100)).length;
    const page = await browser.get('/sign-in/second-step');
    assert.match(page.body, /Vi har skickat en kod till \+46 70 \*\*\* \*\* 67/);
    assert.equal((await ctx.services.outbox.read(100)).length, before + 1, 'one SMS on arrival');
    await browser.get('/sign-in/second-step');
    assert.equal((await ctx.services.outbox.read(100)).length, before + 1, 'a reload sends nothing more');
    const first = await lastSentCode(ctx.services.outbox, 'sms');
    assert.equal(first.to, '+46701234567');
    const tooSoon = await browser.post('/sign-in/second-step/resend', {});
    assert.equal(tooSoon.status, 429);
    assert.match(tooSoon.body, /Vänta \d+ sekunder innan du ber om en ny kod/);
    ctx.clock.advance(61_000);
    const resent = await browser.post('/sign-in/second-step/resend', {});
    assert.equal(resent.status, 200);
    assert.match(resent.body, /Vi har skickat en ny kod/);
    const second = await lastSentCode(ctx.services.outbox, 'sms');
    const wrong = await browser.post('/sign-in/second-step', { code: second.code === '999999' ? '999998' : '999999' });
    assert.match(wrong.body, /Koden stämmer inte. Du har \d+ försök kvar/);
    const ok = await browser.post('/sign-in/second-step', { code: second.code });
    assert.equal(ok.location, '/account');
  });

  it('methodsRequired 2 asks for two different methods, and "use another method" switches', async () => {
    ctx = await createTwoStepContext({ securityInfo: { methodsRequired: 2, firstRegistration: { zones: ['office'] } } });
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    const secret = await registerAuthenticator(browser, ctx.clock);
    await registerPhone(browser);
    await signOutAndIn(browser, { wait: 61_000 });
    const first = await browser.get('/sign-in/second-step');
    assert.match(first.body, /Metod 1 av 2/);
    assert.match(first.body, /Ange koden från autentiseringsappen/);
    const choose = await browser.get('/sign-in/second-step/methods');
    assert.match(choose.body, /Sms-kod till \+46 70 \*\*\* \*\* 67/);
    assert.doesNotMatch(mainOf(choose.body), /Kod från autentiseringsappen/);
    assert.equal((await browser.post('/sign-in/second-step/methods', { method: 'no-such-method' })).status, 400);
    const step1 = await browser.post('/sign-in/second-step', { code: oathtoolCode(secret, ctx.clock) });
    assert.equal(step1.location, '/sign-in/second-step', 'one more method to go');
    assert.equal((await browser.get('/account')).location, '/sign-in/second-step');
    const second = await browser.get('/sign-in/second-step');
    assert.match(second.body, /Metod 2 av 2/);
    assert.match(second.body, /Din organisation kräver två olika metoder/);
    const { code } = await lastSentCode(ctx.services.outbox, 'sms');
    assert.equal((await browser.post('/sign-in/second-step', { code })).location, '/account');
  });

  it('signs in with a recovery code, once', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    await registerAuthenticator(browser, ctx.clock);
    await browser.get('/account/security-info');
    const codesPage = await browser.post('/account/security-info/recovery-codes', {});
    const codes = [...codesPage.body.matchAll(/class="recovery-codes__code">([^<]+)</g)].map((m) => m[1] as string);
    assert.equal(codes.length, 10);
    await signOutAndIn(browser);
    const choose = await browser.get('/sign-in/second-step/methods');
    const recoveryId = /name="method" value="([^"]+)"\/><button type="submit" class="button button--secondary">Återställningskod</.exec(
      choose.body,
    )?.[1];
    assert.ok(recoveryId, 'recovery codes are offered');
    assert.equal((await browser.post('/sign-in/second-step/methods', { method: recoveryId })).location, '/sign-in/second-step');
    const page = await browser.get('/sign-in/second-step');
    assert.match(page.body, /Ange en återställningskod/);
    assert.doesNotMatch(page.body, /inputmode="numeric"/);
    assert.match(
      (await browser.post('/sign-in/second-step', { code: "abc'; DROP TABLE x" })).body,
      /Skriv återställningskoden som den står/,
    );
    assert.equal((await browser.post('/sign-in/second-step', { code: codes[0] as string })).location, '/account');
    await signOutAndIn(browser);
    await browser.post('/sign-in/second-step/methods', { method: recoveryId });
    const reused = await browser.post('/sign-in/second-step', { code: codes[0] as string });
    assert.match(reused.body, /Återställningskoden stämmer inte eller har redan använts/);
  });

  it('holds the attempt limit and says so in the form', async () => {
    ctx = await createTwoStepContext({ rateLimits: { signInPerAccount: { limit: 4, windowMinutes: 15 } } });
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    const secret = await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    const right = oathtoolCode(secret, ctx.clock);
    const wrong = right === '000000' ? '111111' : '000000';
    // Four attempts in the window; the fifth is refused however right it is.
    for (let i = 0; i < 4; i++) assert.equal((await browser.post('/sign-in/second-step', { code: wrong })).status, 400);
    const limited = await browser.post('/sign-in/second-step', { code: right });
    assert.equal(limited.status, 429);
    assert.match(limited.body, /Det har gjorts för många försök. Vänta \d+ minuter/);
    assert.match(limited.body, /name="code"/, 'the answer is the form, with the message');
    assert.equal((await browser.get('/account')).location, '/sign-in/second-step');
  });

  it('lets a helpdesk pass stand in for lost methods', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    const page = await browser.get('/sign-in/second-step/pass');
    assert.match(page.body, /Ange ditt engångspass/);
    assert.equal((await browser.post('/sign-in/second-step/pass', { pass: 'NOT-THE-PASS' })).status, 400);
    const pass = await ctx.services.securityInfo.issuePass(ctx.account.id, { singleUse: true, validMinutes: 60, issuedBy: 'helpdesk' });
    assert.equal((await browser.post('/sign-in/second-step/pass', { pass })).location, '/account');
    // The pass is a fresh second step: changes are allowed at once.
    assert.equal((await browser.get('/account/security-info/add')).status, 200);
  });

  it('refuses every POST without the CSRF token', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    assert.equal((await browser.post('/sign-in/register/later', { _csrf: null })).status, 403);
    await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    for (const path of [
      '/sign-in/second-step',
      '/sign-in/second-step/resend',
      '/sign-in/second-step/methods',
      '/sign-in/second-step/pass',
    ]) {
      const res = await browser.post(path, { _csrf: null, code: '123456', method: 'x', pass: 'x' });
      assert.equal(res.status, 403, path);
      const forged = await browser.post(path, { _csrf: 'forged-token', code: '123456' });
      assert.equal(forged.status, 403, path);
    }
    assert.equal((await browser.get('/account')).location, '/sign-in/second-step', 'still only password verified');
  });

  it('speaks English', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await browser.get('/?lang=en');
    await signInWithPassword(browser);
    const register = await browser.get('/sign-in/register');
    assert.match(register.body, /<html lang="en">/);
    assert.match(register.body, /Protect your account/);
    assert.match(register.body, /Ask me later/);
    await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    const step = await browser.get('/sign-in/second-step');
    assert.match(step.body, /Enter the code from your authenticator app/);
    const bad = await browser.post('/sign-in/second-step', { code: 'abc' });
    assert.match(bad.body, /The code can only contain digits/);
    assert.match(bad.body, /<title>Error: /);
    assert.match((await browser.get('/sign-in/second-step/methods')).body, /Choose another method/);
    assert.match((await browser.get('/sign-in/second-step/pass')).body, /Enter your one-time pass/);
  });

  it('does the second step before a required password change', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    const secret = await registerAuthenticator(browser, ctx.clock);
    await ctx.services.embeddedDirectory?.requireChange(ctx.account.id);
    await signOutAndIn(browser);
    assert.equal((await browser.get('/account/password')).location, '/sign-in/second-step', 'no password change before the second step');
    const done = await browser.post('/sign-in/second-step', { code: oathtoolCode(secret, ctx.clock) });
    assert.equal(done.location, '/account/password');
    assert.equal((await browser.get('/account')).location, '/account/password', 'then the change comes first');
  });

  it('treats tampered two-step session data as signed out', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    const token = browser.cookies.get('nyckel_session') ?? '';
    const record = await ctx.services.store.getSession(sha256(token));
    assert.ok(record);
    const pending = record.data.secondStep as { state: Record<string, unknown> };
    // Someone with write access to the session table tries to skip the step: the data no longer parses.
    await ctx.services.store.touchSession(sha256(token), ctx.clock.now(), {
      ...record.data,
      secondStep: { ...pending, state: { ...pending.state, required: 0 } },
    });
    assert.equal((await browser.get('/account')).location, '/sign-in');
    assert.equal(await ctx.services.store.getSession(sha256(token)), null, 'the session is gone');
  });

  it('ends a half-done sign-in after its time runs out', async () => {
    ctx = await createTwoStepContext();
    const browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
    await registerAuthenticator(browser, ctx.clock);
    await signOutAndIn(browser);
    ctx.clock.advance(11 * 60_000);
    assert.equal((await browser.get('/sign-in/second-step')).location, '/sign-in');
  });
});
