// Account rows of the embedded directory (table `accounts`): looking a row up by username,
// e-mail or id, turning it into a DirectoryAccount, updating flags, and the arithmetic of
// lockout and password expiry (counting failures, clearing a lock that has run out). Used by
// EmbeddedDirectory and its password and account-creation modules.

import { type Kysely, type Selectable, sql } from 'kysely';
import type { Config } from '../../config/schema.ts';
import type { Clock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import type { AccountsTable, Database } from '../../store/schema.ts';
import type { DirectoryAccount } from '../directory.ts';

export type EmbeddedDirectorySettings = Config['directory']['embedded'];
export type PasswordPolicySettings = Config['passwordPolicy'];

/** What the embedded directory's modules work with: the store's database, the settings and the clock. */
export interface EmbeddedContext {
  readonly db: Kysely<Database>;
  readonly settings: EmbeddedDirectorySettings;
  readonly policy: PasswordPolicySettings;
  readonly clock: Clock;
}

export type AccountRow = Selectable<AccountsTable>;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Longest identifier looked up (the accounts.username column is varchar(256)). */
export const MAX_IDENTIFIER = 256;
/** Longest account id (accounts.id is varchar(64)). */
const MAX_ID = 64;
/**
 * `locked_until` of a lock that lasts until unlocked (lock()): the latest instant a JavaScript
 * Date can hold (ECMA-262 time value range), so it is never "over" and no timed lockout has it.
 */
export const LOCKED_UNTIL_UNLOCKED = 8_640_000_000_000_000;

/** Trims, NFC-normalises and lower-cases a username or e-mail; null when it can't name an account. */
function normaliseIdentifier(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_IDENTIFIER * 4) return null;
  const value = raw.trim().normalize('NFC').toLowerCase();
  if (value === '' || [...value].length > MAX_IDENTIFIER) return null;
  // No stored username or e-mail has control characters, and PostgreSQL refuses NUL in text.
  if (/\p{Cc}/u.test(value)) return null;
  return value;
}

export function toAccount(row: AccountRow): DirectoryAccount {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    department: row.department,
    mobile: row.mobile,
  };
}

export function notFound(id: string): NyckelError {
  return new NyckelError('account_not_found', 'no account with this id in the embedded directory', { detail: { accountId: id } });
}

export async function rowByIdentifier(db: Kysely<Database>, identifier: string): Promise<AccountRow | null> {
  const value = normaliseIdentifier(identifier);
  if (value === null) return null;
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', value), eb('email', '=', value)]))
    .execute();
  // Creation keeps usernames and e-mails apart, but prefer the username if old data disagrees.
  return rows.find((r) => r.username === value) ?? rows[0] ?? null;
}

export async function rowById(db: Kysely<Database>, id: string): Promise<AccountRow | null> {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) return null;
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ?? null;
}

/** Sets flags or counters on one account; 'account_not_found' when there is no such id. */
export async function updateOrFail(
  db: Kysely<Database>,
  id: string,
  values: Partial<Pick<AccountRow, 'failed_attempts' | 'locked_until' | 'must_change' | 'privileged' | 'disabled'>>,
): Promise<void> {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) throw notFound(id);
  const result = await db.updateTable('accounts').set(values).where('id', '=', id).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound(id);
}

/** The end of a lock still in force at `now`, in ms; null when not locked. */
export function activeLockEnd(row: AccountRow, now: number): number | null {
  if (row.locked_until === null) return null;
  const until = Number(row.locked_until);
  return until > now ? until : null;
}

/** When the password runs out, in ms; null when passwords don't expire or the account has none. */
export function passwordExpiresAt(row: AccountRow, settings: EmbeddedDirectorySettings): number | null {
  if (settings.maxPasswordAgeDays === 0 || row.password_changed_at === null) return null;
  return Number(row.password_changed_at) + settings.maxPasswordAgeDays * DAY_MS;
}

export async function clearExpiredLock(db: Kysely<Database>, id: string, now: number): Promise<void> {
  // Only a lock that has run out; a concurrent fresh lock stays.
  await db
    .updateTable('accounts')
    .set({ failed_attempts: 0, locked_until: null })
    .where('id', '=', id)
    .where('locked_until', '<=', now)
    .execute();
}

/**
 * Counts a failed attempt and locks at the threshold, in one statement so that parallel
 * guesses can't slip past the counter (read-modify-write would lose increments).
 */
export async function countFailure(db: Kysely<Database>, settings: EmbeddedDirectorySettings, id: string, now: number): Promise<void> {
  const threshold = settings.lockoutThreshold;
  const lockEnd = now + settings.lockoutMinutes * MINUTE_MS;
  await db
    .updateTable('accounts')
    .set({
      failed_attempts: sql<number>`failed_attempts + 1`,
      // A lock until unlocked (lock()) is never shortened to a timed one by a failure counted at the same time.
      locked_until:
        threshold > 0
          ? sql<
              number | null
            >`case when locked_until = ${LOCKED_UNTIL_UNLOCKED} then locked_until when failed_attempts + 1 >= ${threshold} then ${lockEnd} else locked_until end`
          : sql<number | null>`locked_until`,
    })
    .where('id', '=', id)
    .execute();
}

/** After a right password: clears the failure count and a timed lock, never a lock until unlocked. */
export async function clearFailures(db: Kysely<Database>, row: AccountRow): Promise<void> {
  if (row.failed_attempts !== 0 || row.locked_until !== null) {
    // A lock() that landed after the password was checked stays: only unlock() or a reset lifts it.
    await db
      .updateTable('accounts')
      .set({ failed_attempts: 0, locked_until: null })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '!=', LOCKED_UNTIL_UNLOCKED)]))
      .execute();
  }
}
