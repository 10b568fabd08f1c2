// Tests for the security-info change policy: the first method only from a trusted zone or with
// a helpdesk pass, later changes only after a recent second step, and pass redemption with its
// attempt limit (real SQLite store, in-memory SecurityInfo double).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createServices, type Services } from '../../app/services.ts';
import { configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import { createLogger } from '../../observability/logger.ts';
import { InMemorySecurityInfo } from '../second-step/security-info.test-double.ts';
import { type ChangeContext, decideChangeAccess, isRecent, readPass, redeemHelpdeskPass } from './flow.ts';

const MINUTE = 60_000;
const policy = { recentSecondStepMinutes: 10, passValidMinutes: 30 };
const now = Date.parse('2026-05-04T10:00:00Z');
const base: ChangeContext = { hasMethods: false, isFromTrustedZone: false, passRedeemedAt: null, lastSecondStepAt: null, now };

describe('security-info change policy', () => {
  it('refuses a first method from outside the trusted zones without a pass', () => {
    assert.deepEqual(decideChangeAccess(base, policy), { kind: 'needs_pass' });
    // A second step does not help an account without methods: there was nothing to prove.
    assert.deepEqual(decideChangeAccess({ ...base, lastSecondStepAt: now }, policy), { kind: 'needs_pass' });
  });

  it('allows a first method from a trusted zone', () => {
    assert.deepEqual(decideChangeAccess({ ...base, isFromTrustedZone: true }, policy), { kind: 'allowed', because: 'trusted_zone' });
  });

  it('allows a first method with a pass redeemed within passValidMinutes', () => {
    assert.deepEqual(decideChangeAccess({ ...base, passRedeemedAt: now - 29 * MINUTE }, policy), { kind: 'allowed', because: 'pass' });
    assert.deepEqual(decideChangeAccess({ ...base, passRedeemedAt: now - 30 * MINUTE }, policy), { kind: 'needs_pass' });
  });

  it('needs a second step within recentSecondStepMinutes once the account has methods', () => {
    const withMethods = { ...base, hasMethods: true, isFromTrustedZone: true, passRedeemedAt: now };
    assert.deepEqual(decideChangeAccess(withMethods, policy), { kind: 'needs_second_step' });
    assert.deepEqual(decideChangeAccess({ ...withMethods, lastSecondStepAt: now - 9 * MINUTE }, policy), {
      kind: 'allowed',
      because: 'recent_second_step',
    });
    assert.deepEqual(decideChangeAccess({ ...withMethods, lastSecondStepAt: now - 10 * MINUTE }, policy), { kind: 'needs_second_step' });
  });

  it('a time in the future is not recent', () => {
    assert.equal(isRecent(now + MINUTE, now, 10), false);
    assert.equal(isRecent(null, now, 10), false);
    assert.equal(isRecent(now, now, 10), true);
  });

  it('reads passes and refuses odd input', () => {
    assert.equal(readPass('  ABCD-1234 '), 'ABCD-1234');
    assert.equal(readPass(''), null);
    assert.equal(readPass("'; DROP TABLE sessions; --"), null);
    assert.equal(readPass('A'.repeat(65)), null);
  });
});

describe('redeeming a helpdesk pass', () => {
  let dir: string;
  let services: Services;
  const clock = new ManualClock('2026-05-04T10:00:00Z');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nyckel-security-info-'));
    services = await createServices(configSchema.parse({ dataDir: dir }), { clock, logger: createLogger('silent') });
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redeems a right pass once and counts wrong ones up to the limit', async () => {
    const info = new InMemorySecurityInfo();
    const deps = { securityInfo: info, store: services.store, clock, attemptLimit: { limit: 3, windowMinutes: 15 } };
    const pass = await info.issuePass('a1', { singleUse: true, validMinutes: 60, issuedBy: 'helpdesk' });
    assert.deepEqual(await redeemHelpdeskPass(deps, 'a1', 'nonsense!'), { kind: 'invalid' });
    assert.deepEqual(await redeemHelpdeskPass(deps, 'a1', 'WRONG1'), { kind: 'refused', reason: 'wrong' });
    assert.deepEqual(await redeemHelpdeskPass(deps, 'a1', ` ${pass} `), { kind: 'redeemed', at: clock.now().getTime() });
    assert.deepEqual(await redeemHelpdeskPass(deps, 'a1', pass), { kind: 'refused', reason: 'wrong' });
    const limited = await redeemHelpdeskPass(deps, 'a1', pass);
    assert.equal(limited.kind, 'rate_limited');
  });
});
