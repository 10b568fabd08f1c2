// Tests for the second-step flow: what follows the password, choosing methods, methodsRequired 2,
// codes and their failures, the attempt limit, and "ask me later" counting. The store is a real
// SQLite store; the SecurityInfo port is the in-memory test double.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createServices, type Services } from '../../app/services.ts';
import { configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { MethodKind } from '../../methods/security-info.ts';
import { createLogger } from '../../observability/logger.ts';
import {
  askLater,
  beginReverify,
  beginSecondStep,
  chooseMethod,
  currentMethod,
  parseSecondStepState,
  readAskLaterCount,
  readCode,
  recordVerified,
  remainingMethods,
  type SecondStepDeps,
  type SecondStepPolicy,
  sendChallenge,
  usableMethods,
  verifySecondStepCode,
} from './flow.ts';
import { InMemorySecurityInfo } from './security-info.test-double.ts';

const policy: SecondStepPolicy = { secondStep: 'when_registered', methodsRequired: 1, registrationRequired: true, askLaterTimes: 3 };
const ctx = { ip: '192.0.2.10', language: 'sv' as const };
const ACCOUNT = 'acct-1';

describe('second-step flow', () => {
  let dir: string;
  let services: Services;
  let info: InMemorySecurityInfo;
  let deps: SecondStepDeps;
  const clock = new ManualClock('2026-05-04T10:00:00Z');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nyckel-second-step-'));
    services = await createServices(configSchema.parse({ dataDir: dir }), { clock, logger: createLogger('silent') });
    info = new InMemorySecurityInfo();
    deps = { securityInfo: info, store: services.store, clock, attemptLimit: { limit: 5, windowMinutes: 15 } };
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One method of `kind` on the account, the second step begun, and that method as the current one. */
  async function beginWithOne(kind: MethodKind) {
    info.addMethod(ACCOUNT, kind);
    const methods = await info.listMethods(ACCOUNT);
    const start = beginSecondStep(methods, policy, 0);
    assert.ok(start.kind === 'verify');
    const method = currentMethod(start.state, methods);
    assert.ok(method);
    return { start, method };
  }

  describe('after the password', () => {
    it('needs nothing when the account has no methods and registration is not required', () => {
      assert.deepEqual(beginSecondStep([], { ...policy, registrationRequired: false }, 0), { kind: 'not_needed' });
    });

    it('asks for registration, with "ask me later" while some are left', () => {
      assert.deepEqual(beginSecondStep([], policy, 0), { kind: 'register', canAskLater: true, askLaterLeft: 3 });
      assert.deepEqual(beginSecondStep([], policy, 2), { kind: 'register', canAskLater: true, askLaterLeft: 1 });
      assert.deepEqual(beginSecondStep([], policy, 3), { kind: 'register', canAskLater: false, askLaterLeft: 0 });
    });

    it("with secondStep 'always' registration can't be put off", () => {
      assert.deepEqual(beginSecondStep([], { ...policy, secondStep: 'always', registrationRequired: false }, 0), {
        kind: 'register',
        canAskLater: false,
        askLaterLeft: 0,
      });
    });

    it('starts with the default method', async () => {
      info.addMethod(ACCOUNT, 'sms');
      const totp = info.addMethod(ACCOUNT, 'totp');
      await info.setDefault(ACCOUNT, totp.id);
      const start = beginSecondStep(await info.listMethods(ACCOUNT), policy, 0);
      assert.equal(start.kind, 'verify');
      assert.ok(start.kind === 'verify');
      assert.equal(start.state.methodId, totp.id);
      assert.equal(start.state.required, 1);
    });

    it('ignores used-up recovery codes', async () => {
      info.addMethod(ACCOUNT, 'recovery_codes', { remaining: 0 });
      assert.deepEqual(usableMethods(await info.listMethods(ACCOUNT)), []);
      assert.equal(beginSecondStep(await info.listMethods(ACCOUNT), policy, 0).kind, 'register');
    });

    it('methodsRequired 2 needs two kinds, or every kind there is', async () => {
      info.addMethod(ACCOUNT, 'totp');
      const one = beginSecondStep(await info.listMethods(ACCOUNT), { ...policy, methodsRequired: 2 }, 0);
      assert.ok(one.kind === 'verify' && one.state.required === 1);
      info.addMethod(ACCOUNT, 'sms');
      const two = beginSecondStep(await info.listMethods(ACCOUNT), { ...policy, methodsRequired: 2 }, 0);
      assert.ok(two.kind === 'verify' && two.state.required === 2);
    });
  });

  describe('choosing a method', () => {
    it('switches to another registered method and refuses unknown ones', async () => {
      const totp = info.addMethod(ACCOUNT, 'totp');
      const sms = info.addMethod(ACCOUNT, 'sms');
      info.addMethod('someone-else', 'email');
      const methods = await info.listMethods(ACCOUNT);
      const start = beginSecondStep(methods, policy, 0);
      assert.ok(start.kind === 'verify');
      const chosen = chooseMethod(start.state, methods, sms.id);
      assert.equal(chosen?.methodId, sms.id);
      assert.equal(chooseMethod(start.state, methods, 'm999'), null);
      assert.equal(currentMethod(start.state, methods)?.id, totp.id);
    });

    it('does not offer a kind already proved', async () => {
      info.addMethod(ACCOUNT, 'totp');
      const sms = info.addMethod(ACCOUNT, 'sms');
      const methods = await info.listMethods(ACCOUNT);
      const start = beginSecondStep(methods, { ...policy, methodsRequired: 2 }, 0);
      assert.ok(start.kind === 'verify');
      const after = recordVerified(start.state, 'totp', methods);
      assert.equal(after.kind, 'next');
      assert.ok(after.kind === 'next');
      assert.equal(after.state.methodId, sms.id);
      assert.deepEqual(
        remainingMethods(after.state, methods).map((m) => m.kind),
        ['sms'],
      );
    });
  });

  describe('codes', () => {
    it('reads six-digit codes with spaces, refuses letters, SQL and the wrong length', () => {
      assert.deepEqual(readCode('totp', ' 123 456 '), { ok: true, code: '123456' });
      assert.deepEqual(readCode('sms', ''), { ok: false, problem: 'missing' });
      assert.deepEqual(readCode('sms', "1' OR '1'='1"), { ok: false, problem: 'not_numeric' });
      assert.deepEqual(readCode('totp', '12345'), { ok: false, problem: 'malformed' });
      assert.deepEqual(readCode('totp', '1234567'), { ok: false, problem: 'too_long' });
      assert.deepEqual(readCode('totp', '1'.repeat(5000)), { ok: false, problem: 'too_long' });
      assert.deepEqual(readCode('recovery_codes', 'abcd-ef01'), { ok: true, code: 'abcd-ef01' });
      assert.deepEqual(readCode('recovery_codes', "x'; DROP TABLE"), { ok: false, problem: 'malformed' });
    });

    it('accepts a correct TOTP code once and refuses its replay', async () => {
      const { start, method } = await beginWithOne('totp');
      const wrong = await verifySecondStepCode(deps, ACCOUNT, start.state, method, '000000');
      assert.deepEqual(wrong, { kind: 'refused', reason: 'wrong' });
      const ok = await verifySecondStepCode(deps, ACCOUNT, start.state, method, '123 456');
      assert.deepEqual(ok, { kind: 'done', verifiedKinds: ['totp'] });
      const replay = await verifySecondStepCode(deps, ACCOUNT, start.state, method, '123456');
      assert.deepEqual(replay, { kind: 'refused', reason: 'replayed' });
    });

    it('SMS: needs a sent code, then checks it and counts down tries', async () => {
      const { start, method } = await beginWithOne('sms');
      assert.deepEqual(await verifySecondStepCode(deps, ACCOUNT, start.state, method, '111111'), { kind: 'no_challenge' });
      const { state, result } = await sendChallenge(deps, ACCOUNT, start.state, method, ctx);
      assert.equal(result.ok, true);
      assert.ok(state.challengeId !== null && state.sentAt === clock.now().getTime());
      const code = info.sent.at(-1)?.code ?? '';
      const wrong = await verifySecondStepCode(deps, ACCOUNT, state, method, code === '999999' ? '999998' : '999999');
      assert.deepEqual(wrong, { kind: 'refused', reason: 'wrong', attemptsLeft: 4 });
      assert.deepEqual(await verifySecondStepCode(deps, ACCOUNT, state, method, code), { kind: 'done', verifiedKinds: ['sms'] });
    });

    it('passes on a send failure without changing the state', async () => {
      const { start, method } = await beginWithOne('sms');
      info.nextSendFailure = { ok: false, reason: 'rate_limited', retryAfterMs: 60_000 };
      const { state, result } = await sendChallenge(deps, ACCOUNT, start.state, method, ctx);
      assert.deepEqual(result, { ok: false, reason: 'rate_limited', retryAfterMs: 60_000 });
      assert.equal(state, start.state);
    });

    it('methodsRequired 2: the first kind leads to the next, the second finishes', async () => {
      info.addMethod(ACCOUNT, 'totp');
      info.addMethod(ACCOUNT, 'recovery_codes', { remaining: 10 });
      const [first] = await info.generateRecoveryCodes(ACCOUNT);
      const methods = await info.listMethods(ACCOUNT);
      const start = beginSecondStep(methods, { ...policy, methodsRequired: 2 }, 0);
      assert.ok(start.kind === 'verify');
      const totp = currentMethod(start.state, methods);
      assert.equal(totp?.kind, 'totp');
      assert.ok(totp);
      const step1 = await verifySecondStepCode(deps, ACCOUNT, start.state, totp, '123456');
      assert.equal(step1.kind, 'next');
      assert.ok(step1.kind === 'next');
      // The same kind again does not count as the second method.
      assert.equal(currentMethod({ ...step1.state, methodId: totp.id }, methods), null);
      const recovery = currentMethod(step1.state, methods);
      assert.equal(recovery?.kind, 'recovery_codes');
      assert.ok(recovery);
      const step2 = await verifySecondStepCode(deps, ACCOUNT, step1.state, recovery, first ?? '');
      assert.deepEqual(step2, { kind: 'done', verifiedKinds: ['totp', 'recovery_codes'] });
    });

    it('counts attempts before checking, and the limit holds even for right codes', async () => {
      const { start, method } = await beginWithOne('totp');
      for (let i = 0; i < 5; i++) {
        assert.equal((await verifySecondStepCode(deps, ACCOUNT, start.state, method, '000000')).kind, 'refused');
      }
      const blocked = await verifySecondStepCode(deps, ACCOUNT, start.state, method, '123456');
      assert.equal(blocked.kind, 'rate_limited');
      assert.ok(blocked.kind === 'rate_limited' && blocked.retryAfterMs > 0);
      // Malformed codes are not counted (nothing was checked).
      assert.equal((await verifySecondStepCode(deps, ACCOUNT, start.state, method, 'abc')).kind, 'invalid_code');
      clock.advance(16 * 60_000);
      assert.equal((await verifySecondStepCode(deps, ACCOUNT, start.state, method, '123456')).kind, 'done');
    });
  });

  it('re-verifying needs one method, or is impossible without any', async () => {
    assert.equal(beginReverify([]), null);
    info.addMethod(ACCOUNT, 'totp');
    info.addMethod(ACCOUNT, 'sms');
    assert.equal(beginReverify(await info.listMethods(ACCOUNT))?.required, 1);
  });

  it('parses only well-formed session state', () => {
    const state = { required: 2, verifiedKinds: ['totp'], methodId: 'm1', challengeId: null, sentAt: null };
    assert.deepEqual(parseSecondStepState(state), state);
    assert.equal(parseSecondStepState({ ...state, required: 3 }), null);
    assert.equal(parseSecondStepState({ ...state, verifiedKinds: ['password'] }), null);
    assert.equal(parseSecondStepState({ ...state, methodId: 7 }), null);
    assert.equal(parseSecondStepState('x'), null);
  });

  it('"ask me later" is counted per account up to askLaterTimes', async () => {
    const twice = { ...policy, askLaterTimes: 2 };
    assert.deepEqual(await askLater(services.store, ACCOUNT, twice), { allowed: true, left: 1 });
    assert.deepEqual(await askLater(services.store, ACCOUNT, twice), { allowed: true, left: 0 });
    assert.deepEqual(await askLater(services.store, ACCOUNT, twice), { allowed: false, left: 0 });
    assert.equal(await readAskLaterCount(services.store, ACCOUNT), 2);
    assert.equal(await readAskLaterCount(services.store, 'other'), 0);
    assert.equal(beginSecondStep([], twice, await readAskLaterCount(services.store, ACCOUNT)).kind, 'register');
    assert.deepEqual(await askLater(services.store, 'other', { ...twice, secondStep: 'always' }), { allowed: false, left: 0 });
  });
});
