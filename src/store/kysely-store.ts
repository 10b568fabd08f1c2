// The Store port over Kysely: the same queries run on SQLite and PostgreSQL. Times are stored
// as integer milliseconds, JSON as text; every value goes through bound parameters.

import { type Kysely, type Selectable, sql } from 'kysely';
import { chainHash } from '../audit/audit-chain.ts';
import { NyckelError } from '../domain/errors.ts';
import { auditEventFromRow, chainedAuditEventFromRow } from './audit-event-rows.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { AuditEventsTable, Database } from './schema.ts';
import { isSqliteBusy, type NodeSqliteDatabase, sqliteHandleOf } from './sqlite-connection.ts';
import type { AuditChainHead, AuditEvent, AuditEventInput, ChainedAuditEvent, RateLimitDecision, SessionRecord, Store } from './store.ts';

// Column widths from migration 0001. SQLite ignores varchar widths and PostgreSQL enforces
// them, so the store checks them itself to behave the same on both.
const width = {
  sessionId: 128,
  accountId: 64,
  ip: 64,
  userAgent: 512,
  rateKey: 512,
  auditType: 64,
  auditParty: 256,
  settingKey: 128,
} as const;

const auditOutcomes: ReadonlySet<string> = new Set(['success', 'failure', 'refused', 'info']);

/** Events written in one transaction at most: 10 bound values each, well inside SQLite's and PostgreSQL's limits. */
const MAX_AUDIT_BATCH = 100;

/** An append waiting for its batch: the checked fields, and the caller's promise. */
interface PendingAppend {
  fields: Omit<AuditEvent, 'id' | 'detail'>;
  detail: Record<string, unknown>;
  detailText: string;
  resolve(event: ChainedAuditEvent): void;
  reject(error: unknown): void;
}

export class KyselyStore implements Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  #closed = false;
  readonly #auditListeners: Array<(event: ChainedAuditEvent) => void> = [];
  readonly #auditQueue: PendingAppend[] = [];
  #isWritingAudit = false;
  #prepared: ReturnType<typeof prepareQueries> | undefined;

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.db = db;
    this.dialect = dialect;
  }

  /** The statements every reset runs, prepared once (prepared-query.ts). */
  get #queries(): ReturnType<typeof prepareQueries> {
    this.#prepared ??= prepareQueries(this.db);
    return this.#prepared;
  }

  // ---- sessions ----

  async createSession(session: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: checkKey('session id', session.idHash, width.sessionId),
        account_id: checkKey('account id', session.accountId, width.accountId),
        data: JSON.stringify(session.data),
        created_at: toMs(session.createdAt),
        last_seen_at: toMs(session.lastSeenAt),
        ip: cleanText(session.ip, width.ip),
        // The user agent comes from the client: cut it to fit rather than fail the sign-in.
        user_agent: cleanText(session.userAgent, width.userAgent),
      })
      .execute();
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (row === undefined) return null;
    return {
      idHash: row.id_hash,
      accountId: row.account_id,
      data: parseObject(row.data),
      createdAt: new Date(Number(row.created_at)),
      lastSeenAt: new Date(Number(row.last_seen_at)),
      ip: row.ip,
      userAgent: row.user_agent,
    };
  }

  async touchSession(idHash: string, at: Date, data?: Record<string, unknown>): Promise<void> {
    const atMs = toMs(at);
    const update = data === undefined ? { last_seen_at: atMs } : { last_seen_at: atMs, data: JSON.stringify(data) };
    await this.db.updateTable('sessions').set(update).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOfAccount(accountId: string): Promise<number> {
    const result = await this.#queries.deleteSessionsOfAccount.execute(this.db, { accountId });
    return Number(result.numAffectedRows ?? 0);
  }

  async purgeSessions(idleBefore: Date, createdBefore: Date): Promise<number> {
    const idle = toMs(idleBefore);
    const created = toMs(createdBefore);
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_seen_at', '<', idle), eb('created_at', '<', created)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- rate limits ----

  async hitRateLimit(key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitDecision> {
    checkKey('rate-limit key', key, width.rateKey);
    const window = fixedWindow(limit, windowMs, now);
    // One statement does the insert-or-increment and reads the result, so two instances
    // hitting the same key at once can never both see the same count.
    const row = (await this.#queries.hitRateLimit.execute(this.db, { key, windowStart: window.start })).rows[0];
    if (row === undefined) throw new Error('the rate-limit counter was not returned');
    const count = Number(row.count);
    if (count === 1) {
      // The first hit of a new window clears this key's earlier windows: they can no longer
      // matter, and it keeps the table the size of the keys in use.
      await this.#queries.clearEarlierWindows.execute(this.db, { key, windowStart: window.start });
    }
    return { allowed: count <= limit, count, retryAfterMs: window.remainingMs };
  }

  /** `allowed` says whether a hit made now would be allowed; `count` is the hits so far. */
  async peekRateLimit(key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitDecision> {
    checkKey('rate-limit key', key, width.rateKey);
    const window = fixedWindow(limit, windowMs, now);
    const row = await this.db
      .selectFrom('rate_limits')
      .select('count')
      .where('key', '=', key)
      .where('window_start', '=', window.start)
      .executeTakeFirst();
    const count = row === undefined ? 0 : Number(row.count);
    return { allowed: count < limit, count, retryAfterMs: window.remainingMs };
  }

  async resetRateLimit(key: string): Promise<void> {
    await this.#queries.resetRateLimit.execute(this.db, { key });
  }

  // ---- audit ----

  /** Called after each committed append (the syslog forwarder). A listener must not block; its errors are ignored. */
  onAuditAppended(listener: (event: ChainedAuditEvent) => void): void {
    this.#auditListeners.push(listener);
  }

  async appendAudit(event: AuditEventInput, at: Date): Promise<void> {
    await this.appendAuditChained(event, at);
  }

  /** appendAudit that also returns the stored event with its place in the chain. */
  async appendAuditChained(event: AuditEventInput, at: Date): Promise<ChainedAuditEvent> {
    if (!auditOutcomes.has(event.outcome)) throw new RangeError(`unknown audit outcome: ${String(event.outcome)}`);
    const fields = {
      at: new Date(toMs(at)),
      type: checkKey('audit type', event.type, width.auditType),
      // Actor, subject and address may come from what a user typed: an audit event must
      // never be lost to a long or odd value, so they are cut to fit instead of rejected.
      actor: cleanText(event.actor ?? null, width.auditParty),
      subject: cleanText(event.subject ?? null, width.auditParty),
      ip: cleanText(event.ip ?? null, width.ip),
      outcome: event.outcome,
    };
    const detailText = JSON.stringify(event.detail ?? {});
    // The hash covers the detail as it will be read back (JSON drops undefined, turns Dates into strings).
    const detail = parseObject(detailText);
    const chained = await new Promise<ChainedAuditEvent>((resolve, reject) => {
      this.#auditQueue.push({ fields, detail, detailText, resolve, reject });
      if (!this.#isWritingAudit) void this.#writeAuditBatches();
    });
    for (const listener of this.#auditListeners) {
      try {
        listener(chained);
      } catch {
        // Forwarding is best effort: the event is stored, which is what counts.
      }
    }
    return chained;
  }

  /**
   * Writes queued appends, a batch per transaction, until the queue is empty (group commit).
   * An append waits only for a write already under way, never for a timer; appends that arrive
   * meanwhile share the next transaction, so under load the lock, the head read and the head
   * update are paid once per batch instead of once per event. Each caller's promise settles
   * when its own batch has committed (or failed), exactly as with one transaction per event.
   */
  async #writeAuditBatches(): Promise<void> {
    this.#isWritingAudit = true;
    try {
      while (this.#auditQueue.length > 0) {
        const batch = this.#auditQueue.splice(0, MAX_AUDIT_BATCH);
        try {
          const events = await this.#appendBatch(batch);
          for (const [i, pending] of batch.entries()) pending.resolve(events[i] as ChainedAuditEvent);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#isWritingAudit = false;
    }
  }

  async #appendBatch(batch: readonly PendingAppend[]): Promise<ChainedAuditEvent[]> {
    const sqlite = this.dialect === 'sqlite' ? sqliteHandleOf(this.db) : undefined;
    if (sqlite !== undefined) return this.#appendBatchSqlite(sqlite, batch);
    return this.#withChainLock(async (db) => {
      const head = await db.selectFrom('audit_chain_head').select(['last_id', 'last_hash']).where('id', '=', 1).executeTakeFirstOrThrow();
      const events = chainBatch(head, batch);
      await db
        .insertInto('audit_events')
        .values(
          events.map((e, i) => ({
            id: e.id,
            at: e.at.getTime(),
            type: e.type,
            actor: e.actor,
            subject: e.subject,
            ip: e.ip,
            outcome: e.outcome,
            detail: (batch[i] as PendingAppend).detailText,
            prev_hash: e.prevHash,
            hash: e.hash,
          })),
        )
        .execute();
      const last = events[events.length - 1] as ChainedAuditEvent;
      await db.updateTable('audit_chain_head').set({ last_id: last.id, last_hash: last.hash }).where('id', '=', 1).execute();
      return events;
    });
  }

  /**
   * The same append on SQLite, as one synchronous transaction on the store's own connection
   * (NodeSqliteDatabase.tryWriteTransaction): the lock, the head, the events and the new head
   * in five plain statements. Kysely's connection is held meanwhile, so no Kysely transaction
   * is open on it; while another process holds the write lock, this waits with timers.
   */
  async #appendBatchSqlite(sqlite: NodeSqliteDatabase, batch: readonly PendingAppend[]): Promise<ChainedAuditEvent[]> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const events = await this.db.connection().execute(async () =>
        sqlite.tryWriteTransaction((writer) => {
          const head = writer.all('select "last_id", "last_hash" from "audit_chain_head" where "id" = 1')[0];
          if (head === undefined) throw new Error('the audit chain head row is missing');
          const chained = chainBatch(head as { last_id: number | null; last_hash: string }, batch);
          chained.forEach((e, i) => {
            writer.run(
              'insert into "audit_events" ("id", "at", "type", "actor", "subject", "ip", "outcome", "detail", "prev_hash", "hash") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [
                e.id,
                e.at.getTime(),
                e.type,
                e.actor,
                e.subject,
                e.ip,
                e.outcome,
                (batch[i] as PendingAppend).detailText,
                e.prevHash,
                e.hash,
              ],
            );
          });
          const last = chained[chained.length - 1] as ChainedAuditEvent;
          writer.run('update "audit_chain_head" set "last_id" = ?, "last_hash" = ? where "id" = 1', [last.id, last.hash]);
          return chained;
        }),
      );
      if (events !== null) return events;
      if (Date.now() - started > BUSY_WAIT_LIMIT_MS) {
        throw new NyckelError('store_unavailable', 'the audit chain could not be written: another process held the database lock too long');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 1 + attempt) * (0.5 + Math.random())));
    }
  }

  async listAuditChain(options: { afterId?: number; since?: Date; limit: number }): Promise<ChainedAuditEvent[]> {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`audit limit must be a positive integer, got ${options.limit}`);
    let query = this.db.selectFrom('audit_events').selectAll();
    if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
    if (options.since !== undefined) query = query.where('at', '>=', toMs(options.since));
    const rows = await query.orderBy('id', 'asc').limit(options.limit).execute();
    return rows.map((row) => chainedAuditEventFromRow(row, parseObject(row.detail)));
  }

  async getAuditChainHead(): Promise<AuditChainHead> {
    const head = await this.db
      .selectFrom('audit_chain_head')
      .select(['last_id', 'last_hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { lastId: head.last_id === null ? null : Number(head.last_id), lastHash: head.last_hash };
  }

  /**
   * Runs `fn` holding the chain's write lock, in one transaction. PostgreSQL: SELECT … FOR UPDATE
   * on the head row (other appenders wait for the commit). SQLite: BEGIN IMMEDIATE takes the
   * database's write lock up front, so two appenders can't both read the same head.
   */
  async #withChainLock<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') {
      return this.db.transaction().execute(async (trx) => {
        await trx.selectFrom('audit_chain_head').select('id').where('id', '=', 1).forUpdate().execute();
        return fn(trx);
      });
    }
    return this.db.connection().execute(async (conn) => {
      await beginImmediate(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {});
        throw error;
      }
    });
  }

  async listAudit(options: { subject?: string; type?: string; limit: number }): Promise<AuditEvent[]> {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`audit limit must be a positive integer, got ${options.limit}`);
    let query = this.db.selectFrom('audit_events').selectAll();
    if (options.subject !== undefined) query = query.where('subject', '=', options.subject);
    if (options.type !== undefined) query = query.where('type', '=', options.type);
    // Newest first; the id breaks ties between events of the same millisecond.
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toAuditEvent);
  }

  // ---- settings ----

  async getSetting(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row === undefined ? null : row.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    checkKey('setting key', key, width.settingKey);
    checkNoNul('setting value', value);
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
      .execute();
  }

  // ---- health ----

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      throw new NyckelError(
        'store_unavailable',
        `the ${this.dialect} database cannot be reached: ${(error as Error).message ?? String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    // Idempotent: pg's pool throws when ended twice, and shutdown paths may call close more than once.
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}

function prepareQueries(db: Kysely<Database>) {
  return {
    hitRateLimit: new PreparedQuery(['key', 'windowStart'], (p) =>
      db
        .insertInto('rate_limits')
        .values({ key: p.key, window_start: p.windowStart, count: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`${sql.ref('rate_limits.count')} + 1` }))
        .returning('count'),
    ),
    clearEarlierWindows: new PreparedQuery(['key', 'windowStart'], (p) =>
      db.deleteFrom('rate_limits').where('key', '=', p.key).where('window_start', '<', p.windowStart),
    ),
    resetRateLimit: new PreparedQuery(['key'], (p) => db.deleteFrom('rate_limits').where('key', '=', p.key)),
    deleteSessionsOfAccount: new PreparedQuery(['accountId'], (p) => db.deleteFrom('sessions').where('account_id', '=', p.accountId)),
  };
}

interface FixedWindow {
  start: number;
  remainingMs: number;
}

function fixedWindow(limit: number, windowMs: number, now: Date): FixedWindow {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`rate limit must be a non-negative integer, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1)
    throw new RangeError(`rate-limit window must be a positive integer of ms, got ${windowMs}`);
  const ms = toMs(now);
  const start = Math.floor(ms / windowMs) * windowMs;
  return { start, remainingMs: start + windowMs - ms };
}

function toMs(date: Date): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError('expected a valid Date');
  return ms;
}

// PostgreSQL's text cannot hold NUL while SQLite's can; refusing it keeps both the same.
function checkNoNul(what: string, value: string): void {
  if (value.includes('\u0000')) throw new RangeError(`${what} must not contain NUL characters`);
}

/** Identifiers the caller controls: refused when they do not fit, never silently changed. */
function checkKey(what: string, value: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new RangeError(`${what} must be a non-empty string`);
  checkNoNul(what, value);
  if (codePoints(value) > max) throw new RangeError(`${what} is longer than ${max} characters`);
  return value;
}

/** Informational text: NUL replaced and cut to the column width (in characters, as varchar counts). */
function cleanText(value: string | null, max: number): string | null {
  if (value === null) return null;
  const cleaned = value.replaceAll('\u0000', '\uFFFD');
  return codePoints(cleaned) > max ? Array.from(cleaned).slice(0, max).join('') : cleaned;
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Chains a batch onto the head read under the lock. Ids are given here, so they follow chain order (a sequence could hand them out of order). */
function chainBatch(head: { last_id: number | string | null; last_hash: string }, batch: readonly PendingAppend[]): ChainedAuditEvent[] {
  let id = Number(head.last_id ?? 0);
  let prevHash = head.last_hash;
  const events: ChainedAuditEvent[] = [];
  for (const { fields, detail } of batch) {
    id++;
    const hash = chainHash(prevHash, { id, ...fields, detail });
    events.push({ id, ...fields, detail, prevHash, hash });
    prevHash = hash;
  }
  return events;
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return auditEventFromRow(row, parseObject(row.detail));
}

const BUSY_WAIT_LIMIT_MS = 10_000;

/**
 * BEGIN IMMEDIATE with an asynchronous retry. node:sqlite waits for a lock synchronously (busy_timeout),
 * which would stall the whole event loop — and the holder, if it is in this process. So the
 * wait is switched off for this one statement and done here with timers instead.
 */
async function beginImmediate(conn: Kysely<Database>): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    await sql`pragma busy_timeout = 0`.execute(conn);
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() - started > BUSY_WAIT_LIMIT_MS) throw error;
    } finally {
      await sql`pragma busy_timeout = 5000`.execute(conn);
    }
    const delay = Math.min(50, 1 + attempt) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
