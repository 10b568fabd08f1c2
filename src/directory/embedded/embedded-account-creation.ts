// Creating accounts in the embedded directory: one at a time (CLI, demo seeder) or many in one
// all-or-nothing import (`nyckel users import`). Validates with account-input.ts, keeps usernames
// and e-mail addresses in one namespace, and writes the rows with their group memberships.
// Used by EmbeddedDirectory.createAccount and importAccounts.

import type { Transaction } from 'kysely';
import { NyckelError } from '../../domain/errors.ts';
import { hashPassword } from '../../security/password-hashing.ts';
import { randomId } from '../../security/tokens.ts';
import type { Database } from '../../store/schema.ts';
import type { DirectoryAccount } from '../directory.ts';
import { type NewAccount, parseNewAccount, type ValidNewAccount } from './account-input.ts';
import { type AccountRow, type EmbeddedContext, toAccount } from './embedded-account-rows.ts';
import { foldForComparison, insertMemberships } from './embedded-groups.ts';
import { lengthRejection, normalisePassword, policyViolation } from './embedded-passwords.ts';

/** Rows per statement in a bulk import: well under SQLite's and PostgreSQL's bound-parameter limits. */
const IMPORT_CHUNK = 500;

function isUniqueViolation(error: unknown): boolean {
  // SQLite: "UNIQUE constraint failed: accounts.username"; PostgreSQL: SQLSTATE 23505.
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message));
}

function fieldLabel(field: 'username' | 'email'): string {
  return field === 'username' ? 'username' : 'e-mail address';
}

/** Creates one account, optionally with a password (length rules apply). Throws 'invalid_input' or 'account_exists'. */
export async function createAccount(context: EmbeddedContext, input: NewAccount, password?: string): Promise<DirectoryAccount> {
  const parsed = parseNewAccount(input);
  if (!parsed.ok) {
    throw new NyckelError('invalid_input', parsed.problems.map((p) => `${p.field}: ${p.message}`).join(' '), {
      detail: { problems: parsed.problems },
    });
  }
  let passwordHash: string | null = null;
  if (password !== undefined) {
    const candidate = normalisePassword(password);
    const rejection = lengthRejection(context.policy, candidate);
    if (rejection !== null) throw policyViolation(rejection);
    passwordHash = await hashPassword(candidate, context.settings.argon2);
  }
  const now = context.clock.now().getTime();
  const row = newRow(parsed.value, passwordHash, now);
  try {
    await context.db.transaction().execute(async (trx) => {
      const conflicts = await findConflicts(trx, [parsed.value]);
      const first = conflicts[0];
      if (first !== undefined) throw first.error;
      await trx.insertInto('accounts').values(row).execute();
      await insertMemberships(trx, [{ accountId: row.id, groups: parsed.value.groups ?? [] }]);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new NyckelError('account_exists', 'an account with this username or e-mail address already exists');
    throw error;
  }
  return toAccount(row);
}

/**
 * Creates many accounts without passwords (they can't sign in until one is set), in one
 * transaction: either every row is created or none is. Throws 'invalid_input' listing every
 * problem by row, or 'account_exists' naming the row and field.
 */
export async function importAccounts(context: EmbeddedContext, rows: NewAccount[]): Promise<{ created: number }> {
  const valid: ValidNewAccount[] = [];
  const problems: { row: number; field: string; message: string }[] = [];
  rows.forEach((input, index) => {
    const parsed = parseNewAccount(input);
    if (parsed.ok) valid.push(parsed.value);
    else for (const p of parsed.problems) problems.push({ row: index + 1, ...p });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).map((p) => `row ${p.row}, ${p.field}: ${p.message}`);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    throw new NyckelError('invalid_input', `nothing was imported: ${shown.join(' ')}${more}`, { detail: { problems } });
  }
  // Duplicates inside the file: usernames and e-mails share one namespace, since either signs in.
  const seen = new Map<string, { row: number; field: 'username' | 'email' }>();
  valid.forEach((account, index) => {
    const keys: [string, 'username' | 'email'][] = [[account.username, 'username']];
    if (account.email !== undefined && account.email !== account.username) keys.push([account.email, 'email']);
    for (const [value, field] of keys) {
      const earlier = seen.get(value);
      if (earlier !== undefined) {
        throw new NyckelError(
          'account_exists',
          `nothing was imported: row ${index + 1} has the ${fieldLabel(field)} ${value}, which row ${earlier.row} already uses`,
          { detail: { row: index + 1, field, otherRow: earlier.row } },
        );
      }
      seen.set(value, { row: index + 1, field });
    }
  });
  const now = context.clock.now().getTime();
  try {
    await context.db.transaction().execute(async (trx) => {
      const conflicts = await findConflicts(trx, valid);
      const first = conflicts[0];
      if (first !== undefined) {
        throw new NyckelError('account_exists', `nothing was imported: row ${first.index + 1}: ${first.error.message}`, {
          detail: { ...first.error.detail, row: first.index + 1 },
        });
      }
      for (let start = 0; start < valid.length; start += IMPORT_CHUNK) {
        const accounts = valid.slice(start, start + IMPORT_CHUNK);
        const chunk = accounts.map((account) => newRow(account, null, now));
        await trx.insertInto('accounts').values(chunk).execute();
        await insertMemberships(
          trx,
          chunk.map((row, i) => ({ accountId: row.id, groups: accounts[i]?.groups ?? [] })),
        );
      }
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new NyckelError(
        'account_exists',
        'nothing was imported: an account with one of these usernames or e-mail addresses already exists',
      );
    }
    throw error;
  }
  return { created: valid.length };
}

function newRow(account: ValidNewAccount, passwordHash: string | null, now: number): AccountRow {
  return {
    id: randomId(),
    username: account.username,
    email: account.email ?? null,
    display_name: account.displayName,
    department: account.department ?? null,
    department_key: account.department === undefined ? null : foldForComparison(account.department),
    mobile: account.mobile ?? null,
    privileged: account.privileged ? 1 : 0,
    disabled: 0,
    password_hash: passwordHash,
    password_changed_at: passwordHash === null ? null : now,
    must_change: 0,
    failed_attempts: 0,
    locked_until: null,
    created_at: now,
  };
}

/**
 * Existing accounts whose username or e-mail collides with the new ones. Usernames and
 * e-mails share one namespace: either one signs in, so neither may name two accounts.
 */
async function findConflicts(trx: Transaction<Database>, accounts: ValidNewAccount[]): Promise<{ index: number; error: NyckelError }[]> {
  const owner = new Map<string, { index: number; field: 'username' | 'email' }>();
  accounts.forEach((account, index) => {
    owner.set(account.username, { index, field: 'username' });
    if (account.email !== undefined && !owner.has(account.email)) owner.set(account.email, { index, field: 'email' });
  });
  const values = [...owner.keys()];
  const taken = new Set<string>();
  for (let start = 0; start < values.length; start += IMPORT_CHUNK) {
    const chunk = values.slice(start, start + IMPORT_CHUNK);
    const rows = await trx
      .selectFrom('accounts')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', 'in', chunk), eb('email', 'in', chunk)]))
      .execute();
    for (const r of rows) {
      taken.add(r.username);
      if (r.email !== null) taken.add(r.email);
    }
  }
  const conflicts: { index: number; error: NyckelError }[] = [];
  for (const [value, { index, field }] of owner) {
    if (!taken.has(value)) continue;
    conflicts.push({
      index,
      error: new NyckelError('account_exists', `an account with the ${fieldLabel(field)} ${value} already exists`, { detail: { field } }),
    });
  }
  return conflicts.sort((a, b) => a.index - b.index);
}
