// Where reset flows live: the store's database (SQLite or PostgreSQL), so a flow survives a
// restart and works across instances. The port is `ResetFlowStore`; `KyselyResetFlowStore`
// implements it with the same queries on both dialects. Consumption is
// `UPDATE … WHERE consumed_at IS NULL` (Ory Kratos): exactly one of two racing requests wins.

import type { Kysely } from 'kysely';
import type { CaptchaReplayGuard } from '../../security/captcha.ts';
import type { Database } from '../../store/schema.ts';
import { parseResetState, type ResetState } from './states.ts';

export interface ResetFlowRecord {
  id: string;
  /** SHA-256 of the secret half of the cookie token. */
  secretHash: string;
  /** Null when the identifier matched no account (the flow runs anyway; nothing can verify). */
  accountId: string | null;
  state: ResetState;
  language: 'sv' | 'en';
  /** When the user started (the first row of the flow); expiry counts from here. */
  startedAt: Date;
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

export interface ResetFlowStore extends CaptchaReplayGuard {
  insertFlow(record: Omit<ResetFlowRecord, 'consumedAt'>): Promise<void>;
  getFlow(id: string): Promise<ResetFlowRecord | null>;
  /** Marks the row used; false when it already was (a replay or a race lost). */
  consumeFlow(id: string, at: Date): Promise<boolean>;
  /** Remembers which code challenge a background send created (null: nothing was sent). */
  recordSend(sendId: string, challengeId: string | null, at: Date, expiresAt: Date): Promise<void>;
  sendChallenge(sendId: string): Promise<string | null>;
  /** Removes flows, sends and captcha records past their expiry. */
  purgeExpired(now: Date): Promise<number>;
}

interface ResetTables {
  reset_flows: {
    id: string;
    secret_hash: string;
    account_id: string | null;
    state: string;
    language: string;
    started_at: number;
    created_at: number;
    expires_at: number;
    consumed_at: number | null;
  };
  reset_code_sends: { id: string; challenge_id: string | null; created_at: number; expires_at: number };
  captcha_uses: { id: string; expires_at: number };
}

export class KyselyResetFlowStore implements ResetFlowStore {
  readonly #db: Kysely<ResetTables>;

  constructor(db: Kysely<Database>) {
    // The reset tables are this adapter's own (migration 0004); the shared Database type doesn't list them.
    this.#db = db as unknown as Kysely<ResetTables>;
  }

  async insertFlow(record: Omit<ResetFlowRecord, 'consumedAt'>): Promise<void> {
    await this.#db
      .insertInto('reset_flows')
      .values({
        id: record.id,
        secret_hash: record.secretHash,
        account_id: record.accountId,
        state: JSON.stringify(record.state),
        language: record.language,
        started_at: record.startedAt.getTime(),
        created_at: record.createdAt.getTime(),
        expires_at: record.expiresAt.getTime(),
        consumed_at: null,
      })
      .execute();
  }

  async getFlow(id: string): Promise<ResetFlowRecord | null> {
    const row = await this.#db.selectFrom('reset_flows').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(row.state);
    } catch {
      return null;
    }
    const state = parseResetState(raw);
    if (state === null || (row.language !== 'sv' && row.language !== 'en')) return null;
    return {
      id: row.id,
      secretHash: row.secret_hash,
      accountId: row.account_id,
      state,
      language: row.language,
      startedAt: new Date(Number(row.started_at)),
      createdAt: new Date(Number(row.created_at)),
      expiresAt: new Date(Number(row.expires_at)),
      consumedAt: row.consumed_at === null ? null : new Date(Number(row.consumed_at)),
    };
  }

  async consumeFlow(id: string, at: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('reset_flows')
      .set({ consumed_at: at.getTime() })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordSend(sendId: string, challengeId: string | null, at: Date, expiresAt: Date): Promise<void> {
    await this.#db
      .insertInto('reset_code_sends')
      .values({ id: sendId, challenge_id: challengeId, created_at: at.getTime(), expires_at: expiresAt.getTime() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async sendChallenge(sendId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('reset_code_sends').select('challenge_id').where('id', '=', sendId).executeTakeFirst();
    return row?.challenge_id ?? null;
  }

  async markUsed(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    await this.#db.deleteFrom('captcha_uses').where('expires_at', '<', now.getTime()).execute();
    const result = await this.#db
      .insertInto('captcha_uses')
      .values({ id, expires_at: expiresAt.getTime() })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async purgeExpired(now: Date): Promise<number> {
    const ms = now.getTime();
    const flows = await this.#db.deleteFrom('reset_flows').where('expires_at', '<', ms).executeTakeFirst();
    const sends = await this.#db.deleteFrom('reset_code_sends').where('expires_at', '<', ms).executeTakeFirst();
    const captchas = await this.#db.deleteFrom('captcha_uses').where('expires_at', '<', ms).executeTakeFirst();
    return Number(flows.numDeletedRows) + Number(sends.numDeletedRows) + Number(captchas.numDeletedRows);
  }
}
