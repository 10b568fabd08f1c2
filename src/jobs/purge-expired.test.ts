// The purge job on a real SQLite file and a real PostgreSQL: records of every kind, some live and
// some past their time, with a ManualClock moved across each expiry; and the schedule, driven by
// node:test's mock timers rather than by waiting.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditBackends } from '../audit/audit-store.test-support.ts';
import { configSchema } from '../config/schema.ts';
import { ManualClock } from '../domain/clock.ts';
import * as passkeyRecords from '../methods/passkey-store.ts';
import * as records from '../methods/security-info-store.ts';
import { createLogger } from '../observability/logger.ts';
import { KyselyResetFlowStore } from '../store/kysely-reset-flow-store.ts';
import type { KyselyStore } from '../store/kysely-store.ts';
import type { JobLock } from './job-lock.ts';
import { PURGE_INTERVAL_MS, type PurgeDeps, purgeExpired, schedulePurge } from './purge-expired.ts';

const MINUTE = 60_000;

interface Backend {
  name: string;
  open(): Promise<{ store: KyselyStore; cleanup(): Promise<void> }>;
}

/** The audit tests' fresh, migrated stores (a SQLite file, a real PostgreSQL database), opened once each. */
const backends: Backend[] = auditBackends.map((backend) => ({
  name: backend.name,
  async open() {
    const database = await backend.create();
    const store = await database.open();
    return {
      store,
      async cleanup() {
        await store.close();
        await database.cleanup();
      },
    };
  },
}));

/** Idle timeout 30 minutes, absolute 12 hours (the defaults, spelled out because the test depends on them). */
const config = configSchema.parse({ sessions: { idleMinutes: 30, absoluteMinutes: 720 } });

async function ids(store: KyselyStore): Promise<Record<string, string[]>> {
  const db = store.db;
  const pick = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
  return {
    enrollments: pick(await db.selectFrom('totp_enrollments').select('id').execute()),
    challenges: pick(await db.selectFrom('code_challenges').select('id').execute()),
    passes: pick(await db.selectFrom('temporary_passes').select('id').execute()),
    webauthn: pick(await db.selectFrom('webauthn_challenges').select('binding_key as id').execute()),
    sessions: pick(await db.selectFrom('sessions').select('id_hash as id').execute()),
  };
}

/** Adds one record of each kind, expiring `minutes` after `at`, all named `name`. */
async function seed(store: KyselyStore, name: string, at: Date, minutes: number): Promise<void> {
  const expiresAt = new Date(at.getTime() + minutes * MINUTE);
  await records.insertTotpEnrollment(store.db, { id: name, accountId: 'acct', secret: 'sealed', label: '', createdAt: at, expiresAt });
  await records.insertChallenge(store.db, {
    id: name,
    accountId: 'acct',
    methodId: null,
    purpose: 'sign_in',
    channel: 'sms',
    target: '+46701234567',
    codeHash: 'hash',
    maxAttempts: 5,
    createdAt: at,
    expiresAt,
  });
  await records.insertPass(store.db, {
    id: name,
    accountId: 'acct',
    passHash: 'hash',
    singleUse: true,
    issuedBy: 'helpdesk',
    createdAt: at,
    expiresAt,
  });
  await passkeyRecords.saveWebauthnChallenge(store.db, { id: name, bindingKey: name, challenge: 'c', createdAt: at, expiresAt });
  // A reset flow ends a minute earlier: the reset store purges strictly after expiry.
  await new KyselyResetFlowStore(store.db).insertFlow({
    id: name,
    secretHash: 'h',
    accountId: null,
    state: { step: 'choose_method', verified: [] },
    language: 'sv',
    startedAt: at,
    createdAt: at,
    expiresAt: new Date(expiresAt.getTime() - MINUTE),
  });
}

for (const backend of backends) {
  describe(`purge job on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      await opened?.cleanup();
    });

    it('removes each kind of record once its time has passed, and nothing before', async () => {
      const { store } = opened;
      const clock = new ManualClock('2026-03-02T08:00:00Z');
      const deps: PurgeDeps = { store, clock, config, logger: createLogger('silent') };
      const start = clock.now();
      await seed(store, 'short', start, 5);
      await seed(store, 'long', start, 60);
      // A used WebAuthn challenge goes at once: it can't be answered again.
      await passkeyRecords.saveWebauthnChallenge(store.db, {
        id: 'used',
        bindingKey: 'used',
        challenge: 'c',
        createdAt: start,
        expiresAt: new Date(start.getTime() + 5 * MINUTE),
      });
      assert.equal(await passkeyRecords.consumeWebauthnChallenge(store.db, 'used', start), 'c');
      const session = (id: string, createdAt: Date) =>
        store.createSession({ idHash: id, accountId: 'acct', data: {}, createdAt, lastSeenAt: createdAt, ip: null, userAgent: null });
      await session('idle', start);
      await session('busy', start);

      const first = await purgeExpired(deps);
      assert.deepEqual(first, { enrollments: 0, challenges: 0, passes: 0, webauthnChallenges: 1, sessions: 0, resetRecords: 0 });

      clock.advance(5 * MINUTE);
      await store.touchSession('busy', clock.now());
      const atExpiry = await purgeExpired(deps);
      assert.deepEqual(
        atExpiry,
        { enrollments: 1, challenges: 1, passes: 1, webauthnChallenges: 1, sessions: 0, resetRecords: 1 },
        'expired at its expiry time',
      );
      assert.deepEqual(await ids(store), {
        enrollments: ['long'],
        challenges: ['long'],
        passes: ['long'],
        webauthn: ['long'],
        sessions: ['busy', 'idle'],
      });

      // 31 minutes in: "idle" has been idle longer than 30 minutes, "busy" was seen 26 minutes ago.
      clock.advance(26 * MINUTE);
      assert.equal((await purgeExpired(deps)).sessions, 1);
      assert.deepEqual((await ids(store)).sessions, ['busy']);

      clock.advance(30 * MINUTE);
      const late = await purgeExpired(deps);
      assert.deepEqual(late, { enrollments: 1, challenges: 1, passes: 1, webauthnChallenges: 1, sessions: 1, resetRecords: 1 });
      assert.deepEqual(await ids(store), { enrollments: [], challenges: [], passes: [], webauthn: [], sessions: [] });
    });

    it('ends a session at the absolute timeout even when it is in use', async () => {
      const { store } = opened;
      const clock = new ManualClock('2026-04-01T08:00:00Z');
      const deps: PurgeDeps = { store, clock, config, logger: createLogger('silent') };
      const createdAt = clock.now();
      await store.createSession({
        idHash: 'long-day',
        accountId: 'acct',
        data: {},
        createdAt,
        lastSeenAt: createdAt,
        ip: null,
        userAgent: null,
      });
      // Seen every 20 minutes for 12 hours: kept all day.
      for (let minutes = 20; minutes <= 720; minutes += 20) {
        clock.advance(20 * MINUTE);
        await store.touchSession('long-day', clock.now());
        assert.equal((await purgeExpired(deps)).sessions, 0, `after ${minutes} minutes`);
      }
      clock.advance(1);
      await store.touchSession('long-day', clock.now());
      assert.equal((await purgeExpired(deps)).sessions, 1, 'gone just after 12 hours');
      assert.equal(await store.getSession('long-day'), null);
    });
  });
}

describe('purge schedule', () => {
  it('runs every 10 minutes, once at a time, goes on after a failure, and stops', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const clock = new ManualClock();
    const runs: string[] = [];
    let fail = true;
    const warnings: string[] = [];
    const logger = createLogger('silent');
    const deps: PurgeDeps = {
      clock,
      config,
      logger: Object.assign(Object.create(logger), { warn: (_o: unknown, msg: string) => void warnings.push(msg) }),
      store: {
        db: { deleteFrom: () => ({ where: () => ({ executeTakeFirst: async () => ({ numDeletedRows: 0n }) }) }) },
        purgeSessions: async () => {
          runs.push(clock.now().toISOString());
          if (fail) {
            fail = false;
            throw new Error('database restarting');
          }
          return 0;
        },
      } as unknown as PurgeDeps['store'],
    };
    // The lease is tested in job-lock.test.ts; here it is always granted.
    const lease = { acquire: async () => true, release: async () => {} } as unknown as JobLock;
    const schedule = schedulePurge(deps, PURGE_INTERVAL_MS, lease);
    t.mock.timers.tick(PURGE_INTERVAL_MS - 1);
    assert.equal(schedule.running, null, 'nothing before 10 minutes');
    t.mock.timers.tick(1);
    assert.notEqual(schedule.running, null);
    await schedule.running;
    assert.equal(runs.length, 1);
    assert.deepEqual(warnings, ['the purge of expired records failed; it runs again later']);
    t.mock.timers.tick(PURGE_INTERVAL_MS);
    await schedule.running;
    assert.equal(runs.length, 2, 'runs again after a failure');
    schedule.stop();
    t.mock.timers.tick(3 * PURGE_INTERVAL_MS);
    assert.equal(schedule.running, null);
    assert.equal(runs.length, 2, 'stopped');
  });
});
