// Prepared queries: built once, run with new values on SQLite and a real PostgreSQL, with the
// query's own constants kept and every input bound in its place; a query whose input is not a
// bound parameter is refused when it is prepared.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { auditBackends } from '../audit/audit-store.test-support.ts';
import { PreparedQuery } from './prepared-query.ts';

for (const backend of auditBackends) {
  describe(`prepared queries on ${backend.name}`, () => {
    it('run with new values each time, inputs in their places and constants kept', async () => {
      const database = await backend.create();
      const store = await database.open();
      try {
        const db = store.db;
        const upsert = new PreparedQuery(['key', 'start'], (p) =>
          db
            .insertInto('rate_limits')
            .values({ key: p.key, window_start: p.start, count: 1 })
            .onConflict((oc) =>
              oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`${sql.ref('rate_limits.count')} + 1` }),
            )
            .returning('count'),
        );
        const counts = [];
        for (const [key, start] of [
          ['a', 10],
          ['a', 10],
          ['b', 10],
          ['a', 20],
          ['a', 10],
        ] as const) {
          counts.push(Number((await upsert.execute(db, { key, start })).rows[0]?.count));
        }
        assert.deepEqual(counts, [1, 2, 1, 1, 3]);
        const remove = new PreparedQuery(['key', 'before'], (p) =>
          db.deleteFrom('rate_limits').where('key', '=', p.key).where('window_start', '<', p.before),
        );
        assert.equal(Number((await remove.execute(db, { key: 'a', before: 20 })).numAffectedRows), 1);
        const rows = await db.selectFrom('rate_limits').select(['key', 'window_start', 'count']).orderBy('key').execute();
        assert.deepEqual(
          rows.map((r) => [r.key, Number(r.window_start), Number(r.count)]),
          [
            ['a', 20, 1],
            ['b', 10, 1],
          ],
        );
      } finally {
        await store.close();
        await database.cleanup();
      }
    });

    it('refuses a query where an input is not a bound parameter', async () => {
      const database = await backend.create();
      const store = await database.open();
      try {
        const db = store.db;
        assert.throws(
          () => new PreparedQuery(['key', 'unused'], (p) => db.selectFrom('rate_limits').selectAll().where('key', '=', p.key)),
          /"unused" is not a bound parameter/,
        );
        assert.throws(
          () => new PreparedQuery(['key'], (p) => db.selectFrom('rate_limits').selectAll().where('key', '=', sql.lit(p.key))),
          /not a bound parameter|written into the SQL text/,
        );
      } finally {
        await store.close();
        await database.cleanup();
      }
    });
  });
}
