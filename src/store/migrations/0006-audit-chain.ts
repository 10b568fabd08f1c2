// The audit trail becomes a hash chain (each event carries the hash of the one before it and its
// own), with a one-row chain head that appends lock to stay in order across instances; and job
// leases, so a scheduled job runs on one instance at a time. Events already stored are chained
// here, in id order. Portable DDL only (SQLite and PostgreSQL).

import type { Kysely } from 'kysely';
import { chainHash, GENESIS_HASH } from '../../audit/audit-chain.ts';
import type { Database } from '../schema.ts';
import type { MigrationContext } from './index.ts';

const PAGE = 1000;

export async function up(untyped: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  // SQLite can add a NOT NULL column only with a default; every row is filled in just below.
  await db.schema
    .alterTable('audit_events')
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('audit_events')
    .addColumn('hash', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();

  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint')
    .addColumn('last_hash', 'varchar(64)', (c) => c.notNull())
    .execute();

  let prevHash = GENESIS_HASH;
  let lastId: number | null = null;
  for (;;) {
    let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'asc').limit(PAGE);
    if (lastId !== null) query = query.where('id', '>', lastId);
    const rows = await query.execute();
    for (const row of rows) {
      const id = Number(row.id);
      const hash = chainHash(prevHash, {
        id,
        at: new Date(Number(row.at)),
        type: row.type,
        actor: row.actor,
        subject: row.subject,
        ip: row.ip,
        outcome: row.outcome,
        detail: parseDetail(row.detail),
      });
      await db.updateTable('audit_events').set({ prev_hash: prevHash, hash }).where('id', '=', id).execute();
      prevHash = hash;
      lastId = id;
    }
    if (rows.length < PAGE) break;
  }
  await db.insertInto('audit_chain_head').values({ id: 1, last_id: lastId, last_hash: prevHash }).execute();

  await db.schema
    .createTable('job_locks')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(128)', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  await db.schema.dropTable('job_locks').execute();
  await db.schema.dropTable('audit_chain_head').execute();
  await db.schema.alterTable('audit_events').dropColumn('hash').execute();
  await db.schema.alterTable('audit_events').dropColumn('prev_hash').execute();
}

function parseDetail(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
