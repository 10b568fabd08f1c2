// Leak-response campaigns: the campaign itself, one row per member account with the member's
// step (pending_mark → marking → marked → notifying → notified, or skipped) so every step is a
// conditional UPDATE taken once, the reminders sent (the primary key makes each one a one-time
// claim), and progress snapshots for the chart. Portable DDL only (SQLite and PostgreSQL).

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('target_kind', 'varchar(16)', (c) => c.notNull())
    // The department or group for those kinds; null for everyone and list.
    .addColumn('target_value', 'text')
    .addColumn('list_entries', 'integer')
    .addColumn('message', 'text')
    // JSON arrays.
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('reminder_days', 'text', (c) => c.notNull())
    .addColumn('deadline_action', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(1024)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_by', 'varchar(1024)')
    .addColumn('started_at', 'bigint')
    // Where the directory walk has got to, so a restarted job carries on from there.
    .addColumn('resolve_cursor', 'text')
    .addColumn('members_resolved_at', 'bigint')
    .addColumn('all_notified_at', 'bigint')
    .addColumn('deadline_action_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    // Where the "changed yet?" refresh has got to (a member's username), and the last snapshot.
    .addColumn('refresh_cursor', 'text')
    .addColumn('last_snapshot_at', 'bigint')
    .execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('campaign_members')
    .addColumn('campaign_id', 'varchar(64)', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    // The directory's account id (an LDAP DN can be long).
    .addColumn('account_id', 'varchar(1024)', (c) => c.notNull())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('department', 'varchar(256)')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('marked_at', 'bigint')
    .addColumn('notified_at', 'bigint')
    // sent | unreachable | unknown (the job stopped between claiming and sending)
    .addColumn('notify_outcome', 'varchar(16)')
    .addColumn('changed_at', 'bigint')
    // 1 when the deadline action blocked or locked the account (cleared by a change).
    .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped_reason', 'varchar(64)')
    .addPrimaryKeyConstraint('campaign_members_pk', ['campaign_id', 'account_id'])
    .execute();
  await db.schema.createIndex('campaign_members_state').on('campaign_members').columns(['campaign_id', 'state', 'username']).execute();
  await db.schema.createIndex('campaign_members_username').on('campaign_members').columns(['campaign_id', 'username']).execute();
  await db.schema.createIndex('campaign_members_account').on('campaign_members').column('account_id').execute();

  await db.schema
    .createTable('campaign_reminders_sent')
    .addColumn('campaign_id', 'varchar(64)', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('account_id', 'varchar(1024)', (c) => c.notNull())
    .addColumn('days_before', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    // sent | unreachable | unknown, as for the first notice.
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_reminders_sent_pk', ['campaign_id', 'account_id', 'days_before'])
    .execute();

  await db.schema
    .createTable('campaign_snapshots')
    .addColumn('campaign_id', 'varchar(64)', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('taken_at', 'bigint', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('changed', 'integer', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('locked', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_snapshots_pk', ['campaign_id', 'taken_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('campaign_snapshots').ifExists().execute();
  await db.schema.dropTable('campaign_reminders_sent').ifExists().execute();
  await db.schema.dropTable('campaign_members').ifExists().execute();
  await db.schema.dropTable('campaigns').ifExists().execute();
}
