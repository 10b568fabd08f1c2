// Expiry reminders: one row per reminder sent (account, the expiry date it was about, the
// threshold in days). The primary key makes a reminder a claim: two job runs, or two instances,
// can't both insert it, so a user gets each reminder once. A changed password gives a new expiry
// date, and so a fresh set of reminders. Portable DDL (SQLite and PostgreSQL).

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('expiry_reminders_sent')
    // The directory's account id (an LDAP DN can be long).
    .addColumn('account_id', 'varchar(1024)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('days_before', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('expiry_reminders_sent_pk', ['account_id', 'expires_at', 'days_before'])
    .execute();
  await db.schema.createIndex('expiry_reminders_sent_expires').on('expiry_reminders_sent').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('expiry_reminders_sent').ifExists().execute();
}
