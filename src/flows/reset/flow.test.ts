// The reset flow: every transition of the state machine, and the service over real ports
// (SQLite store, embedded directory, security info, the real captcha): expiry on a hand-moved
// clock, replay of a used flow, and a restart (new services on the same SQLite file).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type Services } from '../../app/services.ts';
import { type Config, configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import { createLogger } from '../../observability/logger.ts';
import { ProofOfWorkCaptcha, solveCaptchaChallenge } from '../../security/captcha.ts';
import { KyselyResetFlowStore } from '../../store/kysely-reset-flow-store.ts';
import { ResetService } from './flow.ts';
import { parseResetState, type ResetEvent, type ResetState, transition } from './states.ts';

const limits = { maxCodeAttempts: 3 };
const ok = (extra: Partial<Extract<ResetEvent, { type: 'code_checked' }>> = {}): ResetEvent => ({
  type: 'code_checked',
  ok: true,
  methodsRequired: 1,
  isRefused: false,
  isLocked: false,
  ...extra,
});

describe('reset states', () => {
  const chooseMethod: ResetState = { step: 'choose_method', verified: [] };
  const enterCode: ResetState = { step: 'enter_code', verified: [], method: 'totp', sendId: null, wrongAttempts: 0 };

  test('choose_method → enter_code, and not for a method already proved', () => {
    assert.deepEqual(transition(chooseMethod, { type: 'method_chosen', method: 'sms', sendId: 's1' }, limits), {
      step: 'enter_code',
      verified: [],
      method: 'sms',
      sendId: 's1',
      wrongAttempts: 0,
    });
    assert.equal(
      transition({ step: 'choose_method', verified: ['sms'] }, { type: 'method_chosen', method: 'sms', sendId: null }, limits),
      null,
    );
    assert.equal(transition(chooseMethod, ok(), limits), null);
  });

  test('enter_code: back, wrong (counted, then failed), right with one or two methods, refused, locked', () => {
    assert.deepEqual(transition(enterCode, { type: 'back_to_methods' }, limits), chooseMethod);
    assert.deepEqual(transition(enterCode, ok({ ok: false }), limits), { ...enterCode, wrongAttempts: 1 });
    assert.deepEqual(transition({ ...enterCode, wrongAttempts: 2 }, ok({ ok: false }), limits), { step: 'failed' });
    assert.deepEqual(transition(enterCode, ok(), limits), { step: 'new_password' });
    assert.deepEqual(transition(enterCode, ok({ isLocked: true }), limits), { step: 'choose_action' });
    assert.deepEqual(transition(enterCode, ok({ isRefused: true }), limits), { step: 'refused' });
    assert.deepEqual(transition(enterCode, ok({ methodsRequired: 2 }), limits), { step: 'choose_method', verified: ['totp'] });
    assert.deepEqual(transition({ ...enterCode, verified: ['sms'] }, ok({ methodsRequired: 2 }), limits), { step: 'new_password' });
    assert.equal(transition(enterCode, { type: 'password_set' }, limits), null);
  });

  test('choose_action → done (unlocked) or new_password; new_password → done; the endings are final', () => {
    assert.deepEqual(transition({ step: 'choose_action' }, { type: 'action_chosen', action: 'unlock' }, limits), {
      step: 'done',
      outcome: 'unlocked',
    });
    assert.deepEqual(transition({ step: 'choose_action' }, { type: 'action_chosen', action: 'password' }, limits), {
      step: 'new_password',
    });
    assert.equal(transition({ step: 'choose_action' }, { type: 'password_set' }, limits), null);
    assert.deepEqual(transition({ step: 'new_password' }, { type: 'password_set' }, limits), { step: 'done', outcome: 'password_changed' });
    assert.equal(transition({ step: 'new_password' }, { type: 'action_chosen', action: 'unlock' }, limits), null);
    for (const end of [{ step: 'refused' }, { step: 'failed' }, { step: 'done', outcome: 'unlocked' }] as ResetState[]) {
      for (const event of [ok(), { type: 'password_set' }, { type: 'back_to_methods' }] as ResetEvent[]) {
        assert.equal(transition(end, event, limits), null);
      }
    }
  });

  test('stored states are read back only when well-formed', () => {
    assert.deepEqual(parseResetState(JSON.parse(JSON.stringify(enterCode))), enterCode);
    assert.equal(parseResetState({ step: 'enter_code', verified: ['nope'], method: 'totp', sendId: null, wrongAttempts: 0 }), null);
    assert.equal(parseResetState({ step: 'done', outcome: 'hacked' }), null);
    assert.equal(parseResetState('choose_action'), null);
  });
});

function totpCode(secret: string, clock: ManualClock): string {
  const now = clock
    .now()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', '--now', now, secret], { encoding: 'utf8' }).trim();
}

describe('reset service over real ports', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nyckel-reset-'));
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const config: Config = configSchema.parse({
    dataDir,
    log: { level: 'silent' },
    directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1 } } },
    reset: { captcha: { maxCounter: 20 } },
  });
  let services: Services;
  let accountId: string;
  let secret: string;

  const open = async () => createServices(config, { clock, logger: createLogger('silent') });
  const serviceFor = (s: Services) => {
    const flows = new KyselyResetFlowStore(s.store.db);
    const captcha = new ProofOfWorkCaptcha({ keys: s.store, replay: flows, clock, settings: config.reset.captcha });
    const notices: string[] = [];
    const service = new ResetService({
      flows,
      store: s.store,
      directory: s.directory,
      securityInfo: s.securityInfo,
      captcha,
      clock,
      logger: s.logger,
      config: s.config,
      passwordPolicy: s.passwordPolicy,
      passwordContextFor: (account) => s.passwordContextFor(account),
      notify: async (_account, outcome) => {
        notices.push(outcome);
      },
      background: (task) => void task(),
    });
    return { service, captcha, flows, notices };
  };
  const request = { ip: '192.0.2.1', language: 'sv' as const };

  before(async () => {
    services = await open();
    const account = await services.embeddedDirectory?.createAccount(
      { username: 'cecilia', email: 'cecilia@example.se', displayName: 'Cecilia Carlsson' },
      'Ett långt och bra lösenord för Cecilia',
    );
    assert.ok(account);
    accountId = account.id;
    const enrollment = await services.securityInfo.startTotpEnrollment(accountId, 'test');
    secret = enrollment.secretGrouped.replace(/\s+/g, '');
    assert.ok((await services.securityInfo.completeTotpEnrollment(accountId, enrollment.enrollmentId, totpCode(secret, clock))).ok);
  });
  after(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (s: ReturnType<typeof serviceFor>, identifier = 'cecilia') => {
    const outcome = await s.service.startReset(
      { identifier, captcha: await solveCaptchaChallenge(await s.captcha.createChallenge()) },
      request,
    );
    assert.equal(outcome.kind, 'started');
    return outcome.kind === 'started' ? outcome.flow : assert.fail('not started');
  };

  test('the whole flow: each step consumes the state it read; an old token is dead', async () => {
    const s = serviceFor(services);
    const flow = await start(s);
    const chosen = await s.service.chooseMethod(flow.token, 'totp', request);
    assert.equal(chosen.kind, 'advanced');
    assert.ok(chosen.kind === 'advanced');
    assert.notEqual(chosen.flow.token, flow.token);
    // The first token was consumed by the step.
    assert.deepEqual(await s.service.loadFlow(flow.token), { ok: false, reason: 'used' });
    assert.deepEqual(await s.service.chooseMethod(flow.token, 'totp', request), { kind: 'dead', reason: 'used' });

    clock.advance(30_000);
    const verified = await s.service.verifyResetCode(chosen.flow.token, totpCode(secret, clock), request);
    assert.ok(verified.kind === 'advanced');
    assert.deepEqual(verified.flow.state, { step: 'new_password' });
    const password = 'Hjortronsylt på våfflor i Abisko';
    const done = await s.service.setNewPassword(verified.flow.token, { password, confirm: password }, request);
    assert.ok(done.kind === 'advanced');
    assert.deepEqual(done.flow.state, { step: 'done', outcome: 'password_changed' });
    assert.deepEqual(s.notices, ['password_changed']);
    // Replaying the new-password step with its (now used) token changes nothing.
    assert.deepEqual(await s.service.setNewPassword(verified.flow.token, { password, confirm: password }, request), {
      kind: 'dead',
      reason: 'used',
    });
    assert.equal((await services.directory.authenticate('cecilia', password)).outcome, 'ok');
  });

  test('a flow expires reset.flowMinutes after it started, whatever step it is at', async () => {
    const s = serviceFor(services);
    const flow = await start(s);
    clock.advance(10 * 60_000);
    const chosen = await s.service.chooseMethod(flow.token, 'recovery_code', request);
    assert.ok(chosen.kind === 'advanced');
    clock.advance(4 * 60_000 + 59_000);
    assert.equal((await s.service.loadFlow(chosen.flow.token)).ok, true, 'still alive at 14:59');
    clock.advance(1_000);
    assert.deepEqual(await s.service.loadFlow(chosen.flow.token), { ok: false, reason: 'expired' });
    assert.deepEqual(await s.service.verifyResetCode(chosen.flow.token, '123456', request), { kind: 'dead', reason: 'expired' });
  });

  test('a forged or malformed token is no flow', async () => {
    const s = serviceFor(services);
    const flow = await start(s);
    const [id] = flow.token.split('.');
    assert.deepEqual(await s.service.loadFlow(`${id}.${'A'.repeat(43)}`), { ok: false, reason: 'missing' });
    assert.deepEqual(await s.service.loadFlow('nonsense'), { ok: false, reason: 'missing' });
    assert.deepEqual(await s.service.loadFlow(undefined), { ok: false, reason: 'missing' });
  });

  test('a flow survives a restart: new services on the same SQLite file carry on', async () => {
    const first = serviceFor(services);
    const flow = await start(first);
    const chosen = await first.service.chooseMethod(flow.token, 'totp', request);
    assert.ok(chosen.kind === 'advanced');
    await services.close();

    services = await open();
    const second = serviceFor(services);
    const loaded = await second.service.loadFlow(chosen.flow.token);
    assert.ok(loaded.ok);
    assert.equal(loaded.flow.state.step, 'enter_code');
    clock.advance(30_000);
    const verified = await second.service.verifyResetCode(chosen.flow.token, totpCode(secret, clock), request);
    assert.ok(verified.kind === 'advanced');
    assert.equal(verified.flow.state.step, 'new_password');
  });

  test('an unknown identifier gets a flow too, whose codes never verify', async () => {
    const s = serviceFor(services);
    const flow = await start(s, 'ingen.alls@example.se');
    assert.equal(flow.accountId, null);
    const chosen = await s.service.chooseMethod(flow.token, 'totp', request);
    assert.ok(chosen.kind === 'advanced');
    const checked = await s.service.verifyResetCode(chosen.flow.token, totpCode(secret, clock), request);
    assert.equal(checked.kind, 'code_wrong');
  });

  test('starts are rate limited per account (and per IP)', async () => {
    const limited = await open();
    // A fresh rate-limit window, whatever the tests above counted.
    clock.advance(config.reset.rateLimits.perAccount.windowMinutes * 60_000);
    try {
      const s = serviceFor(limited);
      for (let i = 0; i < config.reset.rateLimits.perAccount.limit; i += 1) await start(s, 'Cecilia');
      const refused = await s.service.startReset(
        { identifier: 'cecilia@example.se', captcha: await solveCaptchaChallenge(await s.captcha.createChallenge()) },
        { ...request, ip: '192.0.2.99' },
      );
      assert.equal(refused.kind, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});
