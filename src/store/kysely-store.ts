// The Store port over Kysely: the same queries run on SQLite and PostgreSQL. Times are stored
// as integer milliseconds, JSON as text; every value goes through bound parameters.

import { type Kysely, sql } from 'kysely';
import { NyckelError } from '../domain/errors.ts';
import type { Database } from './schema.ts';
import type { AuditEvent, AuditEventInput, RateLimitDecision, SessionRecord, Store } from './store.ts';

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

export class KyselyStore implements Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  #closed = false;

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.db = db;
    this.dialect = dialect;
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
    const result = await this.db.deleteFrom('sessions').where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows);
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
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: window.start, count: 1 })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`${sql.ref('rate_limits.count')} + 1` }))
      .returning('count')
      .executeTakeFirstOrThrow();
    const count = Number(row.count);
    if (count === 1) {
      // The first hit of a new window clears this key's earlier windows: they can no longer
      // matter, and it keeps the table the size of the keys in use.
      await this.db.deleteFrom('rate_limits').where('key', '=', key).where('window_start', '<', window.start).execute();
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
    await this.db.deleteFrom('rate_limits').where('key', '=', key).execute();
  }

  // ---- audit ----

  async appendAudit(event: AuditEventInput, at: Date): Promise<void> {
    if (!auditOutcomes.has(event.outcome)) throw new RangeError(`unknown audit outcome: ${String(event.outcome)}`);
    await this.db
      .insertInto('audit_events')
      .values({
        at: toMs(at),
        type: checkKey('audit type', event.type, width.auditType),
        // Actor, subject and address may come from what a user typed: an audit event must
        // never be lost to a long or odd value, so they are cut to fit instead of rejected.
        actor: cleanText(event.actor ?? null, width.auditParty),
        subject: cleanText(event.subject ?? null, width.auditParty),
        ip: cleanText(event.ip ?? null, width.ip),
        outcome: event.outcome,
        detail: JSON.stringify(event.detail ?? {}),
      })
      .execute();
  }

  async listAudit(options: { subject?: string; type?: string; limit: number }): Promise<AuditEvent[]> {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`audit limit must be a positive integer, got ${options.limit}`);
    let query = this.db.selectFrom('audit_events').selectAll();
    if (options.subject !== undefined) query = query.where('subject', '=', options.subject);
    if (options.type !== undefined) query = query.where('type', '=', options.type);
    // Newest first; the id breaks ties between events of the same millisecond.
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      at: new Date(Number(row.at)),
      type: row.type,
      actor: row.actor,
      subject: row.subject,
      ip: row.ip,
      outcome: row.outcome as AuditEvent['outcome'],
      detail: parseObject(row.detail),
    }));
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

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
