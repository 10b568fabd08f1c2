// The audit view's queries on SQLite and PostgreSQL: filters (type prefix with LIKE wildcards
// taken literally, subject, actor, outcome, time), keyset pages newest first in both directions,
// and the chain check of a page catching an edited event and a removed one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyStore } from '../store/kysely-store.ts';
import { AuditQueries } from './audit-queries.ts';
import { auditBackends } from './audit-store.test-support.ts';

const T0 = Date.parse('2026-03-02T08:00:00Z');

for (const backend of auditBackends) {
  describe(`audit queries on ${backend.name}`, () => {
    let database: Awaited<ReturnType<(typeof backend)['create']>>;
    let store: KyselyStore;
    let queries: AuditQueries;
    before(async () => {
      database = await backend.create();
      store = await database.open();
      queries = new AuditQueries(store.db);
      // 120 events a minute apart: every third a reset about bo, the rest sign-ins by anna (every
      // fifth failed), and one event whose type has LIKE wildcards in it.
      for (let i = 1; i <= 120; i++) {
        const at = new Date(T0 + i * 60_000);
        if (i % 3 === 0)
          await store.appendAudit({ type: 'reset.verify', actor: null, subject: 'bo', ip: '10.0.0.1', outcome: 'success' }, at);
        else
          await store.appendAudit(
            {
              type: i === 1 ? 'sign%in' : 'sign_in',
              actor: 'anna',
              subject: 'anna',
              ip: '10.0.0.2',
              outcome: i % 5 === 0 ? 'failure' : 'success',
            },
            at,
          );
      }
    });
    after(async () => {
      await store.close();
      await database.cleanup();
    });

    it('pages newest first by id, both ways, with cursors only where there is more', async () => {
      const first = await queries.listPage({}, {});
      assert.equal(first.events.length, 50);
      assert.equal(first.events[0]?.id, 120);
      assert.equal(first.events.at(-1)?.id, 71);
      assert.equal(first.newerCursor, null);
      assert.equal(first.olderCursor, 71);
      const second = await queries.listPage({}, { before: 71 });
      assert.deepEqual([second.events[0]?.id, second.events.at(-1)?.id, second.newerCursor, second.olderCursor], [70, 21, 70, 21]);
      const last = await queries.listPage({}, { before: 21 });
      assert.deepEqual([last.events.length, last.events[0]?.id, last.olderCursor, last.newerCursor], [20, 20, null, 20]);
      const back = await queries.listPage({}, { after: 70 });
      assert.deepEqual(
        back.events.map((e) => e.id),
        first.events.map((e) => e.id),
      );
      assert.equal(back.newerCursor, null);
      assert.equal(back.olderCursor, 71);
    });

    it('filters by type prefix, subject, actor, outcome and time', async () => {
      const resets = await queries.listPage({ typePrefix: 'reset.' }, {}, 500);
      assert.equal(resets.events.length, 40);
      assert.ok(resets.events.every((e) => e.type === 'reset.verify' && e.subject === 'bo'));
      // % and _ are literal: "sign%" finds only the one event whose type has a %, "sign_" only sign_in.
      assert.deepEqual(
        (await queries.listPage({ typePrefix: 'sign%' }, {})).events.map((e) => e.id),
        [1],
      );
      assert.equal((await queries.listPage({ typePrefix: 'sign_' }, {}, 500)).events.length, 79);
      assert.equal((await queries.listPage({ typePrefix: 'SIGN_IN' }, {}, 500)).events.length, 79);
      assert.equal((await queries.listPage({ subject: 'bo' }, {}, 500)).events.length, 40);
      assert.equal((await queries.listPage({ actor: 'anna', outcome: 'failure' }, {}, 500)).events.length, 16);
      const window = await queries.listPage({ from: new Date(T0 + 10 * 60_000), to: new Date(T0 + 20 * 60_000) }, {}, 500);
      assert.deepEqual(
        window.events.map((e) => e.id),
        [19, 18, 17, 16, 15, 14, 13, 12, 11, 10],
      );
      const none = await queries.listPage({ subject: 'nobody' }, {});
      assert.deepEqual([none.events.length, none.newerCursor, none.olderCursor], [0, null, null]);
    });

    it('checks a filtered page against the whole chain and names an edited or removed event', async () => {
      const resets = await queries.listPage({ typePrefix: 'reset.' }, {});
      assert.deepEqual(await queries.checkChain(resets.events), { intact: true, checked: 40 });
      await store.db.updateTable('audit_events').set({ detail: '{"reason":"edited"}' }).where('id', '=', 90).execute();
      const edited = await queries.listPage({ typePrefix: 'reset.' }, {});
      assert.deepEqual(await queries.checkChain(edited.events), { intact: false, checked: 30, id: 90, reason: 'changed' });
      // Removing the sign-in before event 60 breaks the link of a reset event that is shown.
      await store.db.deleteFrom('audit_events').where('id', '=', 59).execute();
      const page = await queries.listPage({ typePrefix: 'reset.' }, { before: 80 });
      assert.deepEqual(await queries.checkChain(page.events), { intact: false, checked: 20, id: 60, reason: 'unlinked' });
    });
  });
}
