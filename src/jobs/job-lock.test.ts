// The job lease on SQLite and a real PostgreSQL: one holder at a time across instances, renewal,
// take-over after expiry, release; and the purge schedule running once across two instances.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditBackends } from '../audit/audit-store.test-support.ts';
import { configSchema } from '../config/schema.ts';
import { ManualClock } from '../domain/clock.ts';
import { createLogger } from '../observability/logger.ts';
import { JobLock } from './job-lock.ts';
import { type PurgeDeps, schedulePurge } from './purge-expired.ts';

const MINUTE = 60_000;

for (const backend of auditBackends) {
  describe(`job lock on ${backend.name}`, () => {
    it('gives the lease to exactly one of many instances racing for it', async () => {
      const database = await backend.create();
      const a = await database.open();
      const b = await database.open();
      try {
        const clock = new ManualClock('2026-03-02T08:00:00Z');
        const locks = Array.from({ length: 20 }, (_, i) => new JobLock(i % 2 === 0 ? a.db : b.db, 'reminders', clock, `instance-${i}`));
        const won = await Promise.all(locks.map((lock) => lock.acquire(5 * MINUTE)));
        assert.equal(won.filter(Boolean).length, 1);
        // The race again once the lease has run out: still exactly one winner.
        clock.advance(5 * MINUTE);
        const again = await Promise.all(locks.map((lock) => lock.acquire(5 * MINUTE)));
        assert.equal(again.filter(Boolean).length, 1);
      } finally {
        await a.close();
        await b.close();
        await database.cleanup();
      }
    });

    it('extends, refuses others until expiry, hands over on release, and keeps jobs apart', async () => {
      const database = await backend.create();
      const store = await database.open();
      try {
        const clock = new ManualClock('2026-03-02T08:00:00Z');
        const mine = new JobLock(store.db, 'purge', clock, 'one');
        const theirs = new JobLock(store.db, 'purge', clock, 'two');
        const other = new JobLock(store.db, 'campaign', clock, 'two');
        assert.equal(await mine.acquire(MINUTE), true);
        assert.equal(await mine.acquire(MINUTE), true, 'the holder may take it again');
        assert.equal(await theirs.acquire(MINUTE), false);
        assert.equal(await theirs.renew(MINUTE), false, 'only the holder renews');
        assert.equal(await other.acquire(MINUTE), true, 'another job has its own lease');

        clock.advance(MINUTE - 1);
        assert.equal(await mine.renew(MINUTE), true);
        clock.advance(MINUTE - 1);
        assert.equal(await theirs.acquire(MINUTE), false, 'the renewal pushed expiry on');

        clock.advance(1);
        assert.equal(await mine.renew(MINUTE), false, 'an expired lease cannot be renewed');
        assert.equal(await theirs.acquire(MINUTE), true, 'expired: taken over');
        assert.equal(await mine.acquire(MINUTE), false);

        await mine.release();
        assert.equal(await mine.acquire(MINUTE), false, 'release by a non-holder does nothing');
        await theirs.release();
        assert.equal(await mine.acquire(MINUTE), true, 'released: free at once');
        await assert.rejects(mine.acquire(0), RangeError);
      } finally {
        await store.close();
        await database.cleanup();
      }
    });

    it('runs the scheduled purge on one instance only', async (t) => {
      const database = await backend.create();
      const a = await database.open();
      const b = await database.open();
      try {
        t.mock.timers.enable({ apis: ['setInterval'] });
        const clock = new ManualClock('2026-03-02T08:00:00Z');
        const config = configSchema.parse({});
        const runs: string[] = [];
        const deps = (store: typeof a, name: string): PurgeDeps => ({
          clock,
          config,
          logger: createLogger('silent'),
          store: Object.assign(Object.create(store) as typeof a, {
            purgeSessions: async (idle: Date, created: Date) => {
              runs.push(name);
              return store.purgeSessions(idle, created);
            },
          }),
        });
        const interval = 10 * MINUTE;
        const first = schedulePurge(deps(a, 'a'), interval, new JobLock(a.db, 'purge-expired', clock, 'a'));
        const second = schedulePurge(deps(b, 'b'), interval, new JobLock(b.db, 'purge-expired', clock, 'b'));
        for (let tick = 0; tick < 3; tick++) {
          clock.advance(interval);
          t.mock.timers.tick(interval);
          await Promise.all([first.running, second.running]);
        }
        assert.equal(runs.length, 3, `one run per interval, got ${runs.join(',')}`);
        assert.equal(new Set(runs).size, 1, 'the same instance kept the lease');
        const holder = runs[0];
        // The holder stops: its lease is released and the other instance takes over at the next tick.
        await (holder === 'a' ? first : second).stop();
        clock.advance(interval);
        t.mock.timers.tick(interval);
        await Promise.all([first.running, second.running]);
        assert.equal(runs.at(-1), holder === 'a' ? 'b' : 'a');
        await (holder === 'a' ? second : first).stop();
      } finally {
        await a.close();
        await b.close();
        await database.cleanup();
      }
    });
  });
}
