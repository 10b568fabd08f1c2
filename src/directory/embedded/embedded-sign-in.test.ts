// Tests for signing in to the embedded directory beyond the Directory contract: password expiry
// (maxPasswordAgeDays) and the timed lockout (threshold, lockoutMinutes, parallel failures,
// disabled accounts), each run on SQLite and on a real PostgreSQL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../domain/clock.ts';
import { rejectsWith } from '../directory.contract.ts';
import { DAY, describeOnEachBackend, MINUTE, makeDirectory, P1, P2, WRONG } from './embedded-directory.test-support.ts';

describeOnEachBackend((fx) => {
  const { newAccount } = fx;

  describe('password expiry', () => {
    test('a password older than maxPasswordAgeDays signs in as expired until changed', async () => {
      const clock = new ManualClock('2026-03-01T08:00:00Z');
      const directory = makeDirectory(fx.db, clock, { embedded: { maxPasswordAgeDays: 90 } });
      const a = await newAccount(directory);
      const state = await directory.readState(a.id);
      assert.deepEqual(state.passwordChangedAt, new Date('2026-03-01T08:00:00Z'));
      assert.deepEqual(state.passwordExpiresAt, new Date(Date.parse('2026-03-01T08:00:00Z') + 90 * DAY));

      clock.advance(90 * DAY - MINUTE);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
      assert.equal((await directory.readState(a.id)).isExpired, false);
      clock.advance(MINUTE);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'expired');
      assert.equal((await directory.readState(a.id)).isExpired, true);
      // A wrong password still says only 'invalid': expiry is news for the owner alone.
      assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'invalid');

      await directory.changePassword(a.id, P1, P2);
      assert.equal((await directory.authenticate(a.username, P2)).outcome, 'ok');
      const renewed = await directory.readState(a.id);
      assert.equal(renewed.isExpired, false);
      assert.deepEqual(renewed.passwordExpiresAt, new Date(clock.now().getTime() + 90 * DAY));
    });

    test('with maxPasswordAgeDays 0 passwords never expire', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { maxPasswordAgeDays: 0 } });
      const a = await newAccount(directory);
      clock.advance(3650 * DAY);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
      const state = await directory.readState(a.id);
      assert.equal(state.passwordExpiresAt, null);
      assert.equal(state.isExpired, false);
    });

    test('must-change wins over expired', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { maxPasswordAgeDays: 30 } });
      const a = await newAccount(directory);
      await directory.requireChange(a.id);
      clock.advance(31 * DAY);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'must_change');
    });
  });

  describe('lockout', () => {
    test('the attempt that reaches the threshold answers invalid; the lock then ends by itself after lockoutMinutes', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 3, lockoutMinutes: 15 } });
      const a = await newAccount(directory);
      for (let i = 0; i < 3; i++) assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'invalid');
      const lockedAt = clock.now().getTime();
      const state = await directory.readState(a.id);
      assert.equal(state.isLocked, true);
      assert.deepEqual(state.lockedUntil, new Date(lockedAt + 15 * MINUTE));

      clock.advance(5 * MINUTE);
      // Guessing while locked neither checks the password nor extends the lock.
      assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'locked');
      assert.deepEqual((await directory.readState(a.id)).lockedUntil, new Date(lockedAt + 15 * MINUTE));
      clock.advance(10 * MINUTE - 1);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'locked');
      clock.advance(1);
      assert.equal((await directory.readState(a.id)).isLocked, false);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('an expired lock is cleared on the next attempt, counter included', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 3, lockoutMinutes: 15 } });
      const a = await newAccount(directory);
      for (let i = 0; i < 3; i++) await directory.authenticate(a.username, WRONG);
      clock.advance(16 * MINUTE);
      // Had the old count (3) survived, the first wrong attempt would lock again.
      assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'invalid');
      const row = await fx.db
        .selectFrom('accounts')
        .select(['failed_attempts', 'locked_until'])
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual({ ...row, failed_attempts: Number(row.failed_attempts) }, { failed_attempts: 1, locked_until: null });
      assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'invalid');
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('failures arriving in parallel are all counted', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 4 } });
      const a = await newAccount(directory);
      const results = await Promise.all(Array.from({ length: 4 }, () => directory.authenticate(a.username, WRONG)));
      assert.ok(results.every((r) => r.outcome === 'invalid' || r.outcome === 'locked'));
      assert.equal((await directory.readState(a.id)).isLocked, true);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'locked');
    });

    test('threshold 0 never locks', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 0 } });
      const a = await newAccount(directory);
      for (let i = 0; i < 12; i++) assert.equal((await directory.authenticate(a.username, WRONG)).outcome, 'invalid');
      assert.equal((await directory.readState(a.id)).isLocked, false);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('a wrong old password in changePassword counts toward lockout; a locked account cannot change', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 2 } });
      const a = await newAccount(directory);
      await rejectsWith(directory.changePassword(a.id, WRONG, P2), 'invalid_credentials');
      await rejectsWith(directory.changePassword(a.id, WRONG, P2), 'invalid_credentials');
      assert.equal((await directory.readState(a.id)).isLocked, true);
      await rejectsWith(directory.changePassword(a.id, P1, P2), 'account_locked');
      await directory.unlock(a.id);
      await directory.changePassword(a.id, P1, P2);
      assert.equal((await directory.authenticate(a.username, P2)).outcome, 'ok');
    });

    test('a disabled account with a wrong password answers invalid and is not counted', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 2 } });
      const a = await newAccount(directory);
      await directory.setDisabled(a.id, true);
      for (let i = 0; i < 3; i++) assert.deepEqual(await directory.authenticate(a.username, WRONG), { outcome: 'invalid', account: null });
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'disabled');
      await rejectsWith(directory.changePassword(a.id, P1, P2), 'account_disabled');
      await directory.setDisabled(a.id, false);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok', 'never locked while disabled');
    });
  });
});
