// The proof-of-work captcha against a real SQLite store: a solved challenge is accepted once,
// a replay, an expired, a tampered, an unsolved and a malformed payload are refused; and the
// synchronous check agrees with altcha-lib's own verifySolution.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { ManualClock } from '../domain/clock.ts';
import { migrateToLatest, openDatabase } from '../store/database.ts';
import { KyselyResetFlowStore } from '../store/kysely-reset-flow-store.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { ProofOfWorkCaptcha, solveCaptchaChallenge } from './captcha.ts';
import { hmacSha256 } from './tokens.ts';

describe('proof-of-work captcha', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nyckel-captcha-'));
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  let store: KyselyStore;
  let captcha: ProofOfWorkCaptcha;

  before(async () => {
    const open = openDatabase({ driver: 'sqlite', path: join(dir, 'captcha.db') });
    await migrateToLatest(open);
    store = new KyselyStore(open.db, open.dialect);
    captcha = new ProofOfWorkCaptcha({
      keys: store,
      replay: new KyselyResetFlowStore(open.db),
      clock,
      settings: { maxCounter: 200, cost: 1, validMinutes: 10 },
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const decode = (payload: string) => JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

  test('a solved challenge is accepted once; the same solution again is a replay', async () => {
    const payload = await solveCaptchaChallenge(await captcha.createChallenge());
    assert.equal(await captcha.verifyAndConsume(payload), 'ok');
    assert.equal(await captcha.verifyAndConsume(payload), 'replayed');
  });

  test('the challenge carries no secret counter and every challenge differs', async () => {
    const a = JSON.parse(await captcha.createChallenge());
    const b = JSON.parse(await captcha.createChallenge());
    assert.notEqual(a.parameters.nonce, b.parameters.nonce);
    assert.equal(a.parameters.algorithm, 'SHA-256');
    assert.equal('counter' in a.parameters, false);
  });

  test('expiry follows the injected clock', async () => {
    const payload = await solveCaptchaChallenge(await captcha.createChallenge());
    clock.advance(10 * 60_000);
    assert.equal(await captcha.verifyAndConsume(payload), 'expired');
  });

  test('a tampered challenge, a wrong solution, garbage and nothing are refused', async () => {
    const payload = decode(await solveCaptchaChallenge(await captcha.createChallenge()));
    const longer = {
      ...payload,
      challenge: { ...payload.challenge, parameters: { ...payload.challenge.parameters, data: { exp: 9e15 } } },
    };
    assert.equal(await captcha.verifyAndConsume(encode(longer)), 'invalid', 'a later expiry breaks the signature');
    const wrong = { ...payload, solution: { ...payload.solution, counter: payload.solution.counter + 1, derivedKey: '00'.repeat(32) } };
    assert.equal(await captcha.verifyAndConsume(encode(wrong)), 'invalid');
    assert.equal(await captcha.verifyAndConsume('bm90IGpzb24='), 'invalid');
    assert.equal(await captcha.verifyAndConsume('x'.repeat(5000)), 'invalid');
    assert.equal(await captcha.verifyAndConsume(''), 'missing');
    // The untouched payload is still good (the refusals above consumed nothing).
    assert.equal(await captcha.verifyAndConsume(encode(payload)), 'ok');
  });

  test('the check agrees with altcha-lib’s verifySolution, payload by payload', async () => {
    const secret = (await store.getSetting('reset.captcha_key')) as string;
    const library = async (p: { challenge: never; solution: never }) =>
      (
        await verifySolution({
          challenge: p.challenge,
          solution: p.solution,
          deriveKey,
          hmacSignatureSecret: hmacSha256(secret, 'altcha-signature'),
          hmacKeySignatureSecret: hmacSha256(secret, 'altcha-key-signature'),
        })
      ).verified;
    const variants: [string, (p: ReturnType<typeof decode>) => unknown][] = [
      ['as solved', (p) => p],
      ['another salt', (p) => ({ ...p, challenge: { ...p.challenge, parameters: { ...p.challenge.parameters, salt: '00'.repeat(16) } } })],
      ['another signature', (p) => ({ ...p, challenge: { ...p.challenge, signature: 'ab'.repeat(32) } })],
      ['another key', (p) => ({ ...p, solution: { ...p.solution, derivedKey: `${p.solution.derivedKey.slice(0, -2)}00` } })],
      ['an upper-case key', (p) => ({ ...p, solution: { ...p.solution, derivedKey: p.solution.derivedKey.toUpperCase() } })],
      ['a negative counter', (p) => ({ ...p, solution: { ...p.solution, counter: -1 } })],
      ['a fractional counter', (p) => ({ ...p, solution: { ...p.solution, counter: 1.5 } })],
    ];
    for (const [name, change] of variants) {
      const changed = change(decode(await solveCaptchaChallenge(await captcha.createChallenge())));
      const expected = (await library(changed as never)) ? 'ok' : 'invalid';
      assert.equal(await captcha.verifyAndConsume(encode(changed)), expected, name);
      if (name === 'as solved') assert.equal(expected, 'ok');
    }
  });
});
