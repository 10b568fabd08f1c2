// A campaign's deadline action `lock`, step by step: per member, whether the directory lock is
// still to come (`pending`), claimed (`locking`), done (`locked`) or refused by the directory
// (`failed`), so the lock is batched, resumable after a crash, and taken once per member, as the
// marking is. Null for members the lock doesn't concern. Portable DDL (SQLite and PostgreSQL).

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('campaign_members').addColumn('directory_lock', 'varchar(16)').execute();
  await db.schema
    .createIndex('campaign_members_directory_lock')
    .on('campaign_members')
    .columns(['campaign_id', 'directory_lock', 'username'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('campaign_members_directory_lock').ifExists().execute();
  await db.schema.alterTable('campaign_members').dropColumn('directory_lock').execute();
}
