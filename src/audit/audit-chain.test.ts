// The audit hash chain: canonical form, appends serialised across two instances, and
// verification that names the event that was changed, removed or moved — on SQLite and on a
// real PostgreSQL, tampering done with plain SQL as a database administrator would.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { openDatabase } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { migrationProvider } from '../store/migrations/index.ts';
import { ChainVerifier, canonicalEvent, canonicalJson, chainHash, GENESIS_HASH } from './audit-chain.ts';
import { verifyStoredChain } from './audit-export.ts';
import { auditBackends } from './audit-store.test-support.ts';

const T0 = new Date('2026-03-02T08:00:00.000Z');

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out whitespace and undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined }), '{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  });

  it('refuses values JSON cannot carry', () => {
    assert.throws(() => canonicalJson(Number.NaN), RangeError);
    assert.throws(() => canonicalJson(() => 1), TypeError);
  });

  it('chains: the hash is SHA-256 of the previous hash followed by the canonical event', () => {
    const event = { id: 1, at: T0, type: 'x', actor: null, subject: 'anna', ip: null, outcome: 'info', detail: { n: 1 } };
    assert.equal(
      canonicalEvent(event),
      '{"actor":null,"at":"2026-03-02T08:00:00.000Z","detail":{"n":1},"id":1,"ip":null,"outcome":"info","subject":"anna","type":"x"}',
    );
    const h = chainHash(GENESIS_HASH, event);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.notEqual(chainHash(h, event), h, 'the previous hash is part of the input');
    const verifier = new ChainVerifier();
    assert.equal(verifier.add({ ...event, prevHash: GENESIS_HASH, hash: h }), true);
    assert.deepEqual(verifier.finish({ lastId: 1, lastHash: h }), { intact: true, count: 1, lastHash: h, lastId: 1 });
  });
});

for (const backend of auditBackends) {
  describe(`audit chain on ${backend.name}`, () => {
    async function withChain(count: number, body: (store: KyselyStore) => Promise<void>): Promise<void> {
      const database = await backend.create();
      const store = await database.open();
      try {
        for (let i = 1; i <= count; i++) {
          await store.appendAudit(
            { type: 'reset.completed', actor: `user${i}`, subject: `user${i}`, ip: '192.0.2.1', outcome: 'success', detail: { step: i } },
            new Date(T0.getTime() + i),
          );
        }
        await body(store);
      } finally {
        await store.close();
        await database.cleanup();
      }
    }

    it('keeps one linear chain under 50 concurrent appends from two instances', async () => {
      const database = await backend.create();
      const a = await database.open();
      const b = await database.open();
      try {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 === 0 ? a : b).appendAudit({ type: 'concurrent', subject: `s${i}`, outcome: 'info', detail: { i } }, T0),
          ),
        );
        const verdict = await verifyStoredChain(b, 7);
        assert.deepEqual({ intact: verdict.intact, count: verdict.count }, { intact: true, count: 50 });
        const events = await a.listAuditChain({ limit: 100 });
        assert.deepEqual(
          events.map((e) => e.id),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        assert.deepEqual(
          events.map((e) => e.detail.i).sort((x, y) => Number(x) - Number(y)),
          Array.from({ length: 50 }, (_, i) => i),
        );
        assert.equal(events[0]?.prevHash, GENESIS_HASH);
        for (let i = 1; i < events.length; i++) assert.equal(events[i]?.prevHash, events[i - 1]?.hash, `event ${i + 1} links to ${i}`);
        assert.deepEqual(await a.getAuditChainHead(), { lastId: 50, lastHash: events[49]?.hash });
      } finally {
        await a.close();
        await b.close();
        await database.cleanup();
      }
    });

    it('gives each of many concurrent appends its own event, in the order they were made', async () => {
      const database = await backend.create();
      const store = await database.open();
      try {
        const chained = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store.appendAuditChained({ type: 'grouped', subject: `s${i}`, outcome: 'info', detail: { i } }, new Date(T0.getTime() + i)),
          ),
        );
        const stored = await store.listAuditChain({ limit: 100 });
        assert.deepEqual(
          chained.map((e) => e.subject),
          Array.from({ length: 30 }, (_, i) => `s${i}`),
          'each caller gets its own event back',
        );
        assert.deepEqual(
          chained.map((e) => e.id),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
        assert.deepEqual(chained, stored, 'what the callers got is what the chain holds');
        assert.equal((await verifyStoredChain(store, 7)).intact, true);
      } finally {
        await store.close();
        await database.cleanup();
      }
    });

    it('rejects every append of a batch that could not be written, and writes later ones', async () => {
      const database = await backend.create();
      const store = await database.open();
      try {
        await store.appendAudit({ type: 'before', outcome: 'info' }, T0);
        // The chain head row gone: the batch's head read fails inside the lock, as a broken database would.
        await sql`delete from audit_chain_head`.execute(store.db);
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => store.appendAudit({ type: 'lost', outcome: 'info', detail: { i } }, T0)),
        );
        assert.deepEqual(
          results.map((r) => r.status),
          Array.from({ length: 5 }, () => 'rejected'),
        );
        assert.equal((await store.listAuditChain({ limit: 10 })).length, 1, 'nothing of the failed batches was stored');
        await sql`insert into audit_chain_head (id, last_id, last_hash) select 1, id, hash from audit_events`.execute(store.db);
        await store.appendAudit({ type: 'after', outcome: 'info' }, T0);
        assert.deepEqual(
          (await store.listAuditChain({ limit: 10 })).map((e) => [e.id, e.type]),
          [
            [1, 'before'],
            [2, 'after'],
          ],
        );
        assert.equal((await verifyStoredChain(store, 7)).intact, true);
      } finally {
        await store.close();
        await database.cleanup();
      }
    });

    it('verifies an untouched chain and hashes the detail as it is read back', async () => {
      await withChain(5, async (store) => {
        await store.appendAudit({ type: 'odd', outcome: 'info', detail: { when: new Date(T0), gone: undefined, z: 1, a: [1] } }, T0);
        const verdict = await verifyStoredChain(store, 2);
        assert.equal(verdict.intact, true);
        assert.equal(verdict.count, 6);
      });
    });

    it('finds a changed detail and names the event', async () => {
      await withChain(12, async (store) => {
        await sql`update audit_events set detail = ${'{"step":99}'} where id = ${7}`.execute(store.db);
        const verdict = await verifyStoredChain(store, 5);
        assert.equal(verdict.intact, false);
        assert.ok(!verdict.intact);
        assert.equal(verdict.id, 7);
        assert.equal(verdict.reason, 'changed');
        assert.match(verdict.message, /event 7 was changed/);
      });
    });

    it('finds a changed outcome even when the hash of that event is recomputed', async () => {
      await withChain(6, async (store) => {
        const row = (await store.listAuditChain({ afterId: 2, limit: 1 }))[0];
        assert.ok(row);
        const forged = chainHash(row.prevHash, { ...row, outcome: 'failure' });
        await sql`update audit_events set outcome = ${'failure'}, hash = ${forged} where id = ${3}`.execute(store.db);
        const verdict = await verifyStoredChain(store);
        assert.ok(!verdict.intact);
        assert.equal(verdict.id, 4);
        assert.equal(verdict.reason, 'removed_or_reordered');
      });
    });

    it('finds a deleted event', async () => {
      await withChain(10, async (store) => {
        await sql`delete from audit_events where id = ${4}`.execute(store.db);
        const verdict = await verifyStoredChain(store, 3);
        assert.ok(!verdict.intact);
        assert.equal(verdict.id, 5);
        assert.equal(verdict.reason, 'removed_or_reordered');
        assert.match(verdict.message, /event 5 does not follow event 3/);
      });
    });

    it('finds deleted last events through the chain head', async () => {
      await withChain(8, async (store) => {
        await sql`delete from audit_events where id >= ${7}`.execute(store.db);
        const verdict = await verifyStoredChain(store);
        assert.ok(!verdict.intact);
        assert.equal(verdict.reason, 'truncated');
        assert.equal(verdict.id, 6);
      });
    });

    it('finds two swapped events', async () => {
      await withChain(9, async (store) => {
        // Swap everything but the ids of events 5 and 6: read in id order, they are now reversed.
        const [five, six] = await store.listAuditChain({ afterId: 4, limit: 2 });
        assert.ok(five && six);
        for (const [id, from] of [
          [5, six],
          [6, five],
        ] as const) {
          await sql`update audit_events set at = ${from.at.getTime()}, type = ${from.type}, actor = ${from.actor}, subject = ${from.subject},
            detail = ${JSON.stringify(from.detail)}, prev_hash = ${from.prevHash}, hash = ${from.hash} where id = ${id}`.execute(store.db);
        }
        const verdict = await verifyStoredChain(store);
        assert.ok(!verdict.intact);
        assert.equal(verdict.id, 5);
        assert.equal(verdict.reason, 'removed_or_reordered');
      });
    });

    it('chains events stored before the chain existed when migrating', async () => {
      const database = await backend.create();
      const open = openDatabase(database.target);
      try {
        const migrator = new Migrator({ db: open.db, provider: migrationProvider({ dialect: open.dialect }) });
        const before = await migrator.migrateTo('0005-webauthn-challenges');
        assert.equal(before.error, undefined);
        for (let i = 0; i < 3; i++) {
          await sql`insert into audit_events (at, type, outcome, detail) values (${T0.getTime() + i}, ${'old'}, ${'info'}, ${JSON.stringify({ i })})`.execute(
            open.db,
          );
        }
        const after = await migrator.migrateToLatest();
        assert.equal(after.error, undefined);
        const store = new KyselyStore(open.db, open.dialect);
        await store.appendAudit({ type: 'new', outcome: 'info' }, T0);
        const verdict = await verifyStoredChain(store);
        assert.equal(verdict.intact, true);
        assert.equal(verdict.count, 4);
        assert.deepEqual((await store.getAuditChainHead()).lastId, 4);
      } finally {
        await open.db.destroy();
        await database.cleanup();
      }
    });
  });
}
