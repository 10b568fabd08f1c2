// Security info: registered methods (authenticator app, phone, e-mail, passkey, recovery codes),
// pending authenticator enrolments, sent one-time codes, recovery codes and temporary passes.
// Portable DDL only (runs unchanged on SQLite and PostgreSQL). Accounts may live in LDAP, so
// account ids are plain columns without a foreign key.

import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const serial = (c: ColumnDefinitionBuilder) =>
    ctx.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();

  await db.schema
    .createTable('security_methods')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('label', 'varchar(256)', (c) => c.notNull().defaultTo(''))
    // E.164 number or e-mail address; null for the other kinds.
    .addColumn('target', 'varchar(320)')
    // TOTP seed in the secret box (AES-256-GCM, key id prefixed).
    .addColumn('secret', 'text')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    // The last TOTP time step accepted: a code for this step or an earlier one is a replay.
    .addColumn('totp_last_step', 'bigint')
    .addColumn('credential_id', 'varchar(1024)', (c) => c.unique())
    .addColumn('public_key', 'text')
    .addColumn('sign_count', 'bigint')
    .addColumn('transports', 'text')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('security_methods_account').on('security_methods').column('account_id').execute();
  // At most one default per account, enforced by the database itself (partial unique index, both dialects).
  await db.schema
    .createIndex('security_methods_one_default')
    .on('security_methods')
    .column('account_id')
    .unique()
    .where(sql.ref('is_default'), '=', 1)
    .execute();

  await db.schema
    .createTable('totp_enrollments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('label', 'varchar(256)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('totp_enrollments_account').on('totp_enrollments').column('account_id').execute();

  await db.schema
    .createTable('code_challenges')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('method_id', 'varchar(64)')
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('target', 'varchar(320)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('code_challenges_account').on('code_challenges').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'integer', serial)
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('method_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_account').on('recovery_codes').column('account_id').execute();

  await db.schema
    .createTable('temporary_passes')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('pass_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('single_use', 'integer', (c) => c.notNull())
    .addColumn('issued_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('use_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('temporary_passes_account').on('temporary_passes').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['temporary_passes', 'recovery_codes', 'code_challenges', 'totp_enrollments', 'security_methods']) {
    await db.schema.dropTable(table).execute();
  }
}
