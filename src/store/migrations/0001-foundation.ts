// Foundation tables: embedded directory accounts, password history, sessions, rate limits,
// audit events and settings. Portable DDL only (runs unchanged on SQLite and PostgreSQL).

import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  // Auto-numbered keys: SQLite's AUTOINCREMENT, PostgreSQL's identity column.
  const serial = (c: ColumnDefinitionBuilder) =>
    ctx.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(320)', (c) => c.unique())
    .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('department', 'varchar(256)')
    .addColumn('mobile', 'varchar(32)')
    .addColumn('privileged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_hash', 'varchar(512)')
    .addColumn('password_changed_at', 'bigint')
    .addColumn('must_change', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('password_history')
    .addColumn('id', 'integer', serial)
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_history_account').on('password_history').column('account_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .execute();
  await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(512)', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'integer', serial)
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('actor', 'varchar(256)')
    .addColumn('subject', 'varchar(256)')
    .addColumn('ip', 'varchar(64)')
    .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['settings', 'audit_events', 'rate_limits', 'sessions', 'password_history', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
