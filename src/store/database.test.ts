// Opening the database and migrating it: migrations are idempotent on both backends, and a
// data directory that cannot be written gives a clear 'store_not_writable' error.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { isNyckelError } from '../domain/errors.ts';
import { ensureWritableDirectory, migrateToLatest, type OpenDatabase, openDatabase, sqlitePath } from './database.ts';

const tables = ['accounts', 'audit_events', 'password_history', 'rate_limits', 'sessions', 'settings'];

async function assertMigratesOnce(open: OpenDatabase): Promise<void> {
  const first = await migrateToLatest(open);
  assert.ok(first.applied.includes('0001-foundation'), `applied: ${first.applied.join(', ')}`);
  const second = await migrateToLatest(open);
  assert.deepEqual(second.applied, []);
  const names = (await open.db.introspection.getTables()).map((t) => t.name).sort();
  for (const table of tables) assert.ok(names.includes(table), `missing table ${table} in ${names.join(', ')}`);
  // Still usable after the second run.
  await open.db.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
  const row = await open.db.selectFrom('settings').select('value').where('key', '=', 'k').executeTakeFirst();
  assert.equal(row?.value, 'v');
}

describe('migrations', () => {
  it('are idempotent on SQLite, also across reopening the file', async (t) => {
    const dir = await makeTempDir('migrate-sqlite');
    t.after(() => dir.cleanup());
    const path = join(dir.path, 'nested', 'nyckel.db');
    const open = openDatabase({ driver: 'sqlite', path });
    try {
      await assertMigratesOnce(open);
    } finally {
      await open.db.destroy();
    }
    const reopened = openDatabase({ driver: 'sqlite', path });
    try {
      assert.deepEqual((await migrateToLatest(reopened)).applied, []);
      const row = await reopened.db.selectFrom('settings').select('value').where('key', '=', 'k').executeTakeFirst();
      assert.equal(row?.value, 'v', 'data survives reopening');
    } finally {
      await reopened.db.destroy();
    }
  });

  it('are idempotent on PostgreSQL', async (t) => {
    const database = await usePostgres();
    t.after(() => database.cleanup());
    const open = openDatabase({ driver: 'postgres', url: database.url });
    try {
      await assertMigratesOnce(open);
    } finally {
      await open.db.destroy();
    }
  });

  it('run concurrently from two PostgreSQL instances without breaking', async (t) => {
    const database = await usePostgres();
    t.after(() => database.cleanup());
    const a = openDatabase({ driver: 'postgres', url: database.url });
    const b = openDatabase({ driver: 'postgres', url: database.url });
    try {
      const results = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      // Kysely's migrator takes a lock: exactly one of the two applies the migrations, the other none.
      const counts = results.map((r) => r.applied.length).sort((x, y) => x - y);
      assert.equal(counts[0], 0);
      assert.ok((counts[1] ?? 0) >= 1, `applied: ${counts.join(', ')}`);
    } finally {
      await a.db.destroy();
      await b.db.destroy();
    }
  });
});

describe('an unwritable data directory', () => {
  // Tests run as root, and chmod does not stop root: a path below a regular file can never
  // be created, whoever runs the test.
  it('gives store_not_writable with a message that says what to do', async (t) => {
    const dir = await makeTempDir('unwritable');
    t.after(() => dir.cleanup());
    const blocker = join(dir.path, 'not-a-directory');
    writeFileSync(blocker, 'a regular file');
    const dataDir = join(blocker, 'data');
    assert.throws(
      () => openDatabase({ driver: 'sqlite', path: sqlitePath(dataDir, 'nyckel.db') }),
      (error: unknown) => {
        assert.ok(isNyckelError(error, 'store_not_writable'), `got ${String(error)}`);
        assert.equal(error.status, 500);
        assert.ok(error.message.includes(dataDir), error.message);
        assert.match(error.message, /cannot be written/);
        assert.match(error.message, /dataDir/);
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
        return true;
      },
    );
    assert.throws(
      () => ensureWritableDirectory(dataDir),
      (error: unknown) => isNyckelError(error, 'store_not_writable'),
    );
  });

  it('creates a missing data directory when it can', async (t) => {
    const dir = await makeTempDir('creatable');
    t.after(() => dir.cleanup());
    const path = sqlitePath(join(dir.path, 'a', 'b'), 'nyckel.db');
    assert.equal(path, join(dir.path, 'a', 'b', 'nyckel.db'));
    const open = openDatabase({ driver: 'sqlite', path });
    try {
      assert.ok((await migrateToLatest(open)).applied.length > 0);
    } finally {
      await open.db.destroy();
    }
  });
});
