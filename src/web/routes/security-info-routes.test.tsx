// The security-info pages through the whole app in-process (app.request()) with the real backend
// on SQLite: every page in both languages, adding an authenticator app, a phone and a private
// e-mail address with their errors, the fresh second step every change needs, the default
// method, removal, recovery codes, CSRF on every form and hostile input.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TestBrowser, TestContext } from '../test-harness.ts';
import {
  browserFrom,
  createTwoStepContext,
  lastSentCode,
  OFFICE_IP,
  oathtoolCode,
  registerAuthenticator,
  secretFromPage,
  signInWithPassword,
} from './second-step.test-support.ts';
import { composePhoneInput } from './security-info-routes.tsx';

const MINUTE = 60_000;

function idsOf(body: string): string[] {
  return [...body.matchAll(/remove\?method=([^"&]+)"/g)].map((m) => decodeURIComponent(m[1] as string));
}

describe('security info pages', () => {
  let ctx: TestContext;
  let browser: TestBrowser;

  beforeEach(async () => {
    ctx = await createTwoStepContext();
    browser = browserFrom(ctx, OFFICE_IP);
    await signInWithPassword(browser);
  });
  afterEach(async () => {
    await ctx.close();
  });

  it('lists no methods, offers every kind, and links to adding a passkey', async () => {
    const page = await browser.get('/account/security-info');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Säkerhetsinformation<\/h1>/);
    assert.match(page.body, /Du har inte lagt till någon inloggningsmetod ännu/);
    assert.match(page.body, /href="\/account\/security-info\/passkey\/new">Lägg till nyckel \(passkey\)/);
    const add = await browser.get('/account/security-info/add');
    for (const href of ['authenticator', 'phone', 'email', 'passkey/new'])
      assert.match(add.body, new RegExp(`href="/account/security-info/${href}"`));
  });

  it('adds an authenticator app only with a right code', async () => {
    const page = await browser.get('/account/security-info/authenticator');
    assert.match(page.body, /<svg/);
    assert.match(page.body, /role="img" aria-label="QR-kod som lägger till kontot/);
    assert.match(page.body, /Microsoft Authenticator/);
    assert.match(page.body, /Google Authenticator/);
    const secret = secretFromPage(page.body);
    assert.match(secret, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'grouped in fours for reading aloud');
    assert.match(page.body, /inputmode="numeric"/);
    for (const code of ['', 'abcdef', '1'.repeat(100_000 / 2), "0' OR 1=1"]) {
      const res = await browser.post('/account/security-info/authenticator', { code });
      assert.equal(res.status, 400);
      assert.doesNotMatch(res.body, /<svg/, 'the secret is not shown again');
    }
    const right = oathtoolCode(secret, ctx.clock);
    const wrong = await browser.post('/account/security-info/authenticator', { code: right === '000000' ? '111111' : '000000' });
    assert.match(wrong.body, /Koden stämmer inte/);
    const ok = await browser.post('/account/security-info/authenticator', { code: right });
    assert.match(ok.location ?? '', /^\/account\/security-info\/done\?method=/);
    const done = await browser.get(ok.location ?? '');
    assert.match(done.body, /Verifieringen är klar/);
    assert.match(done.body, /Autentiseringsappen är registrerad/);
    const list = await browser.get('/account/security-info');
    assert.match(list.body, /Autentiseringsapp<span class="method-list__default"> \(standard\)/);
    assert.doesNotMatch(list.body, new RegExp(secret.replace(/ /g, '')), 'the secret is never shown in the list');
  });

  it('adds a mobile phone: Sverige preselected, errors for bad numbers, the code sent and typed back', async () => {
    const page = await browser.get('/account/security-info/phone');
    assert.match(page.body, /<option value="SE" selected="">Sverige \(\+46\)<\/option>/);
    assert.match(page.body, /Utan landsnummer/);
    for (const [number, message] of [
      ['', /Ange ditt mobilnummer/],
      ['hej', /Det är inte ett giltigt mobilnummer/],
      ["070' OR '1'='1", /Det är inte ett giltigt mobilnummer/],
      ['08-123 456 78', /fast telefonnummer/],
      ['+47 412 34 567', /Vi kan inte skicka sms till nummer i det landet/],
      ['0'.repeat(40), /Numret är för långt/],
    ] as const) {
      const res = await browser.post('/account/security-info/phone', { country: 'SE', number });
      assert.equal(res.status, 400, number);
      assert.match(res.body, message, number);
    }
    assert.match(
      (await browser.post('/account/security-info/phone', { country: 'XX', number: '0701234567' })).body,
      /Välj ett land i listan/,
    );
    const sent = await browser.post('/account/security-info/phone', { country: 'SE', number: '070-123 45 67' });
    assert.equal(sent.location, '/account/security-info/phone/code');
    const codePage = await browser.get('/account/security-info/phone/code');
    assert.match(codePage.body, /Vi har skickat en sexsiffrig kod till \+46 70 \*\*\* \*\* 67/);
    const { to, code } = await lastSentCode(ctx.services.outbox, 'sms');
    assert.equal(to, '+46701234567');
    assert.equal((await browser.post('/account/security-info/phone/code', { code: '12' })).status, 400);
    const wrong = await browser.post('/account/security-info/phone/code', { code: code === '999999' ? '999998' : '999999' });
    assert.match(wrong.body, /Du har \d+ försök kvar/);
    const ok = await browser.post('/account/security-info/phone/code', { code });
    const done = await browser.get(ok.location ?? '');
    assert.match(done.body, /Verifieringen är klar/);
    assert.match(done.body, /Ditt mobilnummer \+46 70 \*\*\* \*\* 67 är registrerat/);
  });

  it('resends the phone code after the cooldown', async () => {
    await browser.get('/account/security-info/phone');
    await browser.post('/account/security-info/phone', { country: 'SE', number: '0701234567' });
    await browser.get('/account/security-info/phone/code');
    assert.equal((await browser.post('/account/security-info/phone/resend', {})).status, 429);
    ctx.clock.advance(MINUTE + 1000);
    const resent = await browser.post('/account/security-info/phone/resend', {});
    assert.match(resent.body, /Vi har skickat en ny kod/);
    const { code } = await lastSentCode(ctx.services.outbox, 'sms');
    assert.match((await browser.post('/account/security-info/phone/code', { code })).location ?? '', /done/);
  });

  it('adds a private e-mail address and refuses the work address', async () => {
    await browser.get('/account/security-info/email');
    for (const [email, message] of [
      ['', /Ange din privata e-postadress/],
      ['inte-en-adress', /Ange en e-postadress i formen/],
      [`${'a'.repeat(300)}@example.org`, /E-postadressen är för lång/],
      ['anna.andersson@example.se', /Det här är din jobbadress/],
    ] as const) {
      const res = await browser.post('/account/security-info/email', { email });
      assert.equal(res.status, 400, email.slice(0, 30));
      assert.match(res.body, message);
    }
    const sent = await browser.post('/account/security-info/email', { email: 'anna.privat@example.org' });
    assert.equal(sent.location, '/account/security-info/email/code');
    assert.match(
      (await browser.get('/account/security-info/email/code')).body,
      /Vi har skickat en sexsiffrig kod till a\*\*\*@example\.org/,
    );
    const { to, code } = await lastSentCode(ctx.services.outbox, 'email');
    assert.equal(to, 'anna.privat@example.org');
    const done = await browser.get((await browser.post('/account/security-info/email/code', { code })).location ?? '');
    assert.match(done.body, /Din e-postadress a\*\*\*@example\.org är registrerad/);
  });

  it('needs a fresh second step for every change, then comes back', async () => {
    const secret = await registerAuthenticator(browser, ctx.clock);
    // Right after registering, changes are allowed; eleven minutes later they are not.
    assert.equal((await browser.get('/account/security-info/add')).status, 200);
    ctx.clock.advance(11 * MINUTE);
    assert.equal((await browser.get('/account/security-info/add')).location, '/account/security-info/verify');
    const verify = await browser.get('/account/security-info/verify');
    assert.match(verify.body, /Innan du ändrar din säkerhetsinformation behöver du bekräfta att det är du/);
    assert.match(verify.body, /action="\/account\/security-info\/verify"/);
    // Viewing needs no second step; the pages that change something do.
    assert.equal((await browser.get('/account/security-info')).status, 200);
    for (const path of ['/account/security-info/phone', '/account/security-info/email', '/account/security-info/authenticator']) {
      assert.equal((await browser.get(path)).location, '/account/security-info/verify', path);
    }
    assert.equal((await browser.post('/account/security-info/recovery-codes', {})).location, '/account/security-info/verify');
    await browser.get('/account/security-info/verify');
    const back = await browser.post('/account/security-info/verify', { code: oathtoolCode(secret, ctx.clock) });
    assert.equal(back.location, '/account/security-info');
    assert.equal((await browser.get('/account/security-info/add')).status, 200);
  });

  it('changes the default method and removes a method after confirmation', async () => {
    await registerAuthenticator(browser, ctx.clock);
    // Listed in the order added: a second later, so the order is certain.
    ctx.clock.advance(1000);
    await browser.get('/account/security-info/email');
    await browser.post('/account/security-info/email', { email: 'anna.privat@example.org' });
    await browser.post('/account/security-info/email/code', { code: (await lastSentCode(ctx.services.outbox, 'email')).code });
    const list = await browser.get('/account/security-info');
    const [totpId, emailId] = idsOf(list.body);
    assert.ok(totpId && emailId);
    const changed = await browser.post('/account/security-info/default', { method: emailId });
    assert.equal(changed.location, '/account/security-info');
    const after = await browser.get('/account/security-info');
    assert.match(after.body, /Standardmetoden är ändrad/);
    assert.match(after.body, /Privat e-post<span class="method-list__default"> \(standard\)/);
    // Someone else's or a made-up id changes nothing.
    await browser.post('/account/security-info/default', { method: "1' OR '1'='1" });
    assert.match((await browser.get('/account/security-info')).body, /Privat e-post<span class="method-list__default">/);

    const confirm = await browser.get(`/account/security-info/remove?method=${encodeURIComponent(emailId)}`);
    assert.match(confirm.body, /Vill du ta bort Privat e-post a\*\*\*@example\.org\?/);
    const removed = await browser.post('/account/security-info/remove', { method: emailId });
    assert.equal(removed.location, '/account/security-info');
    const rest = await browser.get('/account/security-info');
    assert.match(rest.body, /Inloggningsmetoden är borttagen/);
    assert.deepEqual(idsOf(rest.body), [totpId]);
    // The last method can't go while policy requires one.
    const last = await browser.post('/account/security-info/remove', { method: totpId });
    assert.equal(last.location, '/account/security-info');
    const still = await browser.get('/account/security-info');
    assert.match(still.body, /role="alert"><p>Metoden kunde inte tas bort/);
    assert.deepEqual(idsOf(still.body), [totpId]);
  });

  it('shows recovery codes once, for printing, and regenerates them', async () => {
    await browser.get('/account/security-info');
    const before = await browser.post('/account/security-info/recovery-codes', {});
    assert.equal(before.location, '/account/security-info', 'not as the only method');
    await registerAuthenticator(browser, ctx.clock);
    await browser.get('/account/security-info');
    const page = await browser.post('/account/security-info/recovery-codes', {});
    assert.equal(page.status, 200);
    const codes = [...page.body.matchAll(/class="recovery-codes__code">([^<]+)</g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.match(page.body, /Jag har sparat koderna/);
    assert.match(page.body, /class="no-print"/);
    const list = await browser.get('/account/security-info');
    assert.match(list.body, /Dina nya återställningskoder gäller nu/);
    assert.match(list.body, /10 oanvända koder kvar/);
    assert.doesNotMatch(list.body, new RegExp(codes[0] as string), 'never shown again');
    assert.match(list.body, /Skapa nya återställningskoder/);
    const again = await browser.post('/account/security-info/recovery-codes', {});
    const fresh = [...again.body.matchAll(/class="recovery-codes__code">([^<]+)</g)].map((m) => m[1]);
    assert.notDeepEqual(fresh, codes);
  });

  it('refuses every POST without the CSRF token', async () => {
    await registerAuthenticator(browser, ctx.clock);
    await browser.get('/account/security-info');
    const paths = [
      '/account/security-info/authenticator',
      '/account/security-info/phone',
      '/account/security-info/phone/code',
      '/account/security-info/phone/resend',
      '/account/security-info/email',
      '/account/security-info/email/code',
      '/account/security-info/email/resend',
      '/account/security-info/default',
      '/account/security-info/remove',
      '/account/security-info/recovery-codes',
      '/account/security-info/pass',
      '/account/security-info/verify',
    ];
    const methodsBefore = idsOf((await browser.get('/account/security-info')).body);
    for (const path of paths) {
      assert.equal((await browser.post(path, { _csrf: null, method: methodsBefore[0] ?? '' })).status, 403, path);
      assert.equal((await browser.post(path, { _csrf: 'x'.repeat(43), method: methodsBefore[0] ?? '' })).status, 403, path);
      // A cross-site form post is refused even with the right token (Fetch Metadata).
      assert.equal((await browser.post(path, { method: methodsBefore[0] ?? '' }, { 'sec-fetch-site': 'cross-site' })).status, 403, path);
    }
    assert.deepEqual(idsOf((await browser.get('/account/security-info')).body), methodsBefore, 'nothing changed');
  });

  it('renders every page in English', async () => {
    await browser.get('/account/security-info?lang=en');
    const pages: [string, RegExp][] = [
      ['/account/security-info', /<h1>Security info<\/h1>/],
      ['/account/security-info/add', /Add a sign-in method/],
      ['/account/security-info/authenticator', /Set up your authenticator app/],
      ['/account/security-info/phone', /<option value="SE" selected="">Sweden \(\+46\)/],
      ['/account/security-info/email', /Private email address/],
    ];
    for (const [path, pattern] of pages) {
      const res = await browser.get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.body, /<html lang="en">/);
      assert.match(res.body, pattern, path);
    }
    const bad = await browser.post('/account/security-info/phone', { country: 'SE', number: '08-123 456 78' });
    assert.match(bad.body, /The number looks like a landline/);
    await registerAuthenticator(browser, ctx.clock);
    const account = await browser.get('/account');
    assert.match(account.body, /You have one sign-in method/);
    assert.match(account.body, /href="\/account\/security-info">Manage security info/);
  });

  it('is only for signed-in users', async () => {
    await browser.get('/sign-in/register');
    assert.equal((await browser.post('/sign-out', {})).location, '/?signedOut=1');
    for (const path of [
      '/account/security-info',
      '/account/security-info/add',
      '/account/security-info/phone',
      '/account/security-info/verify',
    ]) {
      assert.equal((await browser.get(path)).location, '/sign-in', path);
    }
  });
});

describe('phone input for another country', () => {
  it('adds the calling code and drops the trunk 0, keeps typed international numbers', () => {
    assert.equal(composePhoneInput('SE', '070-123 45 67', 'SE'), '070-123 45 67');
    assert.equal(composePhoneInput('NO', '412 34 567', 'SE'), '+47 412 34 567');
    assert.equal(composePhoneInput('DE', '0151 2345 6789', 'SE'), '+49 151 2345 6789');
    assert.equal(composePhoneInput('DE', '+46 70 123 45 67', 'SE'), '+46 70 123 45 67');
    assert.equal(composePhoneInput('IT', '0612345678', 'SE'), '+39 0612345678');
  });
});
