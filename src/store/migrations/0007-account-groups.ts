// Groups in the embedded directory: one row per (account, group). The name is kept as it was
// given; `group_key` (NFC, trimmed, lower-cased in Node, which folds å/Ä/Ö as SQLite's ASCII-only
// lower() does not) is what lookups compare, so "IT-support" and "IT-Support" are one group.
// Accounts also get `department_key`, the same folding of the department, so listing accounts by
// department is an indexed, case-insensitive equality on both backends. Portable DDL only.

import type { Kysely } from 'kysely';
import { foldForComparison } from '../../directory/embedded/embedded-groups.ts';
import type { Database } from '../schema.ts';
import type { MigrationContext } from './index.ts';

const PAGE = 1000;

export async function up(untyped: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  await db.schema
    .createTable('account_groups')
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('group_name', 'varchar(512)', (c) => c.notNull())
    .addColumn('group_key', 'varchar(512)', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_groups_pk', ['account_id', 'group_key'])
    .execute();
  // Members of a group in username order come from this index plus the accounts' primary key.
  await db.schema.createIndex('account_groups_group').on('account_groups').columns(['group_key', 'account_id']).execute();

  // Lower-casing can lengthen a string (İ → i̇), hence wider than department's varchar(256).
  await db.schema.alterTable('accounts').addColumn('department_key', 'varchar(1024)').execute();
  await db.schema.createIndex('accounts_department_key').on('accounts').columns(['department_key', 'username']).execute();
  // Fill in the key for accounts that already have a department, a page at a time.
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'department'])
      .where('id', '>', after)
      .where('department', 'is not', null)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      await db
        .updateTable('accounts')
        .set({ department_key: row.department === null ? null : foldForComparison(row.department) })
        .where('id', '=', row.id)
        .execute();
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE) break;
    after = last.id;
  }
}

export async function down(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  await db.schema.dropIndex('accounts_department_key').ifExists().execute();
  await db.schema.alterTable('accounts').dropColumn('department_key').execute();
  await db.schema.dropTable('account_groups').ifExists().execute();
}
