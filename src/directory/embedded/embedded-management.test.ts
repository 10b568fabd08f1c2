// Tests for the embedded directory's management API and input handling: createAccount,
// importAccounts (bulk, all or nothing), flags, delete and count, listing with cursors,
// overlong input, SQL metacharacters and ping, each run on SQLite and on a real PostgreSQL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../domain/clock.ts';
import { rejectionOf, rejectsWith } from '../directory.contract.ts';
import { describeOnEachBackend, makeDirectory, P1, P2, P3 } from './embedded-directory.test-support.ts';

describeOnEachBackend((fx) => {
  const { unique, newAccount, storedHash } = fx;

  describe('management', () => {
    test('createAccount normalises input and refuses duplicates naming the field', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const name = unique('Anna.Berg');
      const created = await directory.createAccount({
        username: `  ${name} `,
        email: `${name}@Kommun.SE`,
        displayName: 'Anna Berg',
        department: 'Socialförvaltningen',
        mobile: '070-123 45 67',
      });
      assert.deepEqual(
        { ...created, id: undefined },
        {
          id: undefined,
          username: name.toLowerCase(),
          email: `${name.toLowerCase()}@kommun.se`,
          displayName: 'Anna Berg',
          department: 'Socialförvaltningen',
          mobile: '+46701234567',
        },
      );
      assert.deepEqual(await directory.getAccount(created.id), created);

      const byName = await rejectsWith(directory.createAccount({ username: name.toUpperCase(), displayName: 'X' }), 'account_exists');
      assert.equal(byName.detail?.field, 'username');
      assert.match(byName.message, /username/);
      const byEmail = await rejectsWith(
        directory.createAccount({ username: unique(), email: `${name}@kommun.se`, displayName: 'X' }),
        'account_exists',
      );
      assert.equal(byEmail.detail?.field, 'email');
      assert.match(byEmail.message, /e-mail/);
      // Either one signs in, so a new username may not be someone's e-mail address.
      const crossed = await rejectsWith(directory.createAccount({ username: `${name}@kommun.se`, displayName: 'X' }), 'account_exists');
      assert.equal(crossed.detail?.field, 'username');

      const invalid = await rejectsWith(directory.createAccount({ username: 'has space', displayName: '' }), 'invalid_input');
      assert.deepEqual(
        ((invalid.detail?.problems ?? []) as { field: string }[]).map((p) => p.field),
        ['username', 'displayName'],
      );
      const short = await rejectsWith(directory.createAccount({ username: unique(), displayName: 'X' }, 'kort'), 'policy_violation');
      assert.deepEqual(rejectionOf(short), { rule: 'too_short', minLength: 12 });
    });

    test('SQL metacharacters are stored verbatim', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const displayName = 'Robert\'); DROP TABLE accounts;-- "O\'Brien" \\ % _';
      const department = "' OR '1'='1' --; /* */";
      const created = await directory.createAccount({ username: unique("o'brien").replace("'", ''), displayName, department });
      const read = await directory.getAccount(created.id);
      assert.equal(read?.displayName, displayName);
      assert.equal(read?.department, department);
      assert.ok((await directory.countAccounts()) > 0, 'the accounts table is still there');
      assert.equal(await directory.findAccount("' OR '1'='1"), null);
      assert.equal(await directory.findAccount('%'), null);
    });

    test('an account without a password cannot sign in until one is set', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const a = await newAccount(directory, null);
      assert.equal(await storedHash(a.id), null);
      assert.deepEqual(await directory.authenticate(a.username, ''), { outcome: 'invalid', account: null });
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'invalid');
      const state = await directory.readState(a.id);
      assert.equal(state.passwordChangedAt, null);
      await directory.setPassword(a.id, P1);
      assert.equal((await directory.authenticate(a.username, P1)).outcome, 'ok');
    });

    test('importAccounts creates every row in one go', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const countBefore = await directory.countAccounts();
      const prefix = unique('bulk');
      const rows = Array.from({ length: 1201 }, (_, i) => ({
        username: `${prefix}.${i}`,
        email: `${prefix}.${i}@kommun.se`,
        displayName: `Bulk ${i}`,
        mobile: i % 2 === 0 ? '+46 70 123 45 67' : '',
      }));
      assert.deepEqual(await directory.importAccounts(rows), { created: 1201 });
      assert.equal(await directory.countAccounts(), countBefore + 1201);
      const found = await directory.findAccount(`${prefix}.1200@KOMMUN.se`);
      assert.equal(found?.username, `${prefix}.1200`);
      assert.equal(found?.mobile, '+46701234567');
      assert.equal((await directory.findAccount(`${prefix}.1199`))?.mobile, null);
      assert.equal((await directory.authenticate(`${prefix}.0`, '')).outcome, 'invalid');
    });

    test('importAccounts is all or nothing', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const existing = await newAccount(directory);
      const countBefore = await directory.countAccounts();
      const fresh = unique('fresh');

      // Second row duplicates an existing account: nothing is created, not even row one.
      const clash = await rejectsWith(
        directory.importAccounts([
          { username: fresh, displayName: 'Fresh' },
          { username: existing.username, displayName: 'Clash' },
        ]),
        'account_exists',
      );
      assert.equal(clash.detail?.row, 2);
      assert.equal(clash.detail?.field, 'username');
      assert.match(clash.message, /row 2/);
      assert.equal(await directory.countAccounts(), countBefore);
      assert.equal(await directory.findAccount(fresh), null);

      // Duplicates inside the batch, e-mail this time.
      const inside = await rejectsWith(
        directory.importAccounts([
          { username: fresh, email: `${fresh}@kommun.se`, displayName: 'One' },
          { username: `${fresh}x`, email: `${fresh.toUpperCase()}@kommun.se`, displayName: 'Two' },
        ]),
        'account_exists',
      );
      assert.deepEqual(
        { row: inside.detail?.row, field: inside.detail?.field, otherRow: inside.detail?.otherRow },
        { row: 2, field: 'email', otherRow: 1 },
      );

      // Invalid rows: every problem reported by row, nothing created.
      const invalid = await rejectsWith(
        directory.importAccounts([
          { username: fresh, displayName: 'Fine' },
          { username: 'bad name', displayName: 'Bad', mobile: '12345' },
        ]),
        'invalid_input',
      );
      assert.deepEqual(
        ((invalid.detail?.problems ?? []) as { row: number; field: string }[]).map((p) => `${p.row}:${p.field}`),
        ['2:username', '2:mobile'],
      );
      assert.equal(await directory.countAccounts(), countBefore);
    });

    test('flags, delete and count', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      const a = await newAccount(directory);
      await directory.setPrivileged(a.id, true);
      assert.equal((await directory.readState(a.id)).isPrivileged, true);
      await directory.setPrivileged(a.id, false);
      assert.equal((await directory.readState(a.id)).isPrivileged, false);
      await directory.setPassword(a.id, P2); // leaves a history row
      const count = await directory.countAccounts();
      await directory.deleteAccount(a.id);
      assert.equal(await directory.countAccounts(), count - 1);
      assert.equal(await directory.getAccount(a.id), null);
      const history = await fx.db.selectFrom('password_history').select('id').where('account_id', '=', a.id).execute();
      assert.equal(history.length, 0);
      await rejectsWith(directory.deleteAccount(a.id), 'account_not_found');
      await rejectsWith(directory.setDisabled(a.id, true), 'account_not_found');
      await rejectsWith(directory.unlock(a.id), 'account_not_found');
      await rejectsWith(directory.requireChange(a.id), 'account_not_found');
      await rejectsWith(directory.changePassword(a.id, P2, P3), 'account_not_found');
    });

    test('listAccounts orders by username and refuses a tampered cursor', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      await newAccount(directory);
      const first = await directory.listAccounts({ pageSize: 2 });
      assert.equal(first.accounts.length, 2);
      const [x, y] = first.accounts;
      assert.ok(x !== undefined && y !== undefined && x.username < y.username);
      assert.ok(first.nextCursor !== null);
      const second = await directory.listAccounts({ pageSize: 2, cursor: first.nextCursor });
      assert.ok((second.accounts[0]?.username ?? '') > y.username);
      for (const bad of ['!!!', 'a b', `${first.nextCursor}=`, '']) {
        await rejectsWith(directory.listAccounts({ pageSize: 2, cursor: bad }), 'invalid_input');
      }
      await rejectsWith(directory.listAccounts({ pageSize: 1.5 }), 'invalid_input');
    });

    test('overlong identifiers and ids find nothing', async () => {
      const clock = new ManualClock();
      const directory = makeDirectory(fx.db, clock);
      assert.equal(await directory.findAccount('a'.repeat(257)), null);
      assert.equal(await directory.getAccount('a'.repeat(65)), null);
      await rejectsWith(directory.readState('a'.repeat(65)), 'account_not_found');
    });

    test('ping reports directory_unavailable when the database is gone', async () => {
      const opened = await fx.backend.open();
      const directory = makeDirectory(opened.open.db, new ManualClock());
      await directory.ping();
      await opened.cleanup();
      await rejectsWith(directory.ping(), 'directory_unavailable');
    });
  });
});
