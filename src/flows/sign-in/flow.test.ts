// Tests for the sign-in flow on a real SQLite store and the embedded directory.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createServices, type Services } from '../../app/services.ts';
import { configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import { createLogger } from '../../observability/logger.ts';
import { normaliseIdentifier, type SignInDeps, signIn, signInKeys } from './flow.ts';

const PASSWORD = 'Rätt lösenord för Åsa 2026';

describe('sign-in flow', () => {
  let dir: string;
  let services: Services;
  let deps: SignInDeps;
  let accountId: string;
  const clock = new ManualClock('2026-05-04T10:00:00Z');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nyckel-flow-'));
    const config = configSchema.parse({
      dataDir: dir,
      directory: { embedded: { lockoutThreshold: 2, lockoutMinutes: 10, argon2: { memoryKiB: 8192, iterations: 1 } } },
      rateLimits: { signInPerIp: { limit: 5, windowMinutes: 15 }, signInPerAccount: { limit: 4, windowMinutes: 15 } },
    });
    services = await createServices(config, { clock, logger: createLogger('silent') });
    deps = { store: services.store, directory: services.directory, clock, config };
    const account = await services.embeddedDirectory?.createAccount(
      { username: 'åsa.öberg', email: 'asa@example.se', displayName: 'Åsa Öberg' },
      PASSWORD,
    );
    accountId = account?.id ?? '';
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('normalises identifiers to NFC and trims them', () => {
    const decomposed = 'a\u030asa'; // "åsa" with a combining ring
    assert.equal(normaliseIdentifier(`  ${decomposed}  `), 'åsa');
  });

  it('signs in with a decomposed, padded identifier', async () => {
    const outcome = await signIn(deps, { identifier: ' a\u030asa.o\u0308berg ', password: PASSWORD, ip: '192.0.2.1' });
    assert.equal(outcome.kind, 'signed_in');
    const [event] = await services.store.listAudit({ type: 'sign_in', limit: 1 });
    assert.equal(event?.outcome, 'success');
    assert.equal(event?.subject, accountId);
    assert.equal(event?.ip, '192.0.2.1');
  });

  it('reports form problems without counting an attempt', async () => {
    const outcome = await signIn(deps, { identifier: ' ', password: '', ip: '192.0.2.1' });
    assert.deepEqual(outcome, { kind: 'invalid_input', problems: ['identifier_missing', 'password_missing'], identifier: '' });
    const peek = await services.store.peekRateLimit(signInKeys.ip('192.0.2.1'), 5, 15 * 60_000, clock.now());
    assert.equal(peek.count, 0);
  });

  it('counts the attempt before checking the password', async () => {
    for (let i = 0; i < 4; i++) await signIn(deps, { identifier: 'someone.else', password: 'x', ip: `192.0.2.${i}` });
    const peek = await services.store.peekRateLimit(signInKeys.account('Someone.Else'), 4, 15 * 60_000, clock.now());
    assert.equal(peek.count, 4, 'keys are lower-cased');
    const outcome = await signIn(deps, { identifier: 'SOMEONE.ELSE', password: 'x', ip: '192.0.2.99' });
    assert.equal(outcome.kind, 'rate_limited');
    assert.ok(outcome.kind === 'rate_limited' && outcome.retryAfterMs > 0);
  });

  it('audits a wrong password with the account id and an unknown account without one', async () => {
    await signIn(deps, { identifier: 'åsa.öberg', password: 'wrong', ip: '192.0.2.1' });
    await signIn(deps, { identifier: 'ingen.alls', password: 'wrong', ip: '192.0.2.1' });
    const events = await services.store.listAudit({ type: 'sign_in', limit: 5 });
    const reasons = events.map((e) => [e.subject, e.detail.reason]);
    assert.deepEqual(
      reasons.sort(),
      [
        [accountId, 'wrong_password'],
        [null, 'unknown_account'],
      ].sort(),
    );
    assert.equal(JSON.stringify(events).includes('wrong'), true, 'the reason mentions wrong_password');
    assert.equal(JSON.stringify(events).includes('ingen.alls'), false, 'the typed identifier is not kept');
  });

  it('locks unknown identifiers exactly like real accounts, and for as long', async () => {
    const run = async (identifier: string) => {
      const kinds: string[] = [];
      for (let i = 0; i < 3; i++) kinds.push((await signIn(deps, { identifier, password: 'wrong', ip: `198.51.100.${i}` })).kind);
      return kinds;
    };
    const real = await run('åsa.öberg');
    const unknown = await run('ingen.alls');
    assert.deepEqual(real, ['invalid_credentials', 'invalid_credentials', 'locked']);
    assert.deepEqual(unknown, real);
    clock.advance(11 * 60_000);
    assert.equal((await signIn(deps, { identifier: 'ingen.alls', password: 'wrong', ip: '192.0.2.2' })).kind, 'invalid_credentials');
    assert.equal((await signIn(deps, { identifier: 'åsa.öberg', password: PASSWORD, ip: '192.0.2.2' })).kind, 'signed_in');
  });

  it('requires a change for must-change accounts', async () => {
    await services.directory.requireChange(accountId);
    const outcome = await signIn(deps, { identifier: 'asa@example.se', password: PASSWORD, ip: '192.0.2.1' });
    assert.equal(outcome.kind, 'change_required');
    assert.ok(outcome.kind === 'change_required' && outcome.reason === 'must_change');
  });

  it('refuses absurdly long passwords without hashing them', async () => {
    const outcome = await signIn(deps, { identifier: 'åsa.öberg', password: 'x'.repeat(5000), ip: '192.0.2.1' });
    assert.equal(outcome.kind, 'invalid_credentials');
  });
});
