// Reset flows in the store's database (migration 0004): the same queries on SQLite and
// PostgreSQL. Consumption is `UPDATE … WHERE consumed_at IS NULL` (Ory Kratos): exactly one of
// two racing requests wins.

import type { Kysely } from 'kysely';
import type { ResetFlowRecord, ResetFlowStore } from '../flows/reset/reset-flow-store.ts';
import { parseResetState } from '../flows/reset/states.ts';
import type { Database } from './schema.ts';

export class KyselyResetFlowStore implements ResetFlowStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
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
