// The Store contract: one suite every store backend must pass (run by store.test.ts against
// SQLite and a real PostgreSQL). Each group of tests gets its own freshly migrated store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isNyckelError } from '../domain/errors.ts';
import type { SessionRecord, Store } from './store.ts';

export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
  /** A second, independent instance on the same database (another process in production). */
  openSibling?(): Promise<Store>;
}

const T0 = new Date('2026-03-02T08:00:00.000Z');
const MINUTE = 60_000;

/** Values that would break a query built by string concatenation. */
const hostile = [
  "'; DROP TABLE sessions; --",
  `Robert'); DELETE FROM audit_events WHERE ('1'='1`,
  '"double" and \'single\' quotes',
  'back\\slash \\\\ and \\n not a newline, \\x00 not a NUL',
  '100% _wild_ [cards] *',
  '$1 $$ ? :name @p1',
  'Åsa Öberg-Ärlig – ünïcødé 🔑🇸🇪 中文 עברית \u202e reversed',
  'line\nbreak\ttab\r\n',
];

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: `sess-${globalThis.crypto.randomUUID()}`,
    accountId: 'acc-1',
    data: { level: 1 },
    createdAt: T0,
    lastSeenAt: T0,
    ip: '192.0.2.10',
    userAgent: 'Mozilla/5.0 (test)',
    ...overrides,
  };
}

function uniqueKey(label: string): string {
  return `${label}:${globalThis.crypto.randomUUID()}`;
}

async function countRows(store: Store, table: 'sessions' | 'rate_limits' | 'audit_events' | 'settings'): Promise<number> {
  const rows = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .execute();
  return Number(rows[0]?.n ?? -1);
}

/** Opens a store before the group's tests and cleans it up after them. */
function withStore(open: () => Promise<OpenedStore>): { get: () => OpenedStore } {
  let opened: OpenedStore | undefined;
  before(async () => {
    opened = await open();
  });
  after(async () => {
    if (opened === undefined) return;
    await opened.store.close();
    await opened.cleanup();
  });
  return {
    get() {
      assert.ok(opened, 'the store was not opened');
      return opened;
    },
  };
}

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract: ${name}`, () => {
    describe('sessions', () => {
      const ctx = withStore(open);

      it('round-trips a session with its data, times and client details', async () => {
        const { store } = ctx.get();
        const s = session({
          data: { level: 2, methods: ['totp', 'sms'], nested: { ok: true, n: 1.5, none: null } },
          createdAt: new Date('2026-03-02T08:00:00.123Z'),
          lastSeenAt: new Date('2026-03-02T08:05:00.456Z'),
        });
        await store.createSession(s);
        const got = await store.getSession(s.idHash);
        assert.deepEqual(got, s);
        assert.ok(got?.createdAt instanceof Date);
      });

      it('returns null for an unknown session', async () => {
        const { store } = ctx.get();
        assert.equal(await store.getSession('no-such-session'), null);
      });

      it('keeps null ip and user agent as null', async () => {
        const { store } = ctx.get();
        const s = session({ ip: null, userAgent: null });
        await store.createSession(s);
        const got = await store.getSession(s.idHash);
        assert.equal(got?.ip, null);
        assert.equal(got?.userAgent, null);
      });

      it('refuses a second session with the same id', async () => {
        const { store } = ctx.get();
        const s = session();
        await store.createSession(s);
        await assert.rejects(store.createSession({ ...s, accountId: 'someone-else' }));
        assert.equal((await store.getSession(s.idHash))?.accountId, s.accountId);
      });

      it('touch moves the last-seen time and keeps the data unless new data is given', async () => {
        const { store } = ctx.get();
        const s = session({ data: { level: 1 } });
        await store.createSession(s);
        const later = new Date(T0.getTime() + 5 * MINUTE);
        await store.touchSession(s.idHash, later);
        let got = await store.getSession(s.idHash);
        assert.equal(got?.lastSeenAt.getTime(), later.getTime());
        assert.equal(got?.createdAt.getTime(), T0.getTime());
        assert.deepEqual(got?.data, { level: 1 });

        const evenLater = new Date(T0.getTime() + 9 * MINUTE);
        await store.touchSession(s.idHash, evenLater, { level: 2, stepUpAt: evenLater.getTime() });
        got = await store.getSession(s.idHash);
        assert.equal(got?.lastSeenAt.getTime(), evenLater.getTime());
        assert.deepEqual(got?.data, { level: 2, stepUpAt: evenLater.getTime() });
      });

      it('touching an unknown session creates nothing', async () => {
        const { store } = ctx.get();
        await store.touchSession('never-created', T0, { level: 9 });
        assert.equal(await store.getSession('never-created'), null);
      });

      it('deletes one session and leaves the others', async () => {
        const { store } = ctx.get();
        const a = session({ accountId: 'acc-delete-one' });
        const b = session({ accountId: 'acc-delete-one' });
        await store.createSession(a);
        await store.createSession(b);
        await store.deleteSession(a.idHash);
        assert.equal(await store.getSession(a.idHash), null);
        assert.notEqual(await store.getSession(b.idHash), null);
      });

      it('ends every session of an account together and only that account', async () => {
        const { store } = ctx.get();
        const mine = [session({ accountId: 'acc-reset' }), session({ accountId: 'acc-reset' }), session({ accountId: 'acc-reset' })];
        const other = session({ accountId: 'acc-bystander' });
        for (const s of [...mine, other]) await store.createSession(s);
        assert.equal(await store.deleteSessionsOfAccount('acc-reset'), 3);
        for (const s of mine) assert.equal(await store.getSession(s.idHash), null);
        assert.equal((await store.getSession(other.idHash))?.accountId, 'acc-bystander');
        assert.equal(await store.deleteSessionsOfAccount('acc-reset'), 0);
      });

      it('purges sessions idle too long or older than the absolute limit, and only those', async () => {
        const { store } = ctx.get();
        await store.deleteSessionsOfAccount('acc-purge');
        const now = new Date('2026-03-03T12:00:00.000Z');
        const idleBefore = new Date(now.getTime() - 30 * MINUTE);
        const createdBefore = new Date(now.getTime() - 12 * 60 * MINUTE);
        const fresh = session({ accountId: 'acc-purge', createdAt: new Date(now.getTime() - 60 * MINUTE), lastSeenAt: now });
        const idle = session({
          accountId: 'acc-purge',
          createdAt: new Date(now.getTime() - 60 * MINUTE),
          lastSeenAt: new Date(idleBefore.getTime() - 1),
        });
        const tooOld = session({ accountId: 'acc-purge', createdAt: new Date(createdBefore.getTime() - 1), lastSeenAt: now });
        const exactlyAtLimits = session({ accountId: 'acc-purge', createdAt: createdBefore, lastSeenAt: idleBefore });
        for (const s of [fresh, idle, tooOld, exactlyAtLimits]) await store.createSession(s);

        const purged = await store.purgeSessions(idleBefore, createdBefore);
        // Other tests' sessions (created at T0, a day earlier) are purged too; count only ours.
        assert.ok(purged >= 2, `purged ${purged}`);
        assert.notEqual(await store.getSession(fresh.idHash), null);
        assert.notEqual(await store.getSession(exactlyAtLimits.idHash), null, 'the limits are exclusive');
        assert.equal(await store.getSession(idle.idHash), null);
        assert.equal(await store.getSession(tooOld.idHash), null);
        assert.equal(await store.purgeSessions(idleBefore, createdBefore), 0);
      });

      it('stores SQL metacharacters and unicode verbatim in every field', async () => {
        const { store } = ctx.get();
        for (const value of hostile) {
          const s = session({
            idHash: value.slice(0, 120),
            accountId: value.slice(0, 60),
            data: { value, [value]: value },
            ip: value.slice(0, 60),
            userAgent: value,
          });
          await store.createSession(s);
          assert.deepEqual(await store.getSession(s.idHash), s, `value ${JSON.stringify(value)}`);
        }
        assert.equal(await store.deleteSessionsOfAccount(hostile[0] as string), 1);
        // The table survived the would-be DROP TABLE.
        assert.ok((await countRows(store, 'sessions')) >= hostile.length - 1);
      });

      it('cuts an overlong user agent to fit instead of failing the sign-in', async () => {
        const { store } = ctx.get();
        const s = session({ userAgent: `UA ${'x'.repeat(2000)}` });
        await store.createSession(s);
        const got = await store.getSession(s.idHash);
        assert.equal(got?.userAgent?.length, 512);
        assert.ok(got?.userAgent?.startsWith('UA xxx'));
      });
    });

    describe('rate limits', () => {
      const ctx = withStore(open);

      it('counts hits in a window and refuses after the limit', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('ip');
        const decisions = [];
        for (let i = 0; i < 5; i++) decisions.push(await store.hitRateLimit(key, 3, MINUTE, new Date(T0.getTime() + i * 1000)));
        assert.deepEqual(
          decisions.map((d) => [d.allowed, d.count]),
          [
            [true, 1],
            [true, 2],
            [true, 3],
            [false, 4],
            [false, 5],
          ],
        );
      });

      it('reports the time left in the fixed window', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('retry');
        const windowMs = 15 * MINUTE;
        // T0 is 08:00:00, a multiple of 15 minutes: the window runs 08:00–08:15.
        const at = new Date(T0.getTime() + 4 * MINUTE + 30_000);
        const d = await store.hitRateLimit(key, 1, windowMs, at);
        assert.equal(d.retryAfterMs, 10 * MINUTE + 30_000);
        const refused = await store.hitRateLimit(key, 1, windowMs, new Date(T0.getTime() + 14 * MINUTE));
        assert.equal(refused.allowed, false);
        assert.equal(refused.retryAfterMs, MINUTE);
      });

      it('starts over when the window rolls over, and forgets old windows', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('account');
        const windowStart = T0.getTime();
        for (let i = 0; i < 4; i++) await store.hitRateLimit(key, 2, MINUTE, new Date(windowStart + 59_999));
        assert.equal((await store.hitRateLimit(key, 2, MINUTE, new Date(windowStart + 59_999))).allowed, false);
        const next = await store.hitRateLimit(key, 2, MINUTE, new Date(windowStart + MINUTE));
        assert.deepEqual(next, { allowed: true, count: 1, retryAfterMs: MINUTE });
        const rows = await store.db.selectFrom('rate_limits').select(['window_start', 'count']).where('key', '=', key).execute();
        assert.deepEqual(
          rows.map((r) => [Number(r.window_start), Number(r.count)]),
          [[windowStart + MINUTE, 1]],
        );
      });

      it('keeps keys apart', async () => {
        const { store } = ctx.get();
        const a = uniqueKey('a');
        const b = uniqueKey('b');
        await store.hitRateLimit(a, 1, MINUTE, T0);
        assert.equal((await store.hitRateLimit(a, 1, MINUTE, T0)).allowed, false);
        assert.deepEqual(await store.hitRateLimit(b, 1, MINUTE, T0), { allowed: true, count: 1, retryAfterMs: MINUTE });
      });

      it('peek reads without counting and tells whether the next hit is allowed', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('peek');
        assert.deepEqual(await store.peekRateLimit(key, 2, MINUTE, T0), { allowed: true, count: 0, retryAfterMs: MINUTE });
        await store.hitRateLimit(key, 2, MINUTE, T0);
        assert.deepEqual(await store.peekRateLimit(key, 2, MINUTE, T0), { allowed: true, count: 1, retryAfterMs: MINUTE });
        await store.hitRateLimit(key, 2, MINUTE, T0);
        const peeked = await store.peekRateLimit(key, 2, MINUTE, new Date(T0.getTime() + 20_000));
        assert.deepEqual(peeked, { allowed: false, count: 2, retryAfterMs: 40_000 });
        assert.equal((await store.peekRateLimit(key, 2, MINUTE, T0)).count, 2, 'peeking counted a hit');
        assert.equal((await store.peekRateLimit(key, 2, MINUTE, new Date(T0.getTime() + MINUTE))).count, 0);
      });

      it('reset clears a key and nothing else', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('reset');
        const other = uniqueKey('keep');
        for (let i = 0; i < 3; i++) {
          await store.hitRateLimit(key, 3, MINUTE, T0);
          await store.hitRateLimit(other, 3, MINUTE, T0);
        }
        await store.resetRateLimit(key);
        assert.equal((await store.peekRateLimit(key, 3, MINUTE, T0)).count, 0);
        assert.equal((await store.peekRateLimit(other, 3, MINUTE, T0)).count, 3);
        assert.deepEqual(await store.hitRateLimit(key, 3, MINUTE, T0), { allowed: true, count: 1, retryAfterMs: MINUTE });
      });

      it('a limit of zero refuses every hit', async () => {
        const { store } = ctx.get();
        const d = await store.hitRateLimit(uniqueKey('zero'), 0, MINUTE, T0);
        assert.equal(d.allowed, false);
        assert.equal(d.count, 1);
      });

      it('refuses nonsense limits and windows', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('bad');
        await assert.rejects(store.hitRateLimit(key, -1, MINUTE, T0), RangeError);
        await assert.rejects(store.hitRateLimit(key, 1.5, MINUTE, T0), RangeError);
        await assert.rejects(store.hitRateLimit(key, 1, 0, T0), RangeError);
        await assert.rejects(store.hitRateLimit(key, 1, MINUTE, new Date(Number.NaN)), RangeError);
        await assert.rejects(store.hitRateLimit('', 1, MINUTE, T0), RangeError);
        assert.equal((await store.peekRateLimit(key, 1, MINUTE, T0)).count, 0);
      });

      it('50 parallel hits with a limit of 10 allow exactly 10 and count each hit once', async () => {
        const { store } = ctx.get();
        const key = uniqueKey('burst');
        const decisions = await Promise.all(Array.from({ length: 50 }, () => store.hitRateLimit(key, 10, MINUTE, T0)));
        assert.equal(decisions.filter((d) => d.allowed).length, 10);
        assert.deepEqual(
          decisions.map((d) => d.count).sort((x, y) => x - y),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        assert.equal((await store.peekRateLimit(key, 10, MINUTE, T0)).count, 50);
      });

      it('holds across two instances on the same database', async (t) => {
        const opened = ctx.get();
        if (opened.openSibling === undefined) {
          assert.fail(`${name}: the contract needs openSibling() to test atomicity across instances`);
        }
        const sibling = await opened.openSibling();
        t.after(() => sibling.close());
        const key = uniqueKey('shared');
        const decisions = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? opened.store : sibling).hitRateLimit(key, 7, MINUTE, T0)),
        );
        assert.equal(decisions.filter((d) => d.allowed).length, 7);
        assert.deepEqual(
          decisions.map((d) => d.count).sort((x, y) => x - y),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
      });

      it('stores keys with SQL metacharacters verbatim and keeps them apart', async () => {
        const { store } = ctx.get();
        for (const [i, value] of hostile.entries()) {
          for (let n = 0; n <= i; n++) await store.hitRateLimit(value, 100, MINUTE, T0);
        }
        for (const [i, value] of hostile.entries()) {
          assert.equal((await store.peekRateLimit(value, 100, MINUTE, T0)).count, i + 1, `key ${JSON.stringify(value)}`);
        }
        const stored = await store.db.selectFrom('rate_limits').select('key').where('key', 'in', hostile).execute();
        assert.deepEqual(stored.map((r) => r.key).sort(), [...hostile].sort());
        assert.ok((await countRows(store, 'sessions')) >= 0, 'the sessions table still exists');
      });
    });

    describe('audit', () => {
      const ctx = withStore(open);

      it('appends events and lists them newest first', async () => {
        const { store } = ctx.get();
        const subject = uniqueKey('user');
        for (let i = 0; i < 3; i++) {
          await store.appendAudit(
            { type: 'reset.started', subject, outcome: 'info', detail: { step: i } },
            new Date(T0.getTime() + i * 1000),
          );
        }
        const events = await store.listAudit({ subject, limit: 10 });
        assert.deepEqual(
          events.map((e) => e.detail.step),
          [2, 1, 0],
        );
        assert.equal(events[0]?.at.getTime(), T0.getTime() + 2000);
        assert.ok(events.every((e) => Number.isInteger(e.id) && e.id > 0));
        assert.equal(new Set(events.map((e) => e.id)).size, 3);
      });

      it('orders events of the same millisecond by insertion', async () => {
        const { store } = ctx.get();
        const subject = uniqueKey('same-ms');
        for (const step of ['a', 'b', 'c']) await store.appendAudit({ type: 'x', subject, outcome: 'info', detail: { step } }, T0);
        assert.deepEqual(
          (await store.listAudit({ subject, limit: 10 })).map((e) => e.detail.step),
          ['c', 'b', 'a'],
        );
      });

      it('filters by subject and by type, and honours the limit', async () => {
        const { store } = ctx.get();
        const subject = uniqueKey('filter');
        const typeA = `a.${globalThis.crypto.randomUUID().slice(0, 8)}`;
        const typeB = `b.${globalThis.crypto.randomUUID().slice(0, 8)}`;
        await store.appendAudit({ type: typeA, subject, outcome: 'success' }, T0);
        await store.appendAudit({ type: typeB, subject, outcome: 'failure' }, new Date(T0.getTime() + 1));
        await store.appendAudit({ type: typeA, subject: 'someone-else', outcome: 'success' }, new Date(T0.getTime() + 2));
        await store.appendAudit({ type: typeA, subject, outcome: 'refused' }, new Date(T0.getTime() + 3));

        assert.equal((await store.listAudit({ subject, limit: 100 })).length, 3);
        assert.deepEqual(
          (await store.listAudit({ type: typeA, limit: 100 })).map((e) => e.subject),
          [subject, 'someone-else', subject],
        );
        assert.deepEqual(
          (await store.listAudit({ subject, type: typeA, limit: 100 })).map((e) => e.outcome),
          ['refused', 'success'],
        );
        const limited = await store.listAudit({ subject, limit: 1 });
        assert.equal(limited.length, 1);
        assert.equal(limited[0]?.outcome, 'refused');
        await assert.rejects(store.listAudit({ subject, limit: 0 }), RangeError);
      });

      it('lists across all subjects newest first when no filter is given', async () => {
        const { store } = ctx.get();
        const future = new Date('2099-01-01T00:00:00Z');
        await store.appendAudit({ type: 'newest.one', outcome: 'info' }, future);
        await store.appendAudit({ type: 'newest.two', outcome: 'info' }, new Date(future.getTime() + 1));
        assert.deepEqual(
          (await store.listAudit({ limit: 2 })).map((e) => e.type),
          ['newest.two', 'newest.one'],
        );
      });

      it('fills missing actor, subject, ip and detail with null and {}', async () => {
        const { store } = ctx.get();
        const type = `bare.${globalThis.crypto.randomUUID().slice(0, 8)}`;
        await store.appendAudit({ type, outcome: 'info' }, T0);
        const [event] = await store.listAudit({ type, limit: 5 });
        assert.ok(event);
        assert.deepEqual({ ...event, id: 0 }, { id: 0, at: T0, type, actor: null, subject: null, ip: null, outcome: 'info', detail: {} });
      });

      it('round-trips detail, actor, subject and ip verbatim, SQL metacharacters included', async () => {
        const { store } = ctx.get();
        for (const value of hostile) {
          const type = `meta.${globalThis.crypto.randomUUID().slice(0, 8)}`;
          const detail = {
            value,
            [value]: [value, 1, 2.5, true, null, { deeper: value }],
            count: 42,
            empty: '',
            nested: { list: [], object: {} },
          };
          await store.appendAudit({ type, actor: value, subject: value, ip: value.slice(0, 60), outcome: 'failure', detail }, T0);
          const [event] = await store.listAudit({ type, limit: 1 });
          assert.ok(event, `event for ${JSON.stringify(value)}`);
          assert.deepEqual(event.detail, detail);
          assert.equal(event.actor, value);
          assert.equal(event.subject, value);
          assert.equal(event.ip, value.slice(0, 60));
          assert.equal((await store.listAudit({ subject: value, type, limit: 5 })).length, 1);
        }
        assert.ok((await countRows(store, 'audit_events')) >= hostile.length);
      });

      it('never loses an event to an overlong or NUL-bearing subject', async () => {
        const { store } = ctx.get();
        const type = `long.${globalThis.crypto.randomUUID().slice(0, 8)}`;
        await store.appendAudit({ type, subject: `typed\u0000${'å'.repeat(400)}`, outcome: 'refused', detail: { nul: 'a\u0000b' } }, T0);
        const [event] = await store.listAudit({ type, limit: 1 });
        assert.ok(event);
        assert.equal(event.subject?.length, 256);
        assert.ok(event.subject?.startsWith('typed\uFFFDååå'));
        assert.deepEqual(event.detail, { nul: 'a\u0000b' });
      });

      it('refuses an unknown outcome', async () => {
        const { store } = ctx.get();
        await assert.rejects(store.appendAudit({ type: 'x', outcome: 'maybe' as never }, T0), RangeError);
      });
    });

    describe('settings', () => {
      const ctx = withStore(open);

      it('returns null for a missing setting', async () => {
        assert.equal(await ctx.get().store.getSetting('missing'), null);
      });

      it('sets, reads and overwrites a setting', async () => {
        const { store } = ctx.get();
        await store.setSetting('audit.chain.head', 'abc');
        assert.equal(await store.getSetting('audit.chain.head'), 'abc');
        await store.setSetting('audit.chain.head', 'def');
        assert.equal(await store.getSetting('audit.chain.head'), 'def');
        const rows = await store.db.selectFrom('settings').selectAll().where('key', '=', 'audit.chain.head').execute();
        assert.equal(rows.length, 1);
      });

      it('keeps an empty value apart from a missing one', async () => {
        const { store } = ctx.get();
        await store.setSetting('empty', '');
        assert.equal(await store.getSetting('empty'), '');
      });

      it('stores SQL metacharacters verbatim in keys and values', async () => {
        const { store } = ctx.get();
        for (const value of hostile) {
          await store.setSetting(value, `${value}|${value}`);
        }
        for (const value of hostile) {
          assert.equal(await store.getSetting(value), `${value}|${value}`);
        }
        const big = JSON.stringify({ text: 'ä'.repeat(100_000) });
        await store.setSetting('big', big);
        assert.equal(await store.getSetting('big'), big);
      });

      it('refuses a NUL character the same way on every backend', async () => {
        const { store } = ctx.get();
        await assert.rejects(store.setSetting('nul', 'a\u0000b'), RangeError);
        assert.equal(await store.getSetting('nul'), null);
      });
    });

    describe('health', () => {
      it('ping answers on an open store', async (t) => {
        const opened = await open();
        t.after(async () => {
          await opened.store.close();
          await opened.cleanup();
        });
        await opened.store.ping();
        assert.ok(opened.store.dialect === 'sqlite' || opened.store.dialect === 'postgres');
      });

      it('ping reports store_unavailable once the store is closed, and close is idempotent', async (t) => {
        const opened = await open();
        t.after(() => opened.cleanup());
        await opened.store.close();
        await opened.store.close();
        await assert.rejects(opened.store.ping(), (error: unknown) => {
          assert.ok(isNyckelError(error, 'store_unavailable'), `got ${String(error)}`);
          assert.equal(error.status, 503);
          assert.match(error.message, /cannot be reached/);
          return true;
        });
      });
    });
  });
}
