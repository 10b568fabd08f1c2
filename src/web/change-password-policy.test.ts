// Change password enforces Nyckel's password policy on the server before the directory is asked:
// a banned word, the user's own name, a password from the breached-password index (a small index
// built here with the import builder), each refused with the rule's text in the error summary
// and the checklist. And a directory that can't be reached: the sign-in and change-password
// forms come back with a notice and status 503, nothing changed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Directory } from '../directory/directory.ts';
import { NyckelError } from '../domain/errors.ts';
import { importBreachedPasswords } from '../passwords/breached/index-builder.ts';
import { sha1Hex } from '../security/tokens.ts';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

/** Passes every other rule; put in the breached index below. */
const BREACHED = 'Gul-Cykel-Under-Bron-7';
const GOOD = 'Sju sjösjuka sjömän på skeppet';

/** A Directory whose every call fails as an unreachable server does. */
function unreachableDirectory(real: Directory): Directory {
  const down = async () => {
    throw new NyckelError('directory_unavailable', 'connect ECONNREFUSED 127.0.0.1:636');
  };
  return {
    kind: real.kind,
    findAccount: down,
    getAccount: down,
    readState: down,
    authenticate: down,
    setPassword: down,
    changePassword: down,
    unlock: down,
    requireChange: down,
    canLock: real.canLock,
    lock: down,
    listAccounts: down,
    groupsOf: down,
    ping: down,
    close: () => real.close(),
  };
}

describe('change password: the policy enforced on the server', () => {
  let indexDir: string;
  let indexFile: string;
  let ctx: TestContext;
  let browser: TestBrowser;

  before(async () => {
    indexDir = mkdtempSync(join(tmpdir(), 'nyckel-breached-'));
    const corpus = join(indexDir, 'pwned.txt');
    // The HIBP format: SHA1:COUNT, upper-case hex; a few other hashes around it.
    const lines = [BREACHED, 'password', 'Sommar2025!!'].map((p, i) => `${sha1Hex(p).toUpperCase()}:${i + 3}`);
    writeFileSync(corpus, `${lines.join('\r\n')}\r\n`);
    indexFile = join(indexDir, 'breached.idx');
    await importBreachedPasswords({ inputs: [{ path: corpus }], output: indexFile });
  });
  after(() => rmSync(indexDir, { recursive: true, force: true }));

  beforeEach(async () => {
    ctx = await createTestContext({ passwordPolicy: { breached: { indexFile } } });
    browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    await browser.get('/account/password');
  });
  afterEach(() => ctx.close());

  const change = (next: string) =>
    browser.post('/account/password', { 'current-password': TEST_PASSWORD, 'new-password': next, 'confirm-password': next });
  const stillOld = async () => {
    const result = await ctx.services.directory.authenticate('anna.andersson', TEST_PASSWORD);
    assert.equal(result.outcome, 'ok', 'the password must not have changed');
  };
  /** The checklist line of a rule: its state in words and its text. */
  const line = (body: string, rule: string) => {
    const match = new RegExp(
      `data-rule="${rule}" data-state="(\\w+)"[^>]*><span class="password-checklist__state">([^<]+)</span>.*?<span class="password-checklist__text">([^<]+)</span>`,
    ).exec(body);
    return match === null ? null : { state: match[1], stateText: match[2], text: match[3] };
  };

  it('loads the breached index into the services', () => {
    assert.ok(ctx.services.breachedIndex !== null);
    assert.equal(ctx.services.breachedIndex.hasPassword(BREACHED), true);
    assert.equal(ctx.services.breachedIndex.hasPassword(GOOD), false);
  });

  it('shows the checklist of every rule, not yet met, with the breached rule checked on save', async () => {
    const page = await browser.get('/account/password');
    assert.match(page.body, /aria-live="polite"/);
    assert.match(page.body, /aria-describedby="new-password-hint new-password-checklist"/);
    assert.deepEqual(line(page.body, 'minLength'), { state: 'unmet', stateText: 'Inte uppfyllt', text: 'Minst 12 tecken' });
    assert.equal(line(page.body, 'notBreached')?.stateText, 'Kontrolleras när du sparar');
    for (const rule of ['maxLength', 'notPersonal', 'notCommon']) assert.ok(line(page.body, rule) !== null, rule);
    assert.match(page.body, /<script src="\/assets\/password-checklist\.js\?v=[0-9a-f]{12}" defer/);
  });

  it('refuses a banned word (Sommar2025!!) with the rule in words', async () => {
    const res = await change('Sommar2025!!');
    assert.equal(res.status, 400);
    assert.match(res.body, /href="#new-password">För likt ett vanligt ord \(sommar\)/);
    assert.equal(line(res.body, 'notCommon')?.stateText, 'Inte uppfyllt');
    assert.deepEqual(line(res.body, 'minLength'), { state: 'met', stateText: 'Uppfyllt', text: 'Minst 12 tecken' });
    await stillOld();
  });

  it('refuses the username in the password', async () => {
    const res = await change('anna.andersson-paraply-kvist');
    assert.equal(res.status, 400);
    assert.match(res.body, /Lösenordet får inte innehålla ditt namn, ditt användarnamn/);
    assert.equal(line(res.body, 'notPersonal')?.state, 'unmet');
    await stillOld();
  });

  it('refuses a breached password, in Swedish and in English', async () => {
    const res = await change(BREACHED);
    assert.equal(res.status, 400);
    assert.match(res.body, /href="#new-password">Lösenordet finns i listor över läckta lösenord/);
    assert.equal(line(res.body, 'notBreached')?.stateText, 'Inte uppfyllt');
    assert.equal(line(res.body, 'notCommon')?.stateText, 'Uppfyllt');
    await browser.get('/account/password?lang=en');
    const english = await change(BREACHED);
    assert.match(english.body, /href="#new-password">This password appears in lists of leaked passwords/);
    assert.equal(line(english.body, 'notBreached')?.stateText, 'Not met');
    const audit = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'password_change', limit: 10 });
    assert.deepEqual(audit[0]?.detail, { reason: 'policy', rules: ['notBreached'] });
    assert.ok(!JSON.stringify(audit).includes(BREACHED), 'the password is in the audit log');
    assert.ok(!JSON.stringify(ctx.logs).includes(BREACHED), 'the password is in a log line');
    await stillOld();
  });

  it('accepts a password that passes every rule', async () => {
    const res = await change(GOOD);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account');
    assert.equal((await ctx.services.directory.authenticate('anna.andersson', GOOD)).outcome, 'ok');
  });

  it('keeps the change-password form with a notice (503) when the directory is down', async () => {
    const real = ctx.services.directory;
    ctx.services.directory = unreachableDirectory(real);
    try {
      const res = await change(GOOD);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '60');
      assert.match(res.body, /Vi når inte katalogen just nu\. Försök igen om en stund – ingenting har ändrats\./);
      assert.match(res.body, /<form method="post" action="\/account\/password"/);
      assert.match(res.body, /id="current-password"/);
      assert.match(res.body, /id="new-password"/);
      assert.doesNotMatch(res.body, /ECONNREFUSED/);
      const page = await browser.get('/account/password');
      assert.equal(page.status, 503);
      assert.match(page.body, /id="new-password"/);
    } finally {
      ctx.services.directory = real;
    }
    await stillOld();
    // Back up: the same form goes through.
    await browser.get('/account/password');
    assert.equal((await change(GOOD)).status, 303);
  });

  it('keeps the sign-in form, with the username, and a notice (503) when the directory is down', async () => {
    const fresh = new TestBrowser(ctx.app);
    await fresh.get('/sign-in?lang=en');
    const real = ctx.services.directory;
    ctx.services.directory = unreachableDirectory(real);
    try {
      const res = await fresh.post('/sign-in', { identifier: 'anna.andersson', password: TEST_PASSWORD });
      assert.equal(res.status, 503);
      assert.match(res.body, /We cannot reach the directory right now\. Please try again in a while – nothing has been changed\./);
      assert.match(res.body, /<form method="post" action="\/sign-in"/);
      assert.match(res.body, /id="identifier"[^>]*value="anna\.andersson"|value="anna\.andersson"[^>]*id="identifier"/);
      assert.doesNotMatch(res.body, /ECONNREFUSED/);
    } finally {
      ctx.services.directory = real;
    }
    const retry = await fresh.post('/sign-in', { identifier: 'anna.andersson', password: TEST_PASSWORD });
    assert.equal(retry.status, 303);
  });
});

describe('explainRejection: the directory refusal in words', () => {
  it('names each rule, and the directory reasons AD and OpenLDAP give', async () => {
    const { explainRejection } = await import('./routes/account-routes.tsx');
    const { sv, en } = await import('../i18n/catalog.ts').then((m) => ({ sv: m.catalogFor('sv'), en: m.catalogFor('en') }));
    assert.match(explainRejection(sv, { rule: 'too_short', minLength: 14 }), /minst 14 tecken/);
    assert.match(explainRejection(en, { rule: 'too_long', maxLength: 256 }), /at most 256 characters/);
    assert.match(explainRejection(sv, { rule: 'in_history', historySize: 5 }), /dina 5 senaste lösenord/);
    assert.match(explainRejection(sv, { rule: 'same_as_current' }), /ett annat än det nuvarande/);
    const adComplexity =
      'the password does not meet the complexity rules (three of: upper case, lower case, digits, symbols; not the account name)';
    assert.match(explainRejection(sv, { rule: 'directory_policy', reason: adComplexity }), /minst tre olika slag/);
    const adAge = 'the password was changed too recently to change again (minimum password age)';
    assert.match(explainRejection(en, { rule: 'directory_policy', reason: adAge }), /cannot be changed again yet/);
    assert.match(explainRejection(sv, { rule: 'directory_policy', reason: 'Password fails quality checking policy' }), /kvalitetskontroll/);
    const windows = "the password does not meet the domain's policy (length, complexity, history or minimum age)";
    assert.equal(explainRejection(sv, { rule: 'directory_policy', reason: windows }), sv.directoryErrors.rejections.directoryPolicy);
    assert.equal(explainRejection(en, undefined), en.directoryErrors.rejections.directoryPolicy);
  });
});
