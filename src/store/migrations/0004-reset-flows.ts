// Self-service reset: the flows (one row per state; each step consumes its row and writes a
// successor, so an old flow id is dead), the mapping from a background code send to the
// challenge it created, and the captcha challenges already accepted (each accepted once).
// Portable DDL only (runs unchanged on SQLite and PostgreSQL).

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('reset_flows')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    // SHA-256 of the cookie's secret: a leaked database gives no live flows.
    .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
    // Null for an unknown identifier: the flow still runs, so the answers look the same.
    .addColumn('account_id', 'varchar(1024)')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('language', 'varchar(8)', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('reset_flows_expires').on('reset_flows').column('expires_at').execute();

  await db.schema
    .createTable('reset_code_sends')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('challenge_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('captcha_uses')
    .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('captcha_uses').ifExists().execute();
  await db.schema.dropTable('reset_code_sends').ifExists().execute();
  await db.schema.dropTable('reset_flows').ifExists().execute();
}
