// The embedded directory: accounts kept in the store's own database (tables `accounts` and
// `password_history`), passwords hashed with argon2id. Implements the Directory port for small
// set-ups and trials, plus a management API (create, import, delete, flags) for the CLI and
// the demo seeder. The same queries run on SQLite and PostgreSQL. The class holds the port;
// the work is in embedded-account-rows.ts (row look-ups, lockout and expiry arithmetic),
// embedded-passwords.ts (verifying, replacing, history) and embedded-account-creation.ts.

import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import { dummyVerify, prepareDummyHash } from '../../security/password-hashing.ts';
import type { Database } from '../../store/schema.ts';
import type { AccountPage, AccountState, AuthenticationResult, Directory, DirectoryAccount, ListAccountsOptions } from '../directory.ts';
import type { NewAccount } from './account-input.ts';
import { createAccount, importAccounts } from './embedded-account-creation.ts';
import {
  activeLockEnd,
  clearExpiredLock,
  clearFailures,
  countFailure,
  type EmbeddedContext,
  type EmbeddedDirectorySettings,
  LOCKED_UNTIL_UNLOCKED,
  MAX_IDENTIFIER,
  notFound,
  type PasswordPolicySettings,
  passwordExpiresAt,
  rowById,
  rowByIdentifier,
  toAccount,
  updateOrFail,
} from './embedded-account-rows.ts';
import { filterKey, groupNamesOf, selectAccountPage } from './embedded-groups.ts';
import { normalisePassword, rehashIfOutdated, replacePassword, verifyCurrent } from './embedded-passwords.ts';

export type { EmbeddedDirectorySettings, PasswordPolicySettings } from './embedded-account-rows.ts';

const MAX_PAGE_SIZE = 1000;

function encodeCursor(username: string): string {
  return Buffer.from(username, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const invalid = () => new NyckelError('invalid_input', 'the page cursor is not valid; start again from the first page');
  if (cursor.length === 0 || cursor.length > MAX_IDENTIFIER * 8 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const username = Buffer.from(cursor, 'base64url').toString('utf8');
  // A cursor we made round-trips exactly; anything else (tampered, truncated) is refused.
  if (encodeCursor(username) !== cursor) throw invalid();
  return username;
}

export class EmbeddedDirectory implements Directory {
  readonly kind = 'embedded' as const;
  readonly canLock = true;
  readonly #context: EmbeddedContext;

  constructor(db: Kysely<Database>, settings: EmbeddedDirectorySettings, policy: PasswordPolicySettings, clock: Clock) {
    this.#context = { db, settings, policy, clock };
    // Compute the dummy hash now, so the first unknown-account sign-in isn't slower than the rest.
    prepareDummyHash(settings.argon2).catch(() => {});
  }

  // ---- Directory port: reading ----

  async findAccount(identifier: string): Promise<DirectoryAccount | null> {
    const row = await rowByIdentifier(this.#context.db, identifier);
    return row === null ? null : toAccount(row);
  }

  async getAccount(id: string): Promise<DirectoryAccount | null> {
    const row = await rowById(this.#context.db, id);
    return row === null ? null : toAccount(row);
  }

  async readState(id: string): Promise<AccountState> {
    const row = await rowById(this.#context.db, id);
    if (row === null) throw notFound(id);
    const now = this.#context.clock.now().getTime();
    const lockedUntil = activeLockEnd(row, now);
    const changedAt = row.password_changed_at === null ? null : Number(row.password_changed_at);
    const expiresAt = passwordExpiresAt(row, this.#context.settings);
    return {
      isLocked: lockedUntil !== null,
      lockedUntil: lockedUntil === null || lockedUntil === LOCKED_UNTIL_UNLOCKED ? null : new Date(lockedUntil),
      isDisabled: row.disabled === 1,
      mustChange: row.must_change === 1,
      isExpired: expiresAt !== null && now >= expiresAt,
      passwordChangedAt: changedAt === null ? null : new Date(changedAt),
      passwordExpiresAt: expiresAt === null ? null : new Date(expiresAt),
      isPrivileged: row.privileged === 1,
    };
  }

  async listAccounts(options: ListAccountsOptions): Promise<AccountPage> {
    const { pageSize } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new NyckelError('invalid_input', `the page size must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    const after = options.cursor == null ? null : decodeCursor(options.cursor);
    // A group or department no account can have (empty, NUL, overlong) matches nothing: an empty page, not an error.
    const groupKey = filterKey(options.group);
    const departmentKey = filterKey(options.department);
    if (groupKey === null || departmentKey === null) return { accounts: [], nextCursor: null };
    // Keyset pagination on the unique username: stable while accounts are added or removed.
    const rows = await selectAccountPage(this.#context.db, { after, limit: pageSize + 1, groupKey, departmentKey });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      accounts: page.map(toAccount),
      nextCursor: rows.length > pageSize && last !== undefined ? encodeCursor(last.username) : null,
    };
  }

  async groupsOf(id: string): Promise<string[]> {
    if ((await rowById(this.#context.db, id)) === null) throw notFound(id);
    return await groupNamesOf(this.#context.db, id);
  }

  // ---- Directory port: signing in ----

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const { db, settings, clock } = this.#context;
    const row = await rowByIdentifier(db, identifier);
    if (row === null) {
      // Same cost as a real verify: an unknown account must not answer faster.
      await dummyVerify(settings.argon2);
      return { outcome: 'invalid', account: null };
    }
    const account = toAccount(row);
    const now = clock.now().getTime();

    if (activeLockEnd(row, now) !== null) {
      // Locked: the password is not checked (no guessing while locked), but the time is spent.
      await dummyVerify(settings.argon2);
      return { outcome: 'locked', account };
    }
    if (row.locked_until !== null) await clearExpiredLock(db, row.id, now);

    const candidate = normalisePassword(password);
    const isRight = await verifyCurrent(this.#context, row, candidate);

    if (row.disabled === 1) {
      // Like Active Directory, say "disabled" only to someone who knows the password; the
      // verify above ran either way, so timing doesn't tell disabled from wrong.
      return { outcome: isRight ? 'disabled' : 'invalid', account: isRight ? account : null };
    }
    if (!isRight) {
      await countFailure(db, settings, row.id, now);
      // The attempt that reaches the threshold still answers 'invalid'; the next one answers 'locked'.
      return { outcome: 'invalid', account: null };
    }

    await clearFailures(db, row);
    await rehashIfOutdated(this.#context, row, candidate);
    if (row.must_change === 1) return { outcome: 'must_change', account };
    const expiresAt = passwordExpiresAt(row, settings);
    if (expiresAt !== null && now >= expiresAt) return { outcome: 'expired', account };
    return { outcome: 'ok', account };
  }

  // ---- Directory port: writing ----

  async setPassword(id: string, newPassword: string, options: { mustChange?: boolean } = {}): Promise<void> {
    await replacePassword(this.#context, id, newPassword, { mustChange: options.mustChange === true, oldPassword: null });
  }

  async changePassword(id: string, oldPassword: string, newPassword: string): Promise<void> {
    await replacePassword(this.#context, id, newPassword, { mustChange: false, oldPassword });
  }

  async unlock(id: string): Promise<void> {
    await updateOrFail(this.#context.db, id, { failed_attempts: 0, locked_until: null });
  }

  async requireChange(id: string): Promise<void> {
    await updateOrFail(this.#context.db, id, { must_change: 1 });
  }

  async lock(id: string): Promise<void> {
    // Stored like a lockout after failed attempts, so unlock() and a reset lift it the same way.
    await updateOrFail(this.#context.db, id, { locked_until: LOCKED_UNTIL_UNLOCKED });
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.#context.db);
    } catch (error) {
      throw new NyckelError('directory_unavailable', `the embedded directory's database can't be reached: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    // Nothing to do: the store owns the database connection and closes it.
  }

  // ---- Management (embedded only: CLI and demo seeder) ----

  /** Creates one account, optionally with a password (length rules apply). Throws 'invalid_input' or 'account_exists'. */
  async createAccount(input: NewAccount, password?: string): Promise<DirectoryAccount> {
    return await createAccount(this.#context, input, password);
  }

  /**
   * Creates many accounts without passwords (they can't sign in until one is set), in one
   * transaction: either every row is created or none is. Throws 'invalid_input' listing every
   * problem by row, or 'account_exists' naming the row and field.
   */
  async importAccounts(rows: NewAccount[]): Promise<{ created: number }> {
    return await importAccounts(this.#context, rows);
  }

  async deleteAccount(id: string): Promise<void> {
    const deleted = await this.#context.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('password_history').where('account_id', '=', id).execute();
      await trx.deleteFrom('account_groups').where('account_id', '=', id).execute();
      const result = await trx.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    if (deleted === 0) throw notFound(id);
  }

  async setPrivileged(id: string, isPrivileged: boolean): Promise<void> {
    await updateOrFail(this.#context.db, id, { privileged: isPrivileged ? 1 : 0 });
  }

  async setDisabled(id: string, isDisabled: boolean): Promise<void> {
    await updateOrFail(this.#context.db, id, { disabled: isDisabled ? 1 : 0 });
  }

  async countAccounts(): Promise<number> {
    const row = await this.#context.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
