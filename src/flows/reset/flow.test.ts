// The reset flow: every transition of the state machine, and the service over real ports
// (SQLite store, embedded directory, security info, the real captcha): expiry on a hand-moved
// clock, replay of a used flow, a restart (new services on the same SQLite file), and the
// passkey check with a software authenticator: the same options for every account, the
// challenge single-use and bound to the flow, another account's passkey refused, failures counted.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type Services } from '../../app/services.ts';
import { type Config, configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import {
  finishPasskeyRegistration,
  type PasskeyDeps,
  SecurityMethodsPasskeyStore,
  startPasskeyRegistration,
  WebauthnChallengeStore,
} from '../../methods/passkey.ts';
import { b64url, SoftAuthenticator } from '../../methods/soft-authenticator.test-support.ts';
import { createLogger } from '../../observability/logger.ts';
import { ProofOfWorkCaptcha, solveCaptchaChallenge } from '../../security/captcha.ts';
import { KyselyResetFlowStore } from '../../store/kysely-reset-flow-store.ts';
import { type ResetFlow, ResetService } from './flow.ts';
import { createResetPasskeys } from './reset-passkey.ts';
import { parseResetState, type ResetEvent, type ResetState, transition } from './states.ts';

const ORIGIN = 'http://localhost';
const RP_ID = 'localhost';

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

  test('a passkey is chosen like a code method, and proved once', () => {
    const passkey = transition(chooseMethod, { type: 'method_chosen', method: 'passkey', sendId: null }, limits);
    assert.deepEqual(passkey, { step: 'enter_code', verified: [], method: 'passkey', sendId: null, wrongAttempts: 0 });
    assert.ok(passkey !== null);
    assert.deepEqual(transition(passkey, ok({ methodsRequired: 2 }), limits), { step: 'choose_method', verified: ['passkey'] });
    assert.equal(
      transition({ step: 'choose_method', verified: ['passkey'] }, { type: 'method_chosen', method: 'passkey', sendId: null }, limits),
      null,
    );
    assert.deepEqual(parseResetState(JSON.parse(JSON.stringify(passkey))), passkey);
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
      passkeys: createResetPasskeys({
        passkeys: new SecurityMethodsPasskeyStore(s.store.db, s.store.dialect, clock),
        challenges: new WebauthnChallengeStore(s.store.db),
        clock,
        rp: { id: RP_ID, name: 'Test', origins: [ORIGIN] },
      }),
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

describe('reset with a passkey over real ports', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nyckel-reset-passkey-'));
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const config: Config = configSchema.parse({
    dataDir,
    log: { level: 'silent' },
    directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1 } } },
    reset: { captcha: { maxCounter: 20 }, rateLimits: { perIp: { limit: 1000 }, perAccount: { limit: 1000 } } },
  });
  const request = { ip: '192.0.2.1', language: 'sv' as const, origin: ORIGIN };
  let services: Services;
  let service: ResetService;
  let captcha: ProofOfWorkCaptcha;
  /** Dora has a passkey; Erik has one too (the "other account"); Frida has only an authenticator app. */
  const ids: Record<'dora' | 'erik' | 'frida', string> = { dora: '', erik: '', frida: '' };
  const doraKey = new SoftAuthenticator();
  const erikKey = new SoftAuthenticator();

  const passkeyDeps = (): PasskeyDeps => ({
    passkeys: new SecurityMethodsPasskeyStore(services.store.db, services.store.dialect, clock),
    challenges: new WebauthnChallengeStore(services.store.db),
    clock,
    audit: services.store,
    rp: { id: RP_ID, name: 'Test', origins: [ORIGIN] },
  });

  async function registerPasskey(accountId: string, username: string, authenticator: SoftAuthenticator): Promise<void> {
    const deps = passkeyDeps();
    const ctx = { sessionKey: `test-${accountId}`, requestOrigin: ORIGIN, ip: '192.0.2.1' };
    const options = await startPasskeyRegistration(deps, { accountId, userName: username, displayName: username }, ctx);
    const responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    const saved = await finishPasskeyRegistration(deps, { accountId, name: 'Test', responseJson }, ctx);
    assert.ok(saved.ok, 'the passkey is registered');
  }

  /** The user handle a discoverable passkey returns: the account id, base64url. */
  const handleOf = (accountId: string) => b64url(new TextEncoder().encode(accountId));

  before(async () => {
    services = await createServices(config, { clock, logger: createLogger('silent') });
    const flows = new KyselyResetFlowStore(services.store.db);
    captcha = new ProofOfWorkCaptcha({ keys: services.store, replay: flows, clock, settings: config.reset.captcha });
    service = new ResetService({
      flows,
      store: services.store,
      directory: services.directory,
      securityInfo: services.securityInfo,
      passkeys: createResetPasskeys(passkeyDeps()),
      captcha,
      clock,
      logger: services.logger,
      config: services.config,
      passwordPolicy: services.passwordPolicy,
      passwordContextFor: (account) => services.passwordContextFor(account),
      notify: async () => {},
      background: (task) => void task(),
    });
    for (const name of ['dora', 'erik', 'frida'] as const) {
      const account = await services.embeddedDirectory?.createAccount(
        { username: name, email: `${name}@example.se`, displayName: name },
        `Ett långt och bra lösenord för ${name}`,
      );
      assert.ok(account);
      ids[name] = account.id;
    }
    await registerPasskey(ids.dora, 'dora', doraKey);
    await registerPasskey(ids.erik, 'erik', erikKey);
    const enrollment = await services.securityInfo.startTotpEnrollment(ids.frida, 'test');
    const secret = enrollment.secretGrouped.replace(/\s+/g, '');
    assert.ok((await services.securityInfo.completeTotpEnrollment(ids.frida, enrollment.enrollmentId, totpCode(secret, clock))).ok);
  });
  after(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A flow for `identifier` at the passkey step, with the options its page would show. */
  async function atPasskeyStep(identifier: string): Promise<{ flow: ResetFlow; challenge: string; options: Record<string, unknown> }> {
    const started = await service.startReset(
      { identifier, captcha: await solveCaptchaChallenge(await captcha.createChallenge()) },
      request,
    );
    assert.ok(started.kind === 'started');
    const chosen = await service.chooseMethod(started.flow.token, 'passkey', request);
    assert.ok(chosen.kind === 'advanced');
    const options = await service.startResetPasskey(chosen.flow);
    assert.ok(options !== null);
    return { flow: chosen.flow, challenge: options.challenge, options: { ...options } };
  }

  const gesture = (challenge: string) => ({ challenge, origin: ORIGIN, rpId: RP_ID });

  test("the account's own passkey verifies: new password next, counter stored, audited as reset.verify", async () => {
    const { flow, challenge } = await atPasskeyStep('dora');
    const answer = await doraKey.assert(gesture(challenge), { userHandle: handleOf(ids.dora) });
    const verified = await service.verifyResetPasskey(flow.token, answer, request);
    assert.ok(verified.kind === 'advanced', verified.kind);
    assert.deepEqual(verified.flow.state, { step: 'new_password' });
    const [stored] = await passkeyDeps().passkeys.listPasskeys(ids.dora);
    assert.equal(stored?.counter, doraKey.counter, 'the new signature counter is kept');
    const [event] = await services.store.listAudit({ subject: ids.dora, type: 'reset.verify', limit: 1 });
    assert.equal(event?.outcome, 'success');
    assert.equal(event?.detail.method, 'passkey');
  });

  test('the options are the same for every account: no credentials listed, user verification required', async () => {
    const shapes = [];
    for (const identifier of ['dora', 'frida', 'nobody.at.all@example.se']) {
      const { options, challenge } = await atPasskeyStep(identifier);
      assert.match(challenge, /^[A-Za-z0-9_-]{43}$/);
      shapes.push(JSON.stringify({ ...options, challenge: '…' }));
    }
    assert.deepEqual(JSON.parse(shapes[0] as string), {
      rpId: RP_ID,
      challenge: '…',
      allowCredentials: [],
      timeout: 240_000,
      userVerification: 'required',
    });
    assert.equal(new Set(shapes).size, 1, 'a known account with passkeys, one without and an unknown identifier get the same options');
  });

  test("another account's passkey is refused, with or without its user handle, and counted", async () => {
    const { flow, challenge } = await atPasskeyStep('dora');
    const foreign = await erikKey.assert(gesture(challenge), { userHandle: handleOf(ids.erik) });
    const refused = await service.verifyResetPasskey(flow.token, foreign, request);
    assert.ok(refused.kind === 'code_wrong', refused.kind);
    assert.equal(refused.attemptsLeft, 4);
    const options = await service.startResetPasskey(refused.flow);
    assert.ok(options !== null);
    const noHandle = await erikKey.assert(gesture(options.challenge));
    const again = await service.verifyResetPasskey(refused.flow.token, noHandle, request);
    assert.ok(again.kind === 'code_wrong');
    assert.equal(again.attemptsLeft, 3);
    const events = await services.store.listAudit({ subject: ids.dora, type: 'reset.verify', limit: 2 });
    assert.deepEqual(
      events.map((e) => [e.outcome, e.detail.reason]),
      [
        ['failure', 'unknown_credential'],
        ['failure', 'unknown_credential'],
      ],
    );
  });

  test("the right passkey with another account's user handle is refused", async () => {
    const { flow, challenge } = await atPasskeyStep('dora');
    const answer = await doraKey.assert(gesture(challenge), { userHandle: handleOf(ids.erik) });
    assert.equal((await service.verifyResetPasskey(flow.token, answer, request)).kind, 'code_wrong');
  });

  test("an unknown identifier's flow never verifies, even with a real passkey", async () => {
    const { flow, challenge } = await atPasskeyStep('dora.typo@example.se');
    assert.equal(flow.accountId, null);
    const answer = await doraKey.assert(gesture(challenge), { userHandle: handleOf(ids.dora) });
    assert.equal((await service.verifyResetPasskey(flow.token, answer, request)).kind, 'code_wrong');
  });

  test('the challenge is single-use and bound to the flow row it was issued for', async () => {
    // An answer to flow A's challenge, posted with flow B's token: B has no such challenge.
    const a = await atPasskeyStep('dora');
    const b = await atPasskeyStep('dora');
    const forA = await doraKey.assert(gesture(a.challenge), { userHandle: handleOf(ids.dora) });
    const crossed = await service.verifyResetPasskey(b.flow.token, forA, request);
    assert.ok(crossed.kind === 'code_wrong', 'an answer over another flow’s challenge is refused');

    // A's own answer works once; replaying it on the successor row is dead (the token is used).
    const first = await service.verifyResetPasskey(a.flow.token, forA, request);
    assert.ok(first.kind === 'advanced');
    assert.deepEqual(await service.verifyResetPasskey(a.flow.token, forA, request), { kind: 'dead', reason: 'used' });

    // After a wrong try, the successor row has no challenge until its page asks for one; the old one is spent.
    const c = await atPasskeyStep('dora');
    const wrong = await service.verifyResetPasskey(c.flow.token, await erikKey.assert(gesture(c.challenge)), request);
    assert.ok(wrong.kind === 'code_wrong');
    const stale = await doraKey.assert(gesture(c.challenge), { userHandle: handleOf(ids.dora) });
    assert.equal((await service.verifyResetPasskey(wrong.flow.token, stale, request)).kind, 'code_wrong');
    const [event] = await services.store.listAudit({ subject: ids.dora, type: 'reset.verify', limit: 1 });
    assert.equal(event?.detail.reason, 'challenge_missing');
  });

  test('a wrong origin, no user verification and a counter that goes back are refused', async () => {
    const origin = await atPasskeyStep('dora');
    const phished = await doraKey.assert(
      { ...gesture(origin.challenge), origin: 'https://nyckel.example.com' },
      { userHandle: handleOf(ids.dora) },
    );
    assert.equal((await service.verifyResetPasskey(origin.flow.token, phished, request)).kind, 'code_wrong');

    const uv = await atPasskeyStep('dora');
    const noUv = await doraKey.assert({ ...gesture(uv.challenge), userVerified: false }, { userHandle: handleOf(ids.dora) });
    assert.equal((await service.verifyResetPasskey(uv.flow.token, noUv, request)).kind, 'code_wrong');

    const cloned = await atPasskeyStep('dora');
    // A copy of the authenticator that is at the counter the server last stored, and does not count up.
    doraKey.counter = (await passkeyDeps().passkeys.listPasskeys(ids.dora))[0]?.counter ?? 0;
    const old = await doraKey.assert(gesture(cloned.challenge), { userHandle: handleOf(ids.dora), countUp: false });
    assert.equal((await service.verifyResetPasskey(cloned.flow.token, old, request)).kind, 'code_wrong');
    const [event] = await services.store.listAudit({ subject: ids.dora, type: 'reset.verify', limit: 1 });
    assert.equal(event?.detail.reason, 'counter_regressed');
  });

  test('failed assertions end the flow at maxCodeAttempts, like wrong codes', async () => {
    let { flow } = await atPasskeyStep('dora');
    for (let i = 0; i < config.reset.maxCodeAttempts; i += 1) {
      const options = await service.startResetPasskey(flow);
      assert.ok(options !== null);
      const outcome = await service.verifyResetPasskey(flow.token, await erikKey.assert(gesture(options.challenge)), request);
      assert.ok(outcome.kind === 'code_wrong' || outcome.kind === 'advanced');
      flow = outcome.flow;
    }
    assert.deepEqual(flow.state, { step: 'failed' });
  });

  test('a passkey step takes no typed code, and an empty answer is asked for again without counting', async () => {
    const { flow } = await atPasskeyStep('dora');
    assert.equal((await service.verifyResetCode(flow.token, '123456', request)).kind, 'wrong_state');
    const empty = await service.verifyResetPasskey(flow.token, '', request);
    assert.deepEqual(empty.kind === 'invalid_input' && empty.problem, 'credential_missing');
    const garbage = await service.verifyResetPasskey(flow.token, '{"id":"x"}', request);
    assert.ok(garbage.kind === 'code_wrong', 'a malformed answer is a failed try');
    assert.equal(garbage.attemptsLeft, 4);
  });
});
