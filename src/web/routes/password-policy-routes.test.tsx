// The live checklist's endpoint through the whole app in-process: rule states in the page's
// language, CSRF (token and origin), the rate limit, body limits, non-JSON input, a 10 kB
// password, and the password never in a log line.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';
import { PASSWORD_CHECK_BODY_LIMIT, PASSWORD_CHECK_LIMITS } from './password-policy-routes.tsx';

interface CheckAnswer {
  checks?: { rule: string; passed: boolean; text: string }[];
  error?: string;
}

describe('POST /password-policy/check', () => {
  let ctx: TestContext;
  let browser: TestBrowser;
  beforeEach(async () => {
    ctx = await createTestContext();
    browser = new TestBrowser(ctx.app);
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    await browser.get('/account/password');
  });
  afterEach(() => ctx.close());

  const check = async (body: string, headers: Record<string, string> = {}) => {
    const res = await browser.request('/password-policy/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': browser.csrf ?? '', ...headers },
      body,
    });
    const answer = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(res.body) as CheckAnswer) : null;
    return { ...res, answer };
  };
  const checkPassword = (password: string, headers: Record<string, string> = {}) => check(JSON.stringify({ password }), headers);
  const state = (answer: CheckAnswer | null, rule: string) => answer?.checks?.find((c) => c.rule === rule);

  it('answers every rule with its state and text, in the page language', async () => {
    const weak = await checkPassword('Sommar2025!!');
    assert.equal(weak.status, 200);
    assert.deepEqual(
      weak.answer?.checks?.map((c) => c.rule),
      ['minLength', 'maxLength', 'notPersonal', 'notCommon'],
    );
    assert.equal(state(weak.answer, 'minLength')?.passed, true);
    assert.equal(state(weak.answer, 'minLength')?.text, 'Minst 12 tecken');
    assert.equal(state(weak.answer, 'notCommon')?.passed, false);
    assert.match(state(weak.answer, 'notCommon')?.text ?? '', /För likt ett vanligt ord \(sommar\)/);

    const personal = await checkPassword('anna.andersson-paraply-kvist');
    assert.equal(state(personal.answer, 'notPersonal')?.passed, false);
    assert.match(state(personal.answer, 'notPersonal')?.text ?? '', /får inte innehålla ditt namn/);

    const good = await checkPassword('Gul-Cykel-Under-Bron-7');
    assert.ok(good.answer?.checks?.every((c) => c.passed));

    await browser.get('/account/password?lang=en');
    const english = await checkPassword('short');
    assert.equal(state(english.answer, 'minLength')?.text, 'The password is too short: it needs at least 12 characters and has 5.');
  });

  it('never answers the breached-password rule and never logs the password', async () => {
    const secret = 'Hemlig-Lösenfras-Som-Inte-Får-Loggas';
    const res = await checkPassword(secret);
    assert.equal(res.status, 200);
    assert.equal(state(res.answer, 'notBreached'), undefined);
    assert.doesNotMatch(res.body, /Hemlig/);
    assert.ok(!JSON.stringify(ctx.logs).includes(secret), 'the password is in a log line');
  });

  it('refuses a request without the CSRF token, with a wrong one, or from another origin', async () => {
    const missing = await browser.request('/password-policy/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'Gul-Cykel-Under-Bron-7' }),
    });
    assert.equal(missing.status, 403);
    assert.equal((await checkPassword('Gul-Cykel-Under-Bron-7', { 'x-csrf-token': 'forged' })).status, 403);
    assert.equal((await checkPassword('Gul-Cykel-Under-Bron-7', { origin: 'https://evil.example' })).status, 403);
    assert.equal((await checkPassword('Gul-Cykel-Under-Bron-7')).status, 200);
  });

  it('works before sign-in with the double-submit token (the reset flow)', async () => {
    const anonymous = new TestBrowser(ctx.app);
    await anonymous.get('/sign-in');
    const res = await anonymous.request('/password-policy/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': anonymous.csrf ?? '' },
      body: JSON.stringify({ password: 'Demo kommun 2026' }),
    });
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body) as CheckAnswer;
    // The organisation's own name is refused even without an account.
    assert.equal(state(answer, 'notPersonal')?.passed, false);
  });

  it('limits checks per session and answers 429 with Retry-After', async () => {
    let last: Awaited<ReturnType<typeof checkPassword>> | undefined;
    for (let i = 0; i <= PASSWORD_CHECK_LIMITS.perSession.limit; i++) last = await checkPassword(`Gul-Cykel-${i}`);
    assert.equal(last?.status, 429);
    assert.equal(last?.answer?.error, 'rate_limited');
    assert.ok(Number(last?.headers.get('retry-after')) >= 1);
    ctx.clock.advance(PASSWORD_CHECK_LIMITS.perSession.windowMs + 1000);
    assert.equal((await checkPassword('Gul-Cykel-Under-Bron-7')).status, 200);
  });

  it('refuses an oversized body, a body that is not JSON, and JSON of the wrong shape', async () => {
    const huge = await check(JSON.stringify({ password: 'x'.repeat(PASSWORD_CHECK_BODY_LIMIT + 10) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.answer?.error, 'payload_too_large');

    const notJson = await check('password=Sommar2025', { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.answer?.error, 'invalid_input');

    const form = await check('password=Sommar2025', { 'content-type': 'text/plain' });
    assert.equal(form.status, 415);

    for (const body of ['{}', '{"password": 12}', '[]', 'null', '{"password": "a", "extra": 1}']) {
      const res = await check(body);
      assert.equal(res.status, 400, body);
      assert.equal(res.answer?.error, 'invalid_input', body);
    }
  });

  it('handles a 10 kB password: the length rule refuses it, quickly', async () => {
    const started = performance.now();
    const res = await checkPassword('ä'.repeat(5000));
    assert.equal(res.status, 200);
    assert.equal(state(res.answer, 'maxLength')?.passed, false);
    assert.match(state(res.answer, 'maxLength')?.text ?? '', /högst 256 tecken/);
    assert.ok(performance.now() - started < 2000, 'a 10 kB password took too long');
  });

  it('serves the checklist script from our own origin', async () => {
    const res = await browser.get('/assets/password-checklist.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/javascript/);
    assert.match(res.body, /X-CSRF-Token/);
  });
});
