// Tests for passwords in the embedded directory: the length rules in code points after NFC
// normalisation, the history of replaced passwords, what a change resets, and the argon2id
// hashes (parameters, upgrade at sign-in, timing of unknown accounts), each run on SQLite and
// on a real PostgreSQL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { ManualClock } from '../../domain/clock.ts';
import { rejectionOf, rejectsWith } from '../directory.contract.ts';
import { DAY, describeOnEachBackend, makeDirectory, P1, P2, P3, P4, WRONG } from './embedded-directory.test-support.ts';
import { EmbeddedDirectory } from './embedded-directory.ts';

describeOnEachBackend((fx) => {
  const { newAccount, storedHash } = fx;

  describe('password policy', () => {
    test('length is counted in code points after NFC normalisation', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { policy: { minLength: 12, maxLength: 64 } });
      const a = await newAccount(directory);
      // Twelve "å" typed decomposed (a + combining ring: 24 code points) are twelve characters.
      const decomposed = 'a\u030A'.repeat(12);
      await directory.setPassword(a.id, decomposed);
      // ... and the composed form signs in: both normalise to the same password.
      assert.equal((await directory.authenticate(a.username, '\u00E5'.repeat(12))).outcome, 'ok');
      // Eleven emoji are 22 UTF-16 units but eleven characters: too short.
      const short = await rejectsWith(directory.setPassword(a.id, '🔑'.repeat(11)), 'policy_violation');
      assert.deepEqual(rejectionOf(short), { rule: 'too_short', minLength: 12 });
      await directory.setPassword(a.id, '🔑'.repeat(12));
      const long = await rejectsWith(directory.setPassword(a.id, 'x'.repeat(65)), 'policy_violation');
      assert.deepEqual(rejectionOf(long), { rule: 'too_long', maxLength: 64 });
      assert.match(long.message, /at most 64/);
      await directory.setPassword(a.id, `${'y'.repeat(63)}\u0000`); // every character allowed, NUL included
      assert.equal((await directory.authenticate(a.username, `${'y'.repeat(63)}\u0000`)).outcome, 'ok');
      assert.equal((await directory.authenticate(a.username, 'y'.repeat(63))).outcome, 'invalid');
    });

    test('history keeps the last historySize passwords and no more', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { historySize: 2 } });
      const a = await newAccount(directory);
      await directory.changePassword(a.id, P1, P2);
      await directory.changePassword(a.id, P2, P3);
      // Current P3; remembered P2 and P1.
      const same = await rejectsWith(directory.setPassword(a.id, P3), 'policy_violation');
      assert.deepEqual(rejectionOf(same), { rule: 'same_as_current' });
      for (const old of [P1, P2]) {
        const error = await rejectsWith(directory.changePassword(a.id, P3, old), 'policy_violation');
        assert.deepEqual(rejectionOf(error), { rule: 'in_history', historySize: 2 });
        assert.match(error.message, /used before/);
      }
      await directory.changePassword(a.id, P3, P4);
      // Now P3 and P2 are remembered; P1 has dropped out.
      const rows = await fx.db.selectFrom('password_history').select('id').where('account_id', '=', a.id).execute();
      assert.equal(rows.length, 2);
      await rejectsWith(directory.setPassword(a.id, P2), 'policy_violation');
      await directory.setPassword(a.id, P1);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('with historySize 0 an earlier password may come back, but not the current one', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { historySize: 0 } });
      const a = await newAccount(directory);
      await directory.setPassword(a.id, P2);
      await directory.setPassword(a.id, P1);
      await rejectsWith(directory.setPassword(a.id, P1), 'policy_violation');
      const rows = await fx.db.selectFrom('password_history').select('id').where('account_id', '=', a.id).execute();
      assert.equal(rows.length, 0);
    });

    test('a successful change resets counter, lock and must-change, and records the time', async () => {
      const clock = new ManualClock('2026-05-01T10:00:00Z');
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 5 } });
      const a = await newAccount(directory);
      await directory.requireChange(a.id);
      for (let i = 0; i < 2; i++) await directory.authenticate(a.username, WRONG);
      clock.advance(DAY);
      await directory.setPassword(a.id, P2);
      const row = await fx.db.selectFrom('accounts').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      assert.equal(Number(row.failed_attempts), 0);
      assert.equal(row.locked_until, null);
      assert.equal(Number(row.must_change), 0);
      assert.equal(Number(row.password_changed_at), Date.parse('2026-05-02T10:00:00Z'));
    });
  });

  describe('hashes', () => {
    test('passwords and history are stored as argon2id with the configured parameters', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const a = await newAccount(directory);
      const first = await storedHash(a.id);
      assert.match(first ?? '', /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
      assert.ok(!(first ?? '').includes(P1));
      await directory.setPassword(a.id, P2);
      const history = await fx.db.selectFrom('password_history').select('password_hash').where('account_id', '=', a.id).execute();
      assert.deepEqual(
        history.map((h) => h.password_hash),
        [first],
      );
    });

    test('the default parameters (RFC 9106) are used when none are configured', async () => {
      const config = configSchema.parse({});
      const directory = new EmbeddedDirectory(fx.db, config.directory.embedded, config.passwordPolicy, new ManualClock());
      const a = await newAccount(directory, 'Standardparametrar-2026');
      assert.match((await storedHash(a.id)) ?? '', /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
      assert.equal((await directory.authenticate(a.username, 'Standardparametrar-2026')).outcome, 'ok');
    });

    test('a hash made with older parameters is upgraded at the next successful sign-in', async () => {
      const clock = new ManualClock();
      const before = makeDirectory(fx.db, clock);
      const a = await newAccount(before);
      const stronger = makeDirectory(fx.db, clock, { embedded: { argon2: { memoryKiB: 9216, iterations: 2, parallelism: 1 } } });
      assert.equal((await stronger.authenticate(a.username, WRONG)).outcome, 'invalid');
      assert.match((await storedHash(a.id)) ?? '', /m=8192,t=1,p=1/, 'a failed sign-in changes nothing');
      assert.equal((await stronger.authenticate(a.username, P1)).outcome, 'ok');
      assert.match((await storedHash(a.id)) ?? '', /^\$argon2id\$v=19\$m=9216,t=2,p=1\$/);
      assert.equal((await stronger.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('an unknown account takes about as long as a wrong password', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock, { embedded: { lockoutThreshold: 0 } });
      const a = await newAccount(directory);
      const time = async (identifier: string) => {
        const start = performance.now();
        await directory.authenticate(identifier, WRONG);
        return performance.now() - start;
      };
      await time('nobody-warm-up');
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 9; i++) {
        known.push(await time(a.username));
        unknown.push(await time(`nobody${i}`));
      }
      const median = (v: number[]) => [...v].sort((x, y) => x - y)[4] ?? Number.NaN;
      const ratio = median(unknown) / median(known);
      // Without the dummy verify the unknown case would be a bare SELECT, many times faster.
      assert.ok(ratio > 0.4, `unknown/known time ratio ${ratio.toFixed(2)}`);
    });
  });
});
