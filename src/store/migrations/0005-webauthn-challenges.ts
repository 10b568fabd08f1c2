// WebAuthn challenges in a table of their own (they used to borrow rows of `settings`): one row
// per ceremony and session, single use through `used_at`, expiring after a few minutes, removed
// by the purge job once expired or used. Portable DDL only (SQLite and PostgreSQL).

import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    // Ceremony and session id hash: a challenge issued to one session can't be answered from another.
    .addColumn('binding_key', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('challenge', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires').on('webauthn_challenges').column('expires_at').execute();
  // Challenges kept in settings before this table existed live five minutes: drop them rather than move them.
  await sql`delete from settings where key like ${'passkey.challenge.%'}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webauthn_challenges').execute();
}
