// Reset flows in the store's database (migration 0004): the same queries on SQLite and
// PostgreSQL. Consumption is `UPDATE … WHERE consumed_at IS NULL` (Ory Kratos): exactly one of
// two racing requests wins. The statements every reset step runs are prepared once
// (prepared-query.ts).

import type { Kysely } from 'kysely';
import type { ResetFlowRecord, ResetFlowStore } from '../flows/reset/reset-flow-store.ts';
import { parseResetState } from '../flows/reset/states.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';

/** How often markUsed clears expired captcha records. */
const CAPTCHA_CLEAR_INTERVAL_MS = 60_000;

function prepareQueries(db: Kysely<Database>) {
  return {
    insertFlow: new PreparedQuery(['id', 'secretHash', 'accountId', 'state', 'language', 'startedAt', 'createdAt', 'expiresAt'], (p) =>
      db.insertInto('reset_flows').values({
        id: p.id,
        secret_hash: p.secretHash,
        account_id: p.accountId,
        state: p.state,
        language: p.language,
        started_at: p.startedAt,
        created_at: p.createdAt,
        expires_at: p.expiresAt,
        consumed_at: null,
      }),
    ),
    getFlow: new PreparedQuery(['id'], (p) => db.selectFrom('reset_flows').selectAll().where('id', '=', p.id)),
    consumeFlow: new PreparedQuery(['id', 'at'], (p) =>
      db.updateTable('reset_flows').set({ consumed_at: p.at }).where('id', '=', p.id).where('consumed_at', 'is', null),
    ),
    markUsed: new PreparedQuery(['id', 'expiresAt'], (p) =>
      db
        .insertInto('captcha_uses')
        .values({ id: p.id, expires_at: p.expiresAt })
        .onConflict((oc) => oc.column('id').doNothing()),
    ),
  };
}

export class KyselyResetFlowStore implements ResetFlowStore {
  readonly #db: Kysely<Database>;
  #captchasClearedAt = Number.NEGATIVE_INFINITY;
  #prepared: ReturnType<typeof prepareQueries> | undefined;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  get #queries(): ReturnType<typeof prepareQueries> {
    this.#prepared ??= prepareQueries(this.#db);
    return this.#prepared;
  }

  async insertFlow(record: Omit<ResetFlowRecord, 'consumedAt'>): Promise<void> {
    await this.#queries.insertFlow.execute(this.#db, {
      id: record.id,
      secretHash: record.secretHash,
      accountId: record.accountId,
      state: JSON.stringify(record.state),
      language: record.language,
      startedAt: record.startedAt.getTime(),
      createdAt: record.createdAt.getTime(),
      expiresAt: record.expiresAt.getTime(),
    });
  }

  async getFlow(id: string): Promise<ResetFlowRecord | null> {
    const row = (await this.#queries.getFlow.execute(this.#db, { id })).rows[0];
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
    const result = await this.#queries.consumeFlow.execute(this.#db, { id, at: at.getTime() });
    return Number(result.numAffectedRows ?? 0) === 1;
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
    // Expired records are cleared at most once a minute (and by the purge job): they can't
    // matter to the replay check (an expired solution is refused before it gets here), and the
    // clean-up scans the table, which on breach day would be once per start.
    if (now.getTime() - this.#captchasClearedAt >= CAPTCHA_CLEAR_INTERVAL_MS || now.getTime() < this.#captchasClearedAt) {
      this.#captchasClearedAt = now.getTime();
      await this.#db.deleteFrom('captcha_uses').where('expires_at', '<', now.getTime()).execute();
    }
    const result = await this.#queries.markUsed.execute(this.#db, { id, expiresAt: expiresAt.getTime() });
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async purgeExpired(now: Date): Promise<number> {
    const ms = now.getTime();
    const flows = await this.#db.deleteFrom('reset_flows').where('expires_at', '<', ms).executeTakeFirst();
    const sends = await this.#db.deleteFrom('reset_code_sends').where('expires_at', '<', ms).executeTakeFirst();
    const captchas = await this.#db.deleteFrom('captcha_uses').where('expires_at', '<', ms).executeTakeFirst();
    return Number(flows.numDeletedRows) + Number(sends.numDeletedRows) + Number(captchas.numDeletedRows);
  }
}
