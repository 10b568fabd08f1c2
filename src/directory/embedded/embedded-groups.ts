// Groups and department filtering in the embedded directory (migration 0007). A group exists
// through its members: table `account_groups` holds one row per (account, group), the name as it
// was given and a folded key that lookups compare, so membership is case-insensitive in every
// script (SQLite's lower() folds ASCII only). The same folding of the department is kept in
// `accounts.department_key`. Used by EmbeddedDirectory (groupsOf, listAccounts) and by
// account-input.ts for validating group names.

import type { Kysely, Selectable, Transaction } from 'kysely';
import { NyckelError } from '../../domain/errors.ts';
import type { AccountsTable, Database } from '../../store/schema.ts';

/** Longest group name, in code points. */
export const MAX_GROUP_NAME = 128;
/** Most groups one account may be given at once (a typo in a CSV column shouldn't make hundreds). */
export const MAX_GROUPS_PER_ACCOUNT = 50;
/** Longest value a listing filter can match (department is varchar(256)); longer input matches nothing. */
const MAX_FILTER_VALUE = 256;
/** Rows per insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 300;

// Letters and digits of any script (Swedish å, ä, ö), spaces and . - _ & ' ( ) , — the names
// organisations give groups. Not `|`, which separates groups in the CSV column, and nothing
// that could pass for markup or a control character.
const groupNamePattern = /^[\p{L}\p{N}\p{M} ._&'(),-]+$/u;

/** The comparison form of a group name or department: NFC, trimmed, lower-cased (Unicode-aware). */
export function foldForComparison(value: string): string {
  return value.normalize('NFC').trim().toLowerCase();
}

/** Why a group name can't be used, as a sentence a person can act on; null when it's fine. */
export function groupNameProblem(name: string): string | null {
  const value = name.normalize('NFC').trim();
  if (value === '') return 'Group name cannot be empty.';
  if ([...value].length > MAX_GROUP_NAME) return `Group name can be at most ${MAX_GROUP_NAME} characters.`;
  if (!groupNamePattern.test(value)) {
    return "Group name can contain only letters, digits, spaces and . - _ & ' ( ) , (not |, which separates groups).";
  }
  return null;
}

/**
 * The key a listing filter compares with, or null when the value can't name any group or
 * department (empty, overlong, control characters such as NUL, which PostgreSQL refuses in text):
 * such a filter matches nothing rather than failing.
 */
export function filterKey(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_FILTER_VALUE * 4) return null;
  const key = foldForComparison(value);
  if (key === '' || [...key].length > MAX_FILTER_VALUE * 2 || /\p{Cc}/u.test(key)) return null;
  return key;
}

/** The account's group names (as given), in a stable order. */
export async function groupNamesOf(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('account_groups')
    .select('group_name')
    .where('account_id', '=', accountId)
    .orderBy('group_key')
    .execute();
  return rows.map((r) => r.group_name);
}

/** Adds memberships (names already validated; duplicates by key were dropped by account-input.ts). */
export async function insertMemberships(
  trx: Transaction<Database>,
  memberships: { accountId: string; groups: readonly string[] }[],
): Promise<void> {
  const rows = memberships.flatMap(({ accountId, groups }) =>
    groups.map((name) => ({ account_id: accountId, group_name: name, group_key: foldForComparison(name) })),
  );
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await trx
      .insertInto('account_groups')
      .values(rows.slice(start, start + INSERT_CHUNK))
      .execute();
  }
}

/**
 * One keyset page of accounts in username order, optionally only members of a group and only
 * those in a department (both by folded key, both indexed). Reads `limit` rows.
 */
export async function selectAccountPage(
  db: Kysely<Database>,
  options: { after: string | null; limit: number; groupKey?: string | undefined; departmentKey?: string | undefined },
): Promise<Selectable<AccountsTable>[]> {
  let query = db.selectFrom('accounts').selectAll().orderBy('username').limit(options.limit);
  if (options.after !== null) query = query.where('username', '>', options.after);
  if (options.groupKey !== undefined) {
    const groupKey = options.groupKey;
    query = query.where('id', 'in', (eb) => eb.selectFrom('account_groups').select('account_id').where('group_key', '=', groupKey));
  }
  if (options.departmentKey !== undefined) query = query.where('department_key', '=', options.departmentKey);
  return await query.execute();
}

/** Adds accounts to a group (management: tests and tools); a membership that exists already stays as it is. */
export async function addToGroup(db: Kysely<Database>, groupName: string, accountIds: readonly string[]): Promise<void> {
  const problem = groupNameProblem(groupName);
  if (problem !== null) throw new NyckelError('invalid_input', problem);
  const name = groupName.normalize('NFC').trim();
  const key = foldForComparison(name);
  await db.transaction().execute(async (trx) => {
    for (const accountId of accountIds) {
      const existing = await trx
        .selectFrom('account_groups')
        .select('account_id')
        .where('account_id', '=', accountId)
        .where('group_key', '=', key)
        .executeTakeFirst();
      if (existing === undefined)
        await trx.insertInto('account_groups').values({ account_id: accountId, group_name: name, group_key: key }).execute();
    }
  });
}
