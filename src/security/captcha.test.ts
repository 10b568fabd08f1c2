// The proof-of-work captcha against a real SQLite store: a solved challenge is accepted once,
// a replay, an expired, a tampered, an unsolved and a malformed payload are refused.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../domain/clock.ts';
import { migrateToLatest, openDatabase } from '../store/database.ts';
import { KyselyResetFlowStore } from '../store/kysely-reset-flow-store.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { ProofOfWorkCaptcha, solveCaptchaChallenge } from './captcha.ts';

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
});
