// The store queries behind the reports (/admin/reports): registered methods per account, audit
// events counted per hour for the activity chart, and the commonest failure reasons. Read-only,
// portable SQL on SQLite and PostgreSQL; the one dialect difference (reading a JSON field) is
// chosen by the store's dialect.

import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.ts';

const HOUR_MS = 3_600_000;
/** SQLite limits bound parameters per statement; account ids are asked for in chunks below it. */
const ID_CHUNK = 500;

/** Event types whose failures are sign-in failures. */
export const SIGN_IN_TYPES = ['sign_in', 'passkey_sign_in'] as const;
/** Event types counted as a completed reset (a new password set through self-service). */
export const RESET_TYPES = ['reset.password_changed'] as const;
/** Event types counted as an unlock (self-service or by the helpdesk). */
export const UNLOCK_TYPES = ['reset.unlocked', 'helpdesk.unlock'] as const;
/** Every event of the self-service reset starts with this; its failures and refusals are reset failures. */
export const RESET_PREFIX = 'reset.';

/** How many events of one type and outcome fell in one hour (hour = epoch ms / 3 600 000). */
export interface HourlyEventCount {
  hour: number;
  type: string;
  outcome: string;
  count: number;
}

/** A failure reason and how often it happened: the event type and `detail.reason` (null when the event has none). */
export interface FailureReasonCount {
  type: string;
  reason: string | null;
  count: number;
}

export class ReportQueries {
  readonly #db: Kysely<Database>;
  readonly #dialect: 'sqlite' | 'postgres';

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.#dialect = dialect;
  }

  /**
   * How many methods each account has registered, recovery codes not counted (they are a fallback,
   * not a method: see isPrimaryKind in src/methods/security-info-store.ts). Accounts without any
   * method are missing from the map.
   */
  async countMethods(accountIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let i = 0; i < accountIds.length; i += ID_CHUNK) {
      const chunk = accountIds.slice(i, i + ID_CHUNK);
      const rows = await this.#db
        .selectFrom('security_methods')
        .select(['account_id', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('account_id', 'in', chunk)
        .where('kind', '!=', 'recovery_codes')
        .groupBy('account_id')
        .execute();
      for (const row of rows) counts.set(row.account_id, Number(row.n));
    }
    return counts;
  }

  /**
   * Resets, unlocks, sign-in failures and reset failures in [from, to), counted per hour, type and
   * outcome. Hours, not days, so the caller can place them in the days of its own time zone.
   */
  async countActivityByHour(from: Date, to: Date): Promise<HourlyEventCount[]> {
    const hour = sql<number | string>`(${sql.ref('at')} / ${sql.lit(HOUR_MS)})`;
    const rows = await this.#db
      .selectFrom('audit_events')
      .select([hour.as('hour'), 'type', 'outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('at', '>=', from.getTime())
      .where('at', '<', to.getTime())
      .where((eb) => eb.or([eb('type', 'in', [...SIGN_IN_TYPES, ...RESET_TYPES, ...UNLOCK_TYPES]), eb('type', 'like', `${RESET_PREFIX}%`)]))
      .groupBy([hour, 'type', 'outcome'])
      .execute();
    return rows.map((row) => ({ hour: Number(row.hour), type: row.type, outcome: row.outcome, count: Number(row.n) }));
  }

  /** The commonest reasons of sign-in and reset failures and refusals in [from, to), most frequent first. */
  async topFailureReasons(from: Date, to: Date, limit: number): Promise<FailureReasonCount[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    // The detail column is JSON text written by appendAudit (always valid JSON).
    const reason =
      this.#dialect === 'postgres'
        ? sql<string | null>`(${sql.ref('detail')}::json ->> 'reason')`
        : sql<string | null>`json_extract(${sql.ref('detail')}, '$.reason')`;
    const rows = await this.#db
      .selectFrom('audit_events')
      .select(['type', reason.as('reason'), (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('at', '>=', from.getTime())
      .where('at', '<', to.getTime())
      .where('outcome', 'in', ['failure', 'refused'])
      .where((eb) => eb.or([eb('type', 'in', [...SIGN_IN_TYPES]), eb('type', 'like', `${RESET_PREFIX}%`)]))
      .groupBy(['type', reason])
      .orderBy('n', 'desc')
      .orderBy('type')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ type: row.type, reason: row.reason === null ? null : String(row.reason), count: Number(row.n) }));
  }
}
