// Nyckel's own record of the passwords it set in an external directory (Active Directory), as
// argon2id hashes. Samba AD does not check history when the service account resets a password,
// so Nyckel refuses reuse of the passwords it set itself. Portable DDL (SQLite and PostgreSQL).

import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const serial = (c: ColumnDefinitionBuilder) =>
    ctx.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();
  await db.schema
    .createTable('directory_password_history')
    .addColumn('id', 'integer', serial)
    // The directory's stable key for the account (AD: objectGUID as hex), not the DN, which changes on rename or move.
    .addColumn('account_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('directory_password_history_account').on('directory_password_history').column('account_key').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('directory_password_history').execute();
}
