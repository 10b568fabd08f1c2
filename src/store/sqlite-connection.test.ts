// The node:sqlite adapter: statements are prepared once per SQL text and reused, streams get
// their own statement (two streams of one query, or a query during a stream, don't disturb each
// other), many queries don't pile up prepared statements, and a synchronous write transaction
// never waits for another connection's lock.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeSqliteDatabase } from './sqlite-connection.ts';

describe('NodeSqliteDatabase', () => {
  let dir: string;
  let db: NodeSqliteDatabase;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nyckel-sqlite-'));
    db = new NodeSqliteDatabase(join(dir, 'test.db'));
    db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)').run([]);
    const insert = db.prepare('INSERT INTO t (id, name) VALUES (?, ?)');
    for (let i = 1; i <= 50; i++) insert.run([i, `n${i}`]);
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prepares each SQL text once however often it runs', () => {
    const before = db.preparedCount;
    for (let i = 0; i < 20_000; i++) {
      const rows = db.prepare('SELECT name FROM t WHERE id = ?').all([(i % 50) + 1]) as { name: string }[];
      assert.equal(rows[0]?.name, `n${(i % 50) + 1}`);
    }
    assert.equal(db.preparedCount, before + 1);
  });

  it('knows readers from writers', () => {
    assert.equal(db.prepare('SELECT id FROM t').reader, true);
    assert.equal(db.prepare('UPDATE t SET name = name WHERE id = 0').reader, false);
  });

  it('keeps two streams of one query, and a query during a stream, apart', () => {
    const sql = 'SELECT id FROM t WHERE id <= ? ORDER BY id';
    const first = db.prepare(sql).iterate([50]);
    const second = db.prepare(sql).iterate([3]);
    const seen: number[] = [];
    const a = first.next();
    seen.push((a.value as { id: number }).id);
    assert.deepEqual(
      [...second].map((row) => (row as { id: number }).id),
      [1, 2, 3],
    );
    assert.equal((db.prepare(sql).all([2]) as unknown[]).length, 2);
    for (const row of first) seen.push((row as { id: number }).id);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('writes a synchronous transaction, and gives up at once, without waiting, while another connection holds the lock', () => {
    const other = new NodeSqliteDatabase(join(dir, 'test.db'));
    try {
      other.prepare('BEGIN IMMEDIATE').run([]);
      const started = performance.now();
      assert.equal(
        db.tryWriteTransaction((w) => w.run('UPDATE t SET name = ? WHERE id = 1', ['locked out'])),
        null,
      );
      // The normal 5 s busy wait would have stalled the event loop here.
      assert.ok(performance.now() - started < 1000, 'no busy wait');
      other.prepare('COMMIT').run([]);
      const result = db.tryWriteTransaction((w) => {
        w.run('UPDATE t SET name = ? WHERE id = 1', ['written']);
        return w.all('SELECT name FROM t WHERE id = 1')[0]?.name;
      });
      assert.equal(result, 'written');
      // The lock wait is back to normal afterwards, and the write is visible to other connections.
      assert.equal((other.prepare('SELECT name FROM t WHERE id = 1').all([])[0] as { name: string }).name, 'written');
    } finally {
      other.close();
    }
  });

  it('rolls a synchronous transaction back when its work throws', () => {
    assert.throws(
      () =>
        db.tryWriteTransaction((w) => {
          w.run('UPDATE t SET name = ? WHERE id = 2', ['half done']);
          throw new Error('stop');
        }),
      /stop/,
    );
    assert.equal((db.prepare('SELECT name FROM t WHERE id = 2').all([])[0] as { name: string }).name, 'n2');
    // Not left inside a transaction: the next one starts.
    assert.equal(
      db.tryWriteTransaction((w) => w.all('SELECT count(*) AS n FROM t')[0]?.n),
      50,
    );
  });
});
