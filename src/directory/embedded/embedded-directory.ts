// The embedded directory: accounts kept in the store's own database (tables `accounts` and
// `password_history`), passwords hashed with argon2id. Implements the Directory port for small
// set-ups and trials, plus a management API (create, import, delete, flags) for the CLI and
// the demo seeder. The same queries run on SQLite and PostgreSQL.

import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Config } from '../../config/schema.ts';
import type { Clock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import { dummyVerify, hashPassword, needsRehash, prepareDummyHash, verifyPassword } from '../../security/password-hashing.ts';
import { randomId } from '../../security/tokens.ts';
import type { AccountsTable, Database } from '../../store/schema.ts';
import type {
  AccountPage,
  AccountState,
  AuthenticationResult,
  Directory,
  DirectoryAccount,
  ListAccountsOptions,
  PasswordRejection,
} from '../directory.ts';
import { type NewAccount, parseNewAccount, type ValidNewAccount } from './account-input.ts';
import { filterKey, foldForComparison, groupNamesOf, insertMemberships, selectAccountPage } from './embedded-groups.ts';

export type EmbeddedDirectorySettings = Config['directory']['embedded'];
export type PasswordPolicySettings = Config['passwordPolicy'];

type AccountRow = Selectable<AccountsTable>;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Longest identifier looked up (the accounts.username column is varchar(256)). */
const MAX_IDENTIFIER = 256;
/** Longest account id (accounts.id is varchar(64)). */
const MAX_ID = 64;
const MAX_PAGE_SIZE = 1000;
/** Rows per statement in a bulk import: well under SQLite's and PostgreSQL's bound-parameter limits. */
const IMPORT_CHUNK = 500;
/**
 * `locked_until` of a lock that lasts until unlocked (lock()): the latest instant a JavaScript
 * Date can hold (ECMA-262 time value range), so it is never "over" and no timed lockout has it.
 */
const LOCKED_UNTIL_UNLOCKED = 8_640_000_000_000_000;

/** Trims, NFC-normalises and lower-cases a username or e-mail; null when it can't name an account. */
function normaliseIdentifier(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_IDENTIFIER * 4) return null;
  const value = raw.trim().normalize('NFC').toLowerCase();
  if (value === '' || [...value].length > MAX_IDENTIFIER) return null;
  // No stored username or e-mail has control characters, and PostgreSQL refuses NUL in text.
  if (/\p{Cc}/u.test(value)) return null;
  return value;
}

/**
 * Passwords are compared after NFC normalisation, so the same password typed on two systems
 * that compose characters differently (å as one code point or a + ring) matches (NIST SP
 * 800-63B §5.1.1.2: normalise before hashing).
 */
function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

function toAccount(row: AccountRow): DirectoryAccount {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    department: row.department,
    mobile: row.mobile,
  };
}

function notFound(id: string): NyckelError {
  return new NyckelError('account_not_found', 'no account with this id in the embedded directory', { detail: { accountId: id } });
}

function rejectionMessage(rejection: PasswordRejection): string {
  switch (rejection.rule) {
    case 'too_short':
      return `the password must be at least ${rejection.minLength} characters`;
    case 'too_long':
      return `the password can be at most ${rejection.maxLength} characters`;
    case 'same_as_current':
      return 'the new password is the same as the current one';
    case 'in_history':
      return `the password was used before (the last ${rejection.historySize} passwords can't be reused)`;
    case 'directory_policy':
      return rejection.reason;
  }
}

function policyViolation(rejection: PasswordRejection): NyckelError {
  return new NyckelError('policy_violation', rejectionMessage(rejection), { detail: { rejection } });
}

function isUniqueViolation(error: unknown): boolean {
  // SQLite: "UNIQUE constraint failed: accounts.username"; PostgreSQL: SQLSTATE 23505.
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message));
}

function fieldLabel(field: 'username' | 'email'): string {
  return field === 'username' ? 'username' : 'e-mail address';
}

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
  readonly #db: Kysely<Database>;
  readonly #settings: EmbeddedDirectorySettings;
  readonly #policy: PasswordPolicySettings;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, settings: EmbeddedDirectorySettings, policy: PasswordPolicySettings, clock: Clock) {
    this.#db = db;
    this.#settings = settings;
    this.#policy = policy;
    this.#clock = clock;
    // Compute the dummy hash now, so the first unknown-account sign-in isn't slower than the rest.
    prepareDummyHash(settings.argon2).catch(() => {});
  }

  // ---- Directory port: reading ----

  async findAccount(identifier: string): Promise<DirectoryAccount | null> {
    const row = await this.#rowByIdentifier(identifier);
    return row === null ? null : toAccount(row);
  }

  async getAccount(id: string): Promise<DirectoryAccount | null> {
    const row = await this.#rowById(id);
    return row === null ? null : toAccount(row);
  }

  async readState(id: string): Promise<AccountState> {
    const row = await this.#rowById(id);
    if (row === null) throw notFound(id);
    const now = this.#clock.now().getTime();
    const lockedUntil = this.#activeLockEnd(row, now);
    const changedAt = row.password_changed_at === null ? null : Number(row.password_changed_at);
    const expiresAt = this.#expiresAt(row);
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
    const rows = await selectAccountPage(this.#db, { after, limit: pageSize + 1, groupKey, departmentKey });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      accounts: page.map(toAccount),
      nextCursor: rows.length > pageSize && last !== undefined ? encodeCursor(last.username) : null,
    };
  }

  async groupsOf(id: string): Promise<string[]> {
    if ((await this.#rowById(id)) === null) throw notFound(id);
    return await groupNamesOf(this.#db, id);
  }

  // ---- Directory port: signing in ----

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const row = await this.#rowByIdentifier(identifier);
    if (row === null) {
      // Same cost as a real verify: an unknown account must not answer faster.
      await dummyVerify(this.#settings.argon2);
      return { outcome: 'invalid', account: null };
    }
    const account = toAccount(row);
    const now = this.#clock.now().getTime();

    if (this.#activeLockEnd(row, now) !== null) {
      // Locked: the password is not checked (no guessing while locked), but the time is spent.
      await dummyVerify(this.#settings.argon2);
      return { outcome: 'locked', account };
    }
    if (row.locked_until !== null) await this.#clearExpiredLock(row.id, now);

    const candidate = normalisePassword(password);
    const isRight = await this.#verifyCurrent(row, candidate);

    if (row.disabled === 1) {
      // Like Active Directory, say "disabled" only to someone who knows the password; the
      // verify above ran either way, so timing doesn't tell disabled from wrong.
      return { outcome: isRight ? 'disabled' : 'invalid', account: isRight ? account : null };
    }
    if (!isRight) {
      await this.#countFailure(row.id, now);
      // The attempt that reaches the threshold still answers 'invalid'; the next one answers 'locked'.
      return { outcome: 'invalid', account: null };
    }

    await this.#afterSuccess(row, candidate);
    if (row.must_change === 1) return { outcome: 'must_change', account };
    const expiresAt = this.#expiresAt(row);
    if (expiresAt !== null && now >= expiresAt) return { outcome: 'expired', account };
    return { outcome: 'ok', account };
  }

  // ---- Directory port: writing ----

  async setPassword(id: string, newPassword: string, options: { mustChange?: boolean } = {}): Promise<void> {
    await this.#replacePassword(id, newPassword, { mustChange: options.mustChange === true, oldPassword: null });
  }

  async changePassword(id: string, oldPassword: string, newPassword: string): Promise<void> {
    await this.#replacePassword(id, newPassword, { mustChange: false, oldPassword });
  }

  async unlock(id: string): Promise<void> {
    await this.#updateOrFail(id, { failed_attempts: 0, locked_until: null });
  }

  async requireChange(id: string): Promise<void> {
    await this.#updateOrFail(id, { must_change: 1 });
  }

  async lock(id: string): Promise<void> {
    // Stored like a lockout after failed attempts, so unlock() and a reset lift it the same way.
    await this.#updateOrFail(id, { locked_until: LOCKED_UNTIL_UNLOCKED });
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.#db);
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
    const parsed = parseNewAccount(input);
    if (!parsed.ok) {
      throw new NyckelError('invalid_input', parsed.problems.map((p) => `${p.field}: ${p.message}`).join(' '), {
        detail: { problems: parsed.problems },
      });
    }
    let passwordHash: string | null = null;
    if (password !== undefined) {
      const candidate = normalisePassword(password);
      const rejection = this.#lengthRejection(candidate);
      if (rejection !== null) throw policyViolation(rejection);
      passwordHash = await hashPassword(candidate, this.#settings.argon2);
    }
    const now = this.#clock.now().getTime();
    const row = this.#newRow(parsed.value, passwordHash, now);
    try {
      await this.#db.transaction().execute(async (trx) => {
        const conflicts = await this.#findConflicts(trx, [parsed.value]);
        const first = conflicts[0];
        if (first !== undefined) throw first.error;
        await trx.insertInto('accounts').values(row).execute();
        await insertMemberships(trx, [{ accountId: row.id, groups: parsed.value.groups ?? [] }]);
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new NyckelError('account_exists', 'an account with this username or e-mail address already exists');
      throw error;
    }
    return toAccount(row);
  }

  /**
   * Creates many accounts without passwords (they can't sign in until one is set), in one
   * transaction: either every row is created or none is. Throws 'invalid_input' listing every
   * problem by row, or 'account_exists' naming the row and field.
   */
  async importAccounts(rows: NewAccount[]): Promise<{ created: number }> {
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
    const now = this.#clock.now().getTime();
    try {
      await this.#db.transaction().execute(async (trx) => {
        const conflicts = await this.#findConflicts(trx, valid);
        const first = conflicts[0];
        if (first !== undefined) {
          throw new NyckelError('account_exists', `nothing was imported: row ${first.index + 1}: ${first.error.message}`, {
            detail: { ...first.error.detail, row: first.index + 1 },
          });
        }
        for (let start = 0; start < valid.length; start += IMPORT_CHUNK) {
          const accounts = valid.slice(start, start + IMPORT_CHUNK);
          const chunk = accounts.map((account) => this.#newRow(account, null, now));
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

  async deleteAccount(id: string): Promise<void> {
    const deleted = await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('password_history').where('account_id', '=', id).execute();
      await trx.deleteFrom('account_groups').where('account_id', '=', id).execute();
      const result = await trx.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    if (deleted === 0) throw notFound(id);
  }

  async setPrivileged(id: string, isPrivileged: boolean): Promise<void> {
    await this.#updateOrFail(id, { privileged: isPrivileged ? 1 : 0 });
  }

  async setDisabled(id: string, isDisabled: boolean): Promise<void> {
    await this.#updateOrFail(id, { disabled: isDisabled ? 1 : 0 });
  }

  async countAccounts(): Promise<number> {
    const row = await this.#db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  // ---- internals ----

  async #rowByIdentifier(identifier: string): Promise<AccountRow | null> {
    const value = normaliseIdentifier(identifier);
    if (value === null) return null;
    const rows = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .where((eb) => eb.or([eb('username', '=', value), eb('email', '=', value)]))
      .execute();
    // Creation keeps usernames and e-mails apart, but prefer the username if old data disagrees.
    return rows.find((r) => r.username === value) ?? rows[0] ?? null;
  }

  async #rowById(id: string): Promise<AccountRow | null> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) return null;
    const row = await this.#db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /** The end of a lock still in force at `now`, in ms; null when not locked. */
  #activeLockEnd(row: AccountRow, now: number): number | null {
    if (row.locked_until === null) return null;
    const until = Number(row.locked_until);
    return until > now ? until : null;
  }

  #expiresAt(row: AccountRow): number | null {
    if (this.#settings.maxPasswordAgeDays === 0 || row.password_changed_at === null) return null;
    return Number(row.password_changed_at) + this.#settings.maxPasswordAgeDays * DAY_MS;
  }

  async #clearExpiredLock(id: string, now: number): Promise<void> {
    // Only a lock that has run out; a concurrent fresh lock stays.
    await this.#db
      .updateTable('accounts')
      .set({ failed_attempts: 0, locked_until: null })
      .where('id', '=', id)
      .where('locked_until', '<=', now)
      .execute();
  }

  /** Verifies against the current hash; an account without a password spends the same time and fails. */
  async #verifyCurrent(row: AccountRow, candidate: string): Promise<boolean> {
    if (row.password_hash === null) {
      await dummyVerify(this.#settings.argon2);
      return false;
    }
    return verifyPassword(row.password_hash, candidate);
  }

  /**
   * Counts a failed attempt and locks at the threshold, in one statement so that parallel
   * guesses can't slip past the counter (read-modify-write would lose increments).
   */
  async #countFailure(id: string, now: number): Promise<void> {
    const threshold = this.#settings.lockoutThreshold;
    const lockEnd = now + this.#settings.lockoutMinutes * MINUTE_MS;
    await this.#db
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

  async #afterSuccess(row: AccountRow, candidate: string): Promise<void> {
    if (row.failed_attempts !== 0 || row.locked_until !== null) {
      // A lock() that landed after the password was checked stays: only unlock() or a reset lifts it.
      await this.#db
        .updateTable('accounts')
        .set({ failed_attempts: 0, locked_until: null })
        .where('id', '=', row.id)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '!=', LOCKED_UNTIL_UNLOCKED)]))
        .execute();
    }
    // Upgrade a hash made with older cost parameters while the password is at hand (OWASP:
    // rehash on next sign-in). Only if nobody changed the password meanwhile.
    if (row.password_hash !== null && needsRehash(row.password_hash, this.#settings.argon2)) {
      const upgraded = await hashPassword(candidate, this.#settings.argon2);
      await this.#db
        .updateTable('accounts')
        .set({ password_hash: upgraded })
        .where('id', '=', row.id)
        .where('password_hash', '=', row.password_hash)
        .execute();
    }
  }

  #lengthRejection(candidate: string): PasswordRejection | null {
    // Counted in code points, so every character counts as one whatever its encoding (NIST SP 800-63B §5.1.1.2).
    const length = [...candidate].length;
    if (length < this.#policy.minLength) return { rule: 'too_short', minLength: this.#policy.minLength };
    if (length > this.#policy.maxLength) return { rule: 'too_long', maxLength: this.#policy.maxLength };
    return null;
  }

  async #historyRejection(id: string, candidate: string): Promise<PasswordRejection | null> {
    const historySize = this.#settings.historySize;
    if (historySize === 0) return null;
    const earlier = await this.#db
      .selectFrom('password_history')
      .select('password_hash')
      .where('account_id', '=', id)
      .orderBy('id', 'desc')
      .limit(historySize)
      .execute();
    for (const { password_hash } of earlier) {
      if (await verifyPassword(password_hash, candidate)) return { rule: 'in_history', historySize };
    }
    return null;
  }

  /**
   * Checks and writes a new password. With `oldPassword` it is the user's own change (the old
   * password must be right, and a wrong one counts toward lockout); without, a service reset.
   * The argon2 work happens outside the transaction (it would hold SQLite's write lock); the
   * write then only succeeds if the hash it checked against is still current, else it retries.
   */
  async #replacePassword(id: string, newPassword: string, options: { mustChange: boolean; oldPassword: string | null }): Promise<void> {
    const candidate = normalisePassword(newPassword);
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await this.#rowById(id);
      if (row === null) throw notFound(id);
      const now = this.#clock.now().getTime();

      if (options.oldPassword !== null) {
        if (this.#activeLockEnd(row, now) !== null) {
          throw new NyckelError('account_locked', 'the account is locked; the password can be changed after it is unlocked');
        }
        if (row.disabled === 1) throw new NyckelError('account_disabled', 'the account is disabled');
        if (row.locked_until !== null) await this.#clearExpiredLock(row.id, now);
        const old = normalisePassword(options.oldPassword);
        if (!(await this.#verifyCurrent(row, old))) {
          await this.#countFailure(row.id, now);
          throw new NyckelError('invalid_credentials', 'the current password is not right');
        }
        const lengthRejection = this.#lengthRejection(candidate);
        if (lengthRejection !== null) throw policyViolation(lengthRejection);
        if (old === candidate) throw policyViolation({ rule: 'same_as_current' });
      } else {
        const lengthRejection = this.#lengthRejection(candidate);
        if (lengthRejection !== null) throw policyViolation(lengthRejection);
        if (row.password_hash !== null && (await verifyPassword(row.password_hash, candidate))) {
          throw policyViolation({ rule: 'same_as_current' });
        }
      }
      const historyRejection = await this.#historyRejection(row.id, candidate);
      if (historyRejection !== null) throw policyViolation(historyRejection);

      const newHash = await hashPassword(candidate, this.#settings.argon2);
      const written = await this.#db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('accounts')
          .set({
            password_hash: newHash,
            password_changed_at: now,
            must_change: options.mustChange ? 1 : 0,
            failed_attempts: 0,
            locked_until: null,
          })
          .where('id', '=', row.id)
          .where('password_hash', row.password_hash === null ? 'is' : '=', row.password_hash)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await this.#pushHistory(trx, row, now);
        return true;
      });
      if (written) return;
    }
    throw new NyckelError('internal', 'the password was changed by someone else at the same time; try again');
  }

  /** Keeps the replaced hash and trims the history to the newest `historySize` entries. */
  async #pushHistory(trx: Transaction<Database>, row: AccountRow, now: number): Promise<void> {
    const historySize = this.#settings.historySize;
    if (row.password_hash !== null && historySize > 0) {
      await trx.insertInto('password_history').values({ account_id: row.id, password_hash: row.password_hash, created_at: now }).execute();
    }
    await trx
      .deleteFrom('password_history')
      .where('account_id', '=', row.id)
      .where(
        'id',
        'not in',
        trx.selectFrom('password_history').select('id').where('account_id', '=', row.id).orderBy('id', 'desc').limit(historySize),
      )
      .execute();
  }

  async #updateOrFail(
    id: string,
    values: Partial<Pick<AccountRow, 'failed_attempts' | 'locked_until' | 'must_change' | 'privileged' | 'disabled'>>,
  ) {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) throw notFound(id);
    const result = await this.#db.updateTable('accounts').set(values).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(id);
  }

  #newRow(account: ValidNewAccount, passwordHash: string | null, now: number): AccountRow {
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
  async #findConflicts(trx: Transaction<Database>, accounts: ValidNewAccount[]): Promise<{ index: number; error: NyckelError }[]> {
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
}
