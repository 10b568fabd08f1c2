// The helpdesk pages through the whole app in-process (app.request()) on SQLite with the embedded
// directory: finding a user (and the per-session search limit), the user page in both languages,
// verifying a caller by SMS and by authenticator app (wrong codes, too many attempts, a tampered
// challenge), and each action with its reason: unlock, require a change (sessions end), issue a
// pass (shown once, never stored or logged in clear, and it works), remove a method (refused for
// the last one), plus an unreachable directory (nothing changes) and a privileged account.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DirectoryAccount } from '../../../directory/directory.ts';
import { NyckelError } from '../../../domain/errors.ts';
import { browserFrom, lastSentCode, OFFICE_IP, oathtoolCode } from '../../routes/second-step.test-support.ts';
import { TEST_PASSWORD, type TestBrowser, type TestContext } from '../../test-harness.ts';
import { createStaffContext, giveMethods, STAFF_USERNAME, signInStaff, userPath } from './helpdesk.test-support.ts';
import { SEARCH_LIMIT } from './helpdesk-routes.tsx';

const enc = encodeURIComponent;

async function auditOf(ctx: TestContext, type: string) {
  return ctx.services.store.listAudit({ type, limit: 50 });
}

async function idsByKind(ctx: TestContext, user: DirectoryAccount): Promise<{ smsId: string; totpId: string }> {
  const methods = await ctx.services.securityInfo.listMethods(user.id);
  const smsId = methods.find((m) => m.kind === 'sms')?.id;
  const totpId = methods.find((m) => m.kind === 'totp')?.id;
  assert.ok(smsId && totpId);
  return { smsId, totpId };
}

/** The method ids on the user page, by the "verify" and "remove" links. */
function methodIds(body: string): string[] {
  return [...new Set([...body.matchAll(/remove-method\?id=[^"&]+&amp;method=([^"&]+)"/g)].map((m) => decodeURIComponent(m[1] as string)))];
}

describe('helpdesk pages', () => {
  let ctx: TestContext;
  let user: DirectoryAccount;
  let browser: TestBrowser;

  beforeEach(async () => {
    ({ ctx } = await createStaffContext());
    user = ctx.account;
    ({ browser } = await signInStaff(ctx));
  });
  afterEach(async () => {
    await ctx.close();
  });

  it('finds a user by username or e-mail, says clearly when there is none, and escapes nothing into a 500', async () => {
    const page = await browser.get('/admin/helpdesk');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>IT-support<\/h1>/);
    assert.match(page.body, /aria-current="page">IT-support</);
    const empty = await browser.post('/admin/helpdesk', { identifier: '  ' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /Skriv ett användarnamn eller en e-postadress/);
    const missing = await browser.post('/admin/helpdesk', { identifier: 'ingen.alls' });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Det finns inget konto med användarnamnet eller e-postadressen ”ingen.alls”/);
    for (const hostile of ['*)(uid=*', '<script>alert(1)</script>', "' OR 1=1 --"]) {
      const res = await browser.post('/admin/helpdesk', { identifier: hostile });
      assert.equal(res.status, 404, hostile);
      assert.ok(!res.body.includes('<script>alert'), 'the term is escaped');
    }
    assert.equal((await browser.post('/admin/helpdesk', { identifier: 'x'.repeat(300) })).status, 400);
    const byName = await browser.post('/admin/helpdesk', { identifier: 'anna.andersson' });
    assert.equal(byName.status, 303);
    assert.equal(byName.location, userPath(user));
    const byMail = await browser.post('/admin/helpdesk', { identifier: 'Anna.Andersson@example.se' });
    assert.equal(byMail.location, userPath(user));
    const [found] = await auditOf(ctx, 'helpdesk.search');
    assert.equal(found?.subject, user.id);
    assert.equal(found?.detail.agent, STAFF_USERNAME);
  });

  it('limits searches per staff session and audits the refusal', async () => {
    for (let i = 0; i < SEARCH_LIMIT.limit; i++) {
      const res = await browser.post('/admin/helpdesk', { identifier: `nobody.${i}` });
      assert.equal(res.status, 404);
    }
    const limited = await browser.post('/admin/helpdesk', { identifier: 'anna.andersson' });
    assert.equal(limited.status, 429);
    assert.match(limited.body, /Du har sökt många gånger på kort tid/);
    assert.equal(limited.location, null, 'no result while limited, even for an account that exists');
    const refused = (await auditOf(ctx, 'helpdesk.search')).filter((e) => e.outcome === 'refused');
    assert.equal(refused.length, 1);
    ctx.clock.advance(SEARCH_LIMIT.windowMinutes * 60_000 + 1000);
    // The staff area asks for the second step again after an hour; within the window it just works.
    assert.equal((await browser.post('/admin/helpdesk', { identifier: 'anna.andersson' })).status, 303);
  });

  it('shows the user page: details, lock state, methods masked, recent events in plain words, in sv and en', async () => {
    await giveMethods(ctx, user);
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory);
    for (let i = 0; i < 5; i++) await directory.authenticate('anna.andersson', 'fel-lösenord');
    const page = await browser.get(userPath(user));
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Anna Andersson<\/h1>/);
    assert.match(page.body, /<dt>Användarnamn<\/dt><dd>anna.andersson<\/dd>/);
    assert.match(page.body, /<dt>Förvaltning<\/dt><dd>IT<\/dd>/);
    assert.match(page.body, /<dt>Låst<\/dt><dd>Ja, till [^<]+ \(låses upp av sig själv\)<\/dd>/);
    assert.match(page.body, /<dt>Särskilda behörigheter<\/dt><dd>Nej: självservice fungerar för kontot<\/dd>/);
    assert.match(page.body, /\+46 70 \*\*\* \*\* 67/);
    assert.ok(!page.body.includes('701234567'), 'the full number is never shown');
    assert.match(page.body, /Autentiseringsapp/);
    assert.match(page.body, /La till en autentiseringsapp/);
    assert.match(page.body, /<td>Lyckades<\/td><td>Användaren<\/td>/);
    assert.match(page.body, /Uppringaren är inte kontrollerad under den senaste timmen/);
    const en = await browser.get(`${userPath(user)}&lang=en`);
    assert.match(en.body, /<dt>Username<\/dt>/);
    assert.match(en.body, /Added an authenticator app/);
    assert.match(en.body, /Yes, until [^<]+ \(unlocks by itself\)/);
    assert.equal((await browser.get('/admin/helpdesk/user')).status, 400);
    assert.equal((await browser.get('/admin/helpdesk/user?id=%00x')).status, 400);
    const gone = await browser.get('/admin/helpdesk/user?id=no-such-account');
    assert.equal(gone.status, 404);
    assert.match(gone.body, /The account does not exist/, 'in English: the language chosen above is remembered');
  });

  it('verifies a caller with an SMS code read back, counts wrong codes, and records the result', async () => {
    await giveMethods(ctx, user);
    const ids = methodIds((await browser.get(userPath(user))).body);
    assert.equal(ids.length, 2);
    const { smsId, totpId } = await idsByKind(ctx, user);
    assert.deepEqual(new Set(ids), new Set([smsId, totpId]));
    const start = await browser.get(`/admin/helpdesk/verify?id=${enc(user.id)}&method=${enc(smsId)}`);
    assert.equal(start.status, 200);
    assert.match(start.body, /Nyckel skickar en sexsiffrig kod till Mobiltelefon \+46 70 \*\*\* \*\* 67/);
    assert.match(start.body, /<button type="submit" id="send" class="button">Skicka koden<\/button>/);
    const sent = await browser.post('/admin/helpdesk/verify/send', { id: user.id, method: smsId });
    assert.equal(sent.status, 200);
    assert.match(sent.body, /Koden är skickad till \+46 70 \*\*\* \*\* 67/);
    const challenge = /name="challenge" value="([^"]+)"/.exec(sent.body)?.[1];
    assert.ok(challenge);
    const { to, code } = await lastSentCode(ctx.services.outbox, 'sms');
    assert.equal(to, '+46701234567');
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code: wrongCode });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Koden stämmer inte\. Be den som ringer läsa upp den igen\. 4 försök kvar/);
    // A tampered or re-pointed challenge is not checked at all.
    const tampered = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge: `${challenge}0`, code });
    assert.match(tampered.body, /Ingen kod har skickats, eller sidan är för gammal/);
    const otherMethod = await browser.post('/admin/helpdesk/verify', { id: user.id, method: totpId, challenge, code: '123456' });
    assert.doesNotMatch(otherMethod.body, /Uppringaren är kontrollerad/);
    const right = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code });
    assert.equal(right.status, 200);
    assert.match(right.body, /<h1>Uppringaren är kontrollerad<\/h1>/);
    const [verified] = await auditOf(ctx, 'helpdesk.caller_verified');
    assert.equal(verified?.subject, user.id);
    assert.equal(verified?.detail.agent, STAFF_USERNAME);
    assert.equal(verified?.detail.method, 'sms');
    const [failed] = await auditOf(ctx, 'helpdesk.caller_verification_failed');
    assert.equal(failed?.detail.failure, 'wrong');
    const after = await browser.get(userPath(user));
    assert.match(after.body, /Uppringaren kontrollerades kl\. \d\d:\d\d av hanna\.help \(Mobiltelefon\)/);
    // The same code can't be used twice.
    const again = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code });
    assert.doesNotMatch(again.body, /Uppringaren är kontrollerad/);
  });

  it('stops after too many wrong codes, and verifies by the authenticator app', async () => {
    const { totpSecret } = await giveMethods(ctx, user);
    const { smsId, totpId } = await idsByKind(ctx, user);
    const sent = await browser.post('/admin/helpdesk/verify/send', { id: user.id, method: smsId });
    const challenge = /name="challenge" value="([^"]+)"/.exec(sent.body)?.[1] as string;
    const { code } = await lastSentCode(ctx.services.outbox, 'sms');
    const wrongCode = code === '000000' ? '111111' : '000000';
    let last = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code: wrongCode });
    for (let i = 0; i < 5 && last.status !== 429; i++) {
      last = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code: wrongCode });
    }
    assert.equal(last.status, 429);
    assert.match(last.body, /<h1>Uppringaren är inte kontrollerad<\/h1>/);
    assert.match(last.body, /För många försök med fel kod/);
    // Even the right code is refused now.
    const late = await browser.post('/admin/helpdesk/verify', { id: user.id, method: smsId, challenge, code });
    assert.doesNotMatch(late.body, /Uppringaren är kontrollerad/);
    assert.ok((await auditOf(ctx, 'helpdesk.caller_verification_failed')).some((e) => e.detail.failure === 'too_many_attempts'));

    const totpPage = await browser.get(`/admin/helpdesk/verify?id=${enc(user.id)}&method=${enc(totpId)}`);
    assert.match(totpPage.body, /Be den som ringer öppna sin autentiseringsapp/);
    assert.match(totpPage.body, /name="code"/);
    const bad = await browser.post('/admin/helpdesk/verify', { id: user.id, method: totpId, code: 'abc' });
    assert.equal(bad.status, 400);
    const ok = await browser.post('/admin/helpdesk/verify', { id: user.id, method: totpId, code: oathtoolCode(totpSecret, ctx.clock) });
    assert.match(ok.body, /<h1>Uppringaren är kontrollerad<\/h1>/);
    assert.match((await browser.get(userPath(user))).body, /av hanna\.help \(Autentiseringsapp\)/);
  });

  it('unlocks with a required reason, audited with the agent and the reason', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory);
    for (let i = 0; i < 5; i++) await directory.authenticate('anna.andersson', 'fel-lösenord');
    assert.equal((await directory.readState(user.id)).isLocked, true);
    const confirm = await browser.get(`/admin/helpdesk/unlock?id=${enc(user.id)}`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.body, /<label class="field__label" for="reason">Anledning<\/label>/);
    assert.match(confirm.body, /maxlength="500"/);
    const noReason = await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: ' ' });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body, /Skriv en anledning/);
    const tooLong = await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: 'x'.repeat(501) });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body, /högst 500 tecken/);
    assert.equal((await directory.readState(user.id)).isLocked, true, 'nothing changed without a reason');
    assert.equal((await auditOf(ctx, 'helpdesk.unlock')).length, 0);
    // Without the CSRF token nothing happens either.
    assert.equal((await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: 'Ärende 1', _csrf: null })).status, 403);
    assert.equal((await directory.readState(user.id)).isLocked, true);
    const done = await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: 'Ärende 4711, ringde själv' });
    assert.equal(done.status, 200);
    assert.match(done.body, /Kontot för Anna Andersson är upplåst/);
    assert.equal((await directory.readState(user.id)).isLocked, false);
    const [event] = await auditOf(ctx, 'helpdesk.unlock');
    assert.equal(event?.outcome, 'success');
    assert.equal(event?.actor, (await directory.findAccount(STAFF_USERNAME))?.id);
    assert.equal(event?.detail.agent, STAFF_USERNAME);
    assert.equal(event?.detail.reason, 'Ärende 4711, ringde själv');
    assert.match(
      (await browser.get(userPath(user))).body,
      /IT-supporten låste upp kontot<span class="helpdesk-events__reason">Anledning: Ärende 4711/,
    );
    assert.equal((await browser.post('/admin/helpdesk/user', {})).status, 405);
  });

  it('changes nothing when the directory cannot be reached, and says so in plain words', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory);
    for (let i = 0; i < 5; i++) await directory.authenticate('anna.andersson', 'fel-lösenord');
    const real = ctx.services.directory.unlock.bind(ctx.services.directory);
    ctx.services.directory.unlock = async () => {
      throw new NyckelError('directory_unavailable', 'connection refused');
    };
    try {
      const res = await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: 'Ärende 1' });
      assert.equal(res.status, 503);
      assert.match(res.body, /<h1>Ingenting ändrades<\/h1>/);
      assert.match(res.body, /Vi når inte katalogen just nu/);
    } finally {
      ctx.services.directory.unlock = real;
    }
    assert.equal((await directory.readState(user.id)).isLocked, true);
    const [event] = await auditOf(ctx, 'helpdesk.unlock');
    assert.equal(event?.outcome, 'failure');
    assert.equal(event?.detail.failure, 'directory_unavailable');
    assert.equal(event?.detail.reason, 'Ärende 1');
  });

  it('requires a password change and ends the user’s portal sessions', async () => {
    const userBrowser = browserFrom(ctx, OFFICE_IP);
    await giveMethods(ctx, user);
    // The user has a session (password step done) before the helpdesk acts.
    assert.equal((await userBrowser.signIn('anna.andersson', TEST_PASSWORD)).status, 303);
    const done = await browser.post('/admin/helpdesk/require-change', { id: user.id, reason: 'Misstänkt läckt lösenord' });
    assert.equal(done.status, 200);
    assert.match(done.body, /Anna Andersson måste byta lösenord vid nästa inloggning och har loggats ut från Nyckel \(1 session\)/);
    assert.equal((await ctx.services.directory.readState(user.id)).mustChange, true);
    assert.equal((await userBrowser.get('/account')).location, '/sign-in', 'the user’s session ended');
    const [event] = await auditOf(ctx, 'helpdesk.require_change');
    assert.equal(event?.detail.sessionsEnded, 1);
    assert.equal(event?.detail.reason, 'Misstänkt läckt lösenord');
  });

  it('issues a pass shown once, never stored or logged in clear, that lets the user past the second step', async () => {
    await giveMethods(ctx, user);
    const confirm = await browser.get(`/admin/helpdesk/issue-pass?id=${enc(user.id)}`);
    assert.match(confirm.body, /<legend class="field__label">Hur många gånger passet kan användas<\/legend>/);
    assert.equal(
      (await browser.post('/admin/helpdesk/issue-pass', { id: user.id, reason: 'Tappat telefonen', validMinutes: '5', use: 'single' }))
        .status,
      400,
    );
    assert.equal(
      (await browser.post('/admin/helpdesk/issue-pass', { id: user.id, reason: 'Tappat telefonen', validMinutes: '60', use: 'x' })).status,
      400,
    );
    const issued = await browser.post('/admin/helpdesk/issue-pass', {
      id: user.id,
      reason: 'Tappat telefonen',
      validMinutes: '60',
      use: 'single',
    });
    assert.equal(issued.status, 200);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const pass = /id="issued-pass">([^<]+)</.exec(issued.body)?.[1]?.trim();
    assert.ok(pass, 'the pass is on the page');
    assert.match(issued.body, /Passet visas bara nu/);
    const [event] = await auditOf(ctx, 'helpdesk.issue_pass');
    assert.equal(event?.detail.reason, 'Tappat telefonen');
    assert.equal(event?.detail.singleUse, true);
    const everything = JSON.stringify(await ctx.services.store.listAudit({ limit: 500 }));
    assert.ok(!everything.includes(pass), 'the pass is not in the audit log');
    assert.ok(!JSON.stringify(ctx.logs).includes(pass), 'the pass is not in the log');
    // The user signs in, can't use their methods, and gets past the second step with the pass.
    const userBrowser = browserFrom(ctx, OFFICE_IP);
    assert.equal((await userBrowser.signIn('anna.andersson', TEST_PASSWORD)).location, '/sign-in/second-step');
    await userBrowser.get('/sign-in/second-step/pass');
    const used = await userBrowser.post('/sign-in/second-step/pass', { pass });
    assert.equal(used.location, '/account');
    assert.equal((await userBrowser.get('/account')).status, 200);
    // Single use: a second sign-in can't use it again.
    const again = browserFrom(ctx, OFFICE_IP);
    await again.signIn('anna.andersson', TEST_PASSWORD);
    await again.get('/sign-in/second-step/pass');
    assert.equal((await again.post('/sign-in/second-step/pass', { pass })).status, 400);
  });

  it('removes a lost method (the user is told) but refuses the last one', async () => {
    await giveMethods(ctx, user);
    const { smsId, totpId } = await idsByKind(ctx, user);
    const confirm = await browser.get(`/admin/helpdesk/remove-method?id=${enc(user.id)}&method=${enc(smsId)}`);
    assert.match(confirm.body, /Mobiltelefon \+46 70 \*\*\* \*\* 67 tas bort från säkerhetsinformationen för Anna Andersson/);
    const before = (await ctx.services.outbox.read(100)).length;
    const removed = await browser.post('/admin/helpdesk/remove-method', { id: user.id, method: smsId, reason: 'Stulen telefon' });
    assert.equal(removed.status, 200);
    assert.match(removed.body, /Mobiltelefon \+46 70 \*\*\* \*\* 67 är borttagen/);
    const notices = (await ctx.services.outbox.read(100)).slice(0, (await ctx.services.outbox.read(100)).length - before);
    assert.ok(
      notices.some((m) => m.to === '+46701234567'),
      'the removed number hears of it',
    );
    assert.deepEqual(methodIds((await browser.get(userPath(user))).body), [totpId]);
    const last = await browser.post('/admin/helpdesk/remove-method', { id: user.id, method: totpId, reason: 'Ny telefon' });
    assert.equal(last.status, 409);
    assert.match(last.body, /den är användarens enda/);
    const events = await auditOf(ctx, 'helpdesk.remove_method');
    assert.deepEqual(
      events.map((e) => [e.outcome, e.detail.method, e.detail.reason]),
      [
        ['refused', 'totp', 'Ny telefon'],
        ['success', 'sms', 'Stulen telefon'],
      ],
    );
    assert.equal((await browser.get(`/admin/helpdesk/remove-method?id=${enc(user.id)}&method=nope`)).status, 404);
  });

  it('warns before acting on a privileged account, and still lets the helpdesk act', async () => {
    const directory = ctx.services.directory;
    const realState = directory.readState.bind(directory);
    directory.readState = async (id) => ({ ...(await realState(id)), isPrivileged: id === user.id });
    const page = await browser.get(userPath(user));
    assert.match(page.body, /Konto med särskilda behörigheter/);
    assert.match(page.body, /Ja: självservice fungerar inte för kontot/);
    assert.match((await browser.get(`/admin/helpdesk/unlock?id=${enc(user.id)}`)).body, /Konto med särskilda behörigheter/);
    assert.equal((await browser.post('/admin/helpdesk/unlock', { id: user.id, reason: 'Chef, kontrollerad' })).status, 200);
  });
});
