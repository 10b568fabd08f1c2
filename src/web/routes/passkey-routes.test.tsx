// The passkey pages through the whole app in-process (app.request()) with the real backend on
// SQLite and a software authenticator: adding a passkey tells the user's other channels and is
// audited; a passkey registered to another account gets a clear message; failed passkey
// sign-ins are limited per account and per address with the 429 the code methods give; a
// passkey counts as one kind when policy asks for two.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { catalogs } from '../../i18n/catalog.ts';
import { savePasskeyRecord } from '../../methods/passkey.ts';
import { SoftAuthenticator } from '../../methods/soft-authenticator.test-support.ts';
import { PASSKEY_NAME_FIELD } from '../pages/passkey-register-page.tsx';
import { TEST_PASSWORD, type TestBrowser, type TestContext } from '../test-harness.ts';
import { browserFrom, createTwoStepContext, lastSentCode, OFFICE_IP } from './second-step.test-support.ts';

const t = catalogs.sv;
const ORIGIN = 'http://localhost';
const RP_ID = 'localhost';
const PRIVATE_EMAIL = 'anna.privat@example.org';
const MINUTE = 60_000;

/** The WebAuthn options the page hands its script (the data-options attribute, HTML-unescaped). */
function challengeOf(body: string): string {
  const raw = /data-options="([^"]*)"/.exec(body)?.[1];
  assert.ok(raw, 'the page carries WebAuthn options');
  const json = raw
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return (JSON.parse(json) as { challenge: string }).challenge;
}

interface Setup {
  ctx: TestContext;
  browser: TestBrowser;
}

/** A two-step portal whose account has a private e-mail address (the "other channel"), signed in through the second step. */
async function signedInWithEmailMethod(extra: Record<string, unknown> = {}): Promise<Setup> {
  const ctx = await createTwoStepContext(extra);
  const { securityInfo, outbox } = ctx.services;
  const sent = await securityInfo.startEmailEnrollment(ctx.account.id, PRIVATE_EMAIL, { ip: OFFICE_IP, language: 'sv' });
  assert.ok(sent.ok);
  const enrolled = await securityInfo.completeCodeEnrollment(ctx.account.id, sent.challengeId, (await lastSentCode(outbox, 'email')).code);
  assert.ok(enrolled.ok);
  const browser = browserFrom(ctx, OFFICE_IP);
  await signInThroughEmail(ctx, browser);
  return { ctx, browser };
}

async function signInThroughEmail(ctx: TestContext, browser: TestBrowser): Promise<void> {
  const signedIn = await browser.signIn('anna.andersson', TEST_PASSWORD);
  assert.equal(signedIn.location, '/sign-in/second-step');
  ctx.clock.advance(MINUTE); // past the resend cooldown of the last code
  assert.equal((await browser.get('/sign-in/second-step')).status, 200);
  const done = await browser.post('/sign-in/second-step', { code: (await lastSentCode(ctx.services.outbox, 'email')).code });
  assert.equal(done.status, 303);
  assert.equal(done.location, '/account');
}

async function addPasskey(browser: TestBrowser, authenticator: SoftAuthenticator, name = 'Min laptop') {
  const page = await browser.get('/account/security-info/passkey/new');
  assert.equal(page.status, 200);
  const credential = await authenticator.register({ challenge: challengeOf(page.body), origin: ORIGIN, rpId: RP_ID });
  return browser.post('/account/security-info/passkey/new', { [PASSKEY_NAME_FIELD]: name, credential });
}

/** Opens the passkey sign-in page and answers it (`valid` false: an answer over another challenge). */
async function answerPasskeySignIn(browser: TestBrowser, authenticator: SoftAuthenticator, valid = true) {
  const page = await browser.get('/sign-in/passkey');
  assert.equal(page.status, 200, `${page.location} ${page.body.slice(0, 3000)}`);
  const challenge = valid ? challengeOf(page.body) : 'bm90LXRoZS1jaGFsbGVuZ2U';
  const credential = await authenticator.assert({ challenge, origin: ORIGIN, rpId: RP_ID });
  return browser.post('/sign-in/passkey', { credential });
}

describe('passkey pages', () => {
  let setup: Setup | undefined;
  afterEach(async () => {
    await setup?.ctx.close();
    setup = undefined;
  });

  it('adds a passkey through the service: stored, audited, and the other channels told', async () => {
    setup = await signedInWithEmailMethod();
    const { ctx, browser } = setup;
    const before = (await ctx.services.outbox.read(100)).length;
    const added = await addPasskey(browser, new SoftAuthenticator());
    assert.equal(added.status, 303);
    assert.equal(added.location, '/account/security-info');
    const methods = await ctx.services.securityInfo.listMethods(ctx.account.id);
    assert.deepEqual(
      methods.map((m) => [m.kind, m.label]),
      [
        ['email', ''],
        ['passkey', 'Min laptop'],
      ],
    );

    const all = await ctx.services.outbox.read(100); // newest first
    const notices = all.slice(0, all.length - before);
    const toPrivate = notices.filter((m) => m.to === PRIVATE_EMAIL);
    assert.equal(toPrivate.length, 1, 'one notice to the private address');
    assert.match(toPrivate[0]?.text ?? '', /nyckel|passkey/i);
    assert.doesNotMatch(toPrivate[0]?.text ?? '', /\b\d{6}\b/, 'a notice carries no code');

    const [enrolled] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'security_info.passkey_enrolled', limit: 5 });
    assert.equal(enrolled?.outcome, 'success');
    assert.equal(enrolled?.ip, OFFICE_IP);
    assert.equal(enrolled?.detail.methodId, methods[1]?.id);
    const [notified] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'security_info.change_notified', limit: 1 });
    assert.deepEqual(notified?.detail, { change: 'added', kind: 'passkey', channels: 1 });
  });

  it('shows a clear message, not the error page, for a passkey registered to another account', async () => {
    setup = await signedInWithEmailMethod();
    const { ctx, browser } = setup;
    const authenticator = new SoftAuthenticator();
    const other = await ctx.services.embeddedDirectory?.createAccount({ username: 'bo.berg', displayName: 'Bo Berg' });
    assert.ok(other);
    const held = await savePasskeyRecord(
      ctx.services.store.db,
      ctx.services.store.dialect,
      other.id,
      {
        credentialId: Buffer.from(authenticator.credentialId).toString('base64url'),
        publicKey: new Uint8Array(77),
        counter: 0,
        transports: [],
        name: 'Bo',
        deviceType: 'singleDevice',
        backedUp: false,
      },
      ctx.clock.now(),
    );
    assert.equal(held.ok, true);
    const before = (await ctx.services.outbox.read(100)).length;

    const refused = await addPasskey(browser, authenticator);
    assert.equal(refused.status, 400);
    assert.ok(refused.body.includes(t.passkey.usedByAnotherAccount), 'the registration page says why');
    assert.match(refused.body, /data-options=/, 'and offers a new try');
    assert.deepEqual(
      (await ctx.services.securityInfo.listMethods(ctx.account.id)).map((m) => m.kind),
      ['email'],
    );
    assert.equal((await ctx.services.outbox.read(100)).length, before, 'nothing added, nobody notified');
    const [audit] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'security_info.passkey_enrolled', limit: 1 });
    assert.equal(audit?.outcome, 'refused');
    assert.equal(audit?.detail.reason, 'credential_in_use');
  });

  it('limits failed passkey sign-ins per account with the 429 the code methods give', async () => {
    setup = await signedInWithEmailMethod({ rateLimits: { signInPerAccount: { limit: 3, windowMinutes: 5 } } });
    const { ctx, browser } = setup;
    const authenticator = new SoftAuthenticator();
    assert.equal((await addPasskey(browser, authenticator)).status, 303);
    await browser.post('/sign-out', {});
    const signedIn = await browser.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(signedIn.location, '/sign-in/second-step');

    // The password sign-in counted once on the account's budget (it is shared with the code attempts); two failures use it up.
    for (let i = 0; i < 2; i++) assert.equal((await answerPasskeySignIn(browser, authenticator, false)).status, 400);
    const limited = await answerPasskeySignIn(browser, authenticator, true);
    assert.equal(limited.status, 429, 'even a good answer waits while the limit holds');
    const waits = [1, 2, 3, 4, 5].map((minutes) => t.secondStep.rateLimited(minutes));
    assert.ok(
      waits.some((text) => limited.body.includes(text)),
      'the same message as the code methods',
    );
    const [refusal] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'passkey_sign_in', limit: 1 });
    assert.deepEqual([refusal?.outcome, refusal?.detail.reason], ['refused', 'rate_limited']);

    // The next window (the pending second step itself lasts 10 minutes).
    ctx.clock.advance(5 * MINUTE);
    const done = await answerPasskeySignIn(browser, authenticator, true);
    assert.equal(done.status, 303);
    assert.equal(done.location, '/account');
  });

  it('limits failed passkey sign-ins per client address', async () => {
    setup = await signedInWithEmailMethod({
      rateLimits: { signInPerAccount: { limit: 100, windowMinutes: 15 }, signInPerIp: { limit: 2, windowMinutes: 15 } },
    });
    const { ctx, browser } = setup;
    const authenticator = new SoftAuthenticator();
    assert.equal((await addPasskey(browser, authenticator)).status, 303);
    await browser.post('/sign-out', {});
    ctx.clock.advance(15 * MINUTE); // a fresh window for the password sign-in's own per-address limit
    assert.equal((await browser.signIn('anna.andersson', TEST_PASSWORD)).location, '/sign-in/second-step');
    for (let i = 0; i < 2; i++) assert.equal((await answerPasskeySignIn(browser, authenticator, false)).status, 400);
    const limited = await answerPasskeySignIn(browser, authenticator, true);
    assert.equal(limited.status, 429);
    // Another address is not held back by this one's failures.
    const elsewhere = browserFrom(ctx, '10.99.0.1');
    for (const [name, value] of browser.cookies) elsewhere.cookies.set(name, value);
    elsewhere.csrf = browser.csrf;
    assert.equal((await answerPasskeySignIn(elsewhere, authenticator, true)).status, 303);
  });

  it('counts a passkey as one kind when policy asks for two, then asks for the other', async () => {
    setup = await signedInWithEmailMethod({ securityInfo: { methodsRequired: 2 } });
    const { ctx, browser } = setup;
    const authenticator = new SoftAuthenticator();
    assert.equal((await addPasskey(browser, authenticator)).status, 303);
    await browser.post('/sign-out', {});
    assert.equal((await browser.signIn('anna.andersson', TEST_PASSWORD)).location, '/sign-in/second-step');
    const afterPasskey = await answerPasskeySignIn(browser, authenticator, true);
    assert.equal(afterPasskey.status, 303);
    assert.equal(afterPasskey.location, '/sign-in/second-step', 'the e-mail code is still needed');
    assert.equal((await browser.get('/account')).location, '/sign-in/second-step', 'not signed in yet');
    ctx.clock.advance(MINUTE);
    assert.equal((await browser.get('/sign-in/second-step')).status, 200);
    const done = await browser.post('/sign-in/second-step', { code: (await lastSentCode(ctx.services.outbox, 'email')).code });
    assert.equal(done.location, '/account');
  });
});
