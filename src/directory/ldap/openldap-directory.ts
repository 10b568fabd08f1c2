// The Directory port on OpenLDAP with the ppolicy overlay (ldapts). Accounts are found by an
// escaped search and identified by the DN the search returned (never a DN built from input);
// passwords are checked by binding as the user on a fresh connection; passwords are set with the
// Password Modify extended operation so slapd applies its own policy (history, quality, lockout).
// Lock, expiry and must-change are read from ppolicy's operational attributes and the policy entry.

import { type Change, type Entry, PasswordPolicyControl } from 'ldapts';
import { type Clock, systemClock } from '../../domain/clock.ts';
import { isNyckelError, NyckelError } from '../../domain/errors.ts';
import type {
  AccountPage,
  AccountState,
  AuthenticationResult,
  Directory,
  DirectoryAccount,
  ListAccountsOptions,
  PasswordRejection,
} from '../directory.ts';
import { normaliseSwedishMobile } from '../embedded/account-input.ts';
import { AccountWriteLock } from './account-write-lock.ts';
import type { LdapSettings } from './ldap-config.ts';
import { type LdapConnection, LdapConnectionPool, type LdapPoolOptions } from './ldap-connection.ts';
import { firstValue, parseGeneralizedTime, remove, replace } from './ldap-entry.ts';
import { ldapResultCode, passwordRejectionOf, policyViolation, toDirectoryError } from './ldap-errors.ts';
import { andFilter, configuredFilter, equalityFilter, identifierFilter, normaliseIdentifier, orFilter } from './ldap-filter.ts';
import { departmentFilterValue, dnKey, groupDnFilterValue, groupSearchBase, groupsHolding, memberKeys } from './ldap-groups.ts';
import { DnListings, decodeCursor, encodeCursor, firstAfter, listingError } from './ldap-listing.ts';
import { PASSWORD_MODIFY_OID, passwordModifyRequestValue } from './password-modify.ts';
import { ADMINISTRATIVE_LOCK, enforcesLocks, NYCKEL_LOCK, PasswordPolicies, type PasswordPolicy } from './ppolicy.ts';

/** Longest password sent to the server (protects it from huge binds; NIST allows at least 64). */
const DEFAULT_MAX_PASSWORD_LENGTH = 1024;
const MAX_ID_LENGTH = 2048;

const STATE_ATTRIBUTES = ['pwdAccountLockedTime', 'pwdChangedTime', 'pwdReset', 'pwdPolicySubentry'];
/** The group classes whose members Nyckel follows (DNs in member / uniqueMember). */

interface AccountEntry {
  dn: string;
  account: DirectoryAccount;
  entry: Entry;
}

export interface OpenLdapDirectoryOptions extends LdapPoolOptions {
  clock?: Clock;
  /** Longest password accepted (Nyckel's passwordPolicy.maxLength). */
  maxPasswordLength?: number;
}

export class OpenLdapDirectory implements Directory {
  readonly kind = 'ldap' as const;
  readonly canLock = true;
  readonly #settings: LdapSettings;
  readonly #pool: LdapConnectionPool;
  readonly #writes = new AccountWriteLock();
  readonly #clock: Clock;
  readonly #maxPasswordLength: number;
  readonly #userFilter: string | null;
  readonly #disabledFilter: string | null;
  readonly #baseDnKey: string;
  readonly #policies: PasswordPolicies;
  readonly #logger: LdapPoolOptions['logger'];
  #groupBase: Promise<string> | null = null;
  /** The sorted DN lists of walks under way (see listAccounts), by filter and group. */
  readonly #listings: DnListings;

  constructor(settings: LdapSettings, options: OpenLdapDirectoryOptions = {}) {
    this.#settings = settings;
    this.#clock = options.clock ?? systemClock;
    this.#listings = new DnListings(this.#clock);
    this.#maxPasswordLength = options.maxPasswordLength ?? DEFAULT_MAX_PASSWORD_LENGTH;
    this.#logger = options.logger;
    try {
      this.#userFilter = settings.userFilter === null ? null : configuredFilter(settings.userFilter);
      this.#disabledFilter = settings.disabledFilter === null ? null : configuredFilter(settings.disabledFilter);
    } catch (error) {
      throw new NyckelError('config_invalid', (error as Error).message, { cause: error });
    }
    this.#baseDnKey = dnKey(settings.baseDn);
    this.#pool = new LdapConnectionPool(settings, options);
    this.#policies = new PasswordPolicies(this.#pool, settings.ppolicyDn);
  }

  async findAccount(identifier: string): Promise<DirectoryAccount | null> {
    return (await this.#findEntry(identifier))?.account ?? null;
  }

  async getAccount(id: string): Promise<DirectoryAccount | null> {
    return (await this.#getEntry(id))?.account ?? null;
  }

  async readState(id: string): Promise<AccountState> {
    const found = await this.#requireEntry(id);
    return await this.#stateOf(found);
  }

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const found = await this.#findEntry(identifier);
    // An empty password would be an unauthenticated bind that "succeeds" (RFC 4513 5.1.2): never send one.
    if (found === null || password === '' || password.length > this.#maxPasswordLength) {
      // The same round trips as a wrong password for a real account: a bind, then a read.
      await this.#spendBind();
      await this.#getEntry(this.#noSuchAccountDn());
      return { outcome: 'invalid', account: null };
    }
    const control = new PasswordPolicyControl();
    let connection: LdapConnection | null = null;
    try {
      connection = await this.#pool.openAs('authenticate', found.dn, password, [control]);
    } catch (error) {
      if (ldapResultCode(error) !== 49) throw toDirectoryError('authenticate', error);
      // 49 answers a wrong password, a locked account and an expired password alike; the
      // password policy control and the entry's state tell them apart.
      const policyError = control.value?.error;
      const isLocked = await this.#isLockedNow(await this.#requireEntry(found.dn));
      if (policyError === 1 || isLocked) return { outcome: 'locked', account: found.account };
      if (policyError === 0) return { outcome: 'expired', account: found.account };
      return { outcome: 'invalid', account: null };
    } finally {
      if (connection !== null) await this.#pool.discard(connection);
    }
    // The password was right.
    const current = await this.#requireEntry(found.dn);
    const state = await this.#stateOf(current);
    if (state.isDisabled) return { outcome: 'disabled', account: found.account };
    // ppolicy treats a lock stamp later than its own clock as "not yet in effect", and slapd's
    // clock can lag the stamp it just wrote by up to a second: a right password in that second is
    // let through. The entry carries the lock, so the answer is locked (no extra guesses).
    // (The policy is the one #stateOf has just read, from the cache.)
    if (state.isLocked && enforcesLocks(await this.#policies.of(current.entry))) return { outcome: 'locked', account: found.account };
    if (state.mustChange || control.value?.error === 2) return { outcome: 'must_change', account: found.account };
    if (state.isExpired) return { outcome: 'expired', account: found.account };
    return { outcome: 'ok', account: found.account };
  }

  async setPassword(id: string, newPassword: string, options: { mustChange?: boolean } = {}): Promise<void> {
    this.#checkLength(newPassword);
    const found = await this.#requireEntry(id);
    await this.#writes.run(found.dn, async () => {
      const policy = await this.#policies.of(found.entry);
      await this.#pool
        .withService(
          'set password',
          async (connection) => {
            this.#pool.assertMaySendPassword(connection, 'set password');
            const control = new PasswordPolicyControl();
            try {
              const value = passwordModifyRequestValue({ userIdentity: found.dn, newPassword });
              await connection.client.exop(PASSWORD_MODIFY_OID, value, [control]);
            } catch (error) {
              throw this.#passwordError('set password', error, control, policy);
            }
            // ppolicy marks an administrator's change as must-change (pwdMustChange); make it what was asked,
            // and open a timed or failure lock (a reset unlocks). An administrative lock stays.
            const after = await this.#requireEntry(found.dn, connection);
            const changes: Change[] = [];
            const isReset = firstValue(after.entry, 'pwdReset')?.toUpperCase() === 'TRUE';
            if (options.mustChange && !isReset) changes.push(replace('pwdReset', ['TRUE']));
            if (!options.mustChange && isReset) changes.push(remove('pwdReset'));
            const lockedTime = firstValue(after.entry, 'pwdAccountLockedTime');
            if (lockedTime !== null && lockedTime !== ADMINISTRATIVE_LOCK) changes.push(remove('pwdAccountLockedTime'));
            if (changes.length > 0) await connection.client.modify(found.dn, changes);
          },
          { isWrite: true },
        )
        .catch((error: unknown) => {
          throw toDirectoryError('set password', error);
        });
    });
  }

  async changePassword(id: string, oldPassword: string, newPassword: string): Promise<void> {
    this.#checkLength(newPassword);
    const found = await this.#requireEntry(id);
    if (oldPassword === '' || oldPassword.length > this.#maxPasswordLength) {
      throw new NyckelError('invalid_credentials', 'the current password is wrong');
    }
    if (oldPassword === newPassword) throw policyViolation({ rule: 'same_as_current' }, new Error('new password equals the current one'));
    await this.#writes.run(found.dn, async () => {
      const policy = await this.#policies.of(found.entry);
      const bindControl = new PasswordPolicyControl();
      let connection: LdapConnection | null = null;
      try {
        try {
          connection = await this.#pool.openAs('change password', found.dn, oldPassword, [bindControl]);
        } catch (error) {
          if (ldapResultCode(error) !== 49) throw toDirectoryError('change password', error);
          // A locked account is locked whatever was typed; an expired password may still be changed by
          // the user only if the server allows binds in grace, which ppolicy with pwdGraceAuthNLimit 0 doesn't.
          if (bindControl.value?.error === 1) throw new NyckelError('account_locked', 'the account is locked', { cause: error });
          if (bindControl.value?.error === 0)
            throw new NyckelError('password_expired', 'the password has expired; it must be reset', { cause: error });
          throw new NyckelError('invalid_credentials', 'the current password is wrong', { cause: error });
        }
        const control = new PasswordPolicyControl();
        try {
          // As the user, with the old password: slapd checks it again and applies the user's policy.
          await connection.client.exop(PASSWORD_MODIFY_OID, passwordModifyRequestValue({ oldPassword, newPassword }), [control]);
        } catch (error) {
          throw this.#passwordError('change password', error, control, policy);
        }
      } finally {
        if (connection !== null) await this.#pool.discard(connection);
      }
    });
  }

  async unlock(id: string): Promise<void> {
    const found = await this.#requireEntry(id);
    await this.#writes.run(found.dn, async () => {
      await this.#pool
        .withService(
          'unlock',
          async (connection) => {
            const current = await this.#requireEntry(found.dn, connection);
            const lockedTime = firstValue(current.entry, 'pwdAccountLockedTime');
            // Nyckel never lifts a lock an administrator put on in the directory (it means "disabled").
            if (lockedTime === ADMINISTRATIVE_LOCK) throw new NyckelError('account_disabled', 'the account is locked by an administrator');
            if (lockedTime !== null) await connection.client.modify(found.dn, [remove('pwdAccountLockedTime')]);
          },
          { isWrite: true },
        )
        .catch((error: unknown) => {
          throw toDirectoryError('unlock', error);
        });
    });
  }

  async lock(id: string): Promise<void> {
    const found = await this.#requireEntry(id);
    const policy = await this.#policies.of(found.entry);
    if (!policy.lockout) {
      throw new NyckelError(
        'config_invalid',
        "the account's password policy (its pwdPolicySubentry, else directory.ldap.ppolicyDn) lacks pwdLockout: TRUE, so slapd would ignore a lock",
        { detail: { operation: 'lock' } },
      );
    }
    await this.#writes.run(found.dn, async () => {
      await this.#pool
        .withService(
          'lock',
          async (connection) => {
            const current = await this.#requireEntry(found.dn, connection);
            // An administrator's lock is stronger (Nyckel never lifts it): it stays as it is.
            if (firstValue(current.entry, 'pwdAccountLockedTime') === ADMINISTRATIVE_LOCK) return;
            await connection.client.modify(found.dn, [replace('pwdAccountLockedTime', [NYCKEL_LOCK])]);
          },
          { isWrite: true },
        )
        .catch((error: unknown) => {
          throw toDirectoryError('lock', error);
        });
    });
  }

  async requireChange(id: string): Promise<void> {
    const found = await this.#requireEntry(id);
    await this.#writes.run(found.dn, async () => {
      await this.#pool
        .withService('require change', (connection) => connection.client.modify(found.dn, [replace('pwdReset', ['TRUE'])]), {
          isWrite: true,
        })
        .catch((error: unknown) => {
          throw toDirectoryError('require change', error);
        });
    });
  }

  /**
   * Pages in DN order. A walk starts (no cursor) with one search for the DN of every matching
   * entry (no attributes; the paged-results control carries it across server pages within the
   * call, as its cookie belongs to one connection), kept for the walk's later pages, so a walk
   * reads each DN once; each page then reads only its own entries, by `entryDN`. The opaque cursor
   * is the last DN returned, so a page can be asked for on any connection or instance (one without
   * the walk's list makes it again). slapd has no ordering rule for uid and sorts only with the
   * sssvlv overlay, hence the list. An entry added during a walk is in the next walk.
   */
  async listAccounts(options: ListAccountsOptions): Promise<AccountPage> {
    const { pageSize } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new NyckelError('invalid_input', 'pageSize must be an integer from 1 to 1000');
    }
    const after = options.cursor == null ? null : decodeCursor(options.cursor);
    // A group or department no entry can have (`*`, `)(uid=*`, NUL, overlong) matches nothing: an empty page.
    const group = options.group === undefined ? undefined : groupDnFilterValue(options.group);
    const department = options.department === undefined ? undefined : departmentFilterValue(options.department);
    if (group === null || department === null) return { accounts: [], nextCursor: null };
    const filters = [this.#userFilter ?? '(objectClass=*)'];
    // Escaped (RFC 4515); departmentNumber and ou compare case-insensitively (caseIgnoreMatch).
    if (department !== undefined) filters.push(equalityFilter(this.#settings.attributes.department, department));
    const filter = andFilter(filters);
    const entries = await this.#pool
      .withService('list accounts', async (connection) => {
        const listing = await this.#listings.get(JSON.stringify([filter, group ?? null]), after === null, async () => {
          const listed = await connection.client.search(this.#settings.baseDn, {
            scope: 'sub',
            filter,
            attributes: ['1.1'],
            paged: { pageSize: 500 },
          });
          const dns = listed.searchEntries.map((entry) => entry.dn);
          // Accounts are members, never groups to follow: one read per nested group, not per member.
          const members = group === undefined ? null : await memberKeys(connection.client, group, new Set(dns.map(dnKey)));
          return members === null ? dns : dns.filter((dn) => members.has(dnKey(dn)));
        });
        const start = firstAfter(listing.keys, after);
        const pageKeys = listing.keys.slice(start, start + pageSize);
        if (pageKeys.length === 0) return { page: [], more: false };
        // The DNs come from the server, and are escaped as filter values all the same (RFC 4515).
        const read = await connection.client.search(this.#settings.baseDn, {
          scope: 'sub',
          filter: andFilter([filter, orFilter(pageKeys.map((key) => equalityFilter('entryDN', listing.dns.get(key) as string)))]),
          attributes: this.#accountAttributes(),
          paged: { pageSize: 500 },
        });
        const byKey = new Map(read.searchEntries.map((entry) => [dnKey(entry.dn), entry]));
        // An entry removed since the list was made is left out; the cursor still moves past it.
        return { page: pageKeys.map((key) => ({ key, entry: byKey.get(key) })), more: start + pageSize < listing.keys.length };
      })
      .catch((error: unknown) => {
        throw listingError(error);
      });
    const last = entries.page.at(-1);
    return {
      accounts: entries.page.flatMap(({ entry }) => (entry === undefined ? [] : [this.#toAccount(entry)])),
      nextCursor: entries.more && last !== undefined ? encodeCursor(last.key) : null,
    };
  }

  /**
   * The DNs of the groupOfNames / groupOfUniqueNames entries that have the account as a member,
   * directly or through groups in groups (followed up to MAX_GROUP_DEPTH levels; a cycle ends
   * where it started). Searched in the naming context that holds the base DN.
   */
  async groupsOf(id: string): Promise<string[]> {
    const found = await this.#requireEntry(id);
    return await this.#pool
      .withService('read groups', async (connection) => groupsHolding(connection.client, await this.#groupSearchBase(connection), found.dn))
      .catch((error: unknown) => {
        throw toDirectoryError('read groups', error);
      });
  }

  async ping(): Promise<void> {
    await this.#pool
      .withService('ping', (connection) => connection.client.search(this.#settings.baseDn, { scope: 'base', attributes: ['1.1'] }))
      .catch((error: unknown) => {
        throw toDirectoryError('ping', error);
      });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  // --- reading entries ---

  #groupSearchBase(connection: LdapConnection): Promise<string> {
    this.#groupBase ??= groupSearchBase(connection.client, this.#settings.baseDn, dnKey).catch((error: unknown) => {
      this.#groupBase = null;
      throw error;
    });
    return this.#groupBase;
  }

  #accountAttributes(): string[] {
    const a = this.#settings.attributes;
    return [...new Set([a.username, a.displayName, 'cn', a.mail, a.mobile, a.department, ...STATE_ATTRIBUTES])];
  }

  async #findEntry(identifier: string): Promise<AccountEntry | null> {
    const clean = normaliseIdentifier(identifier);
    if (clean === null) return null;
    const filter = identifierFilter(clean, this.#settings.identifierAttributes, this.#userFilter);
    const result = await this.#pool
      .withService('find account', (connection) =>
        connection.client.search(this.#settings.baseDn, { scope: 'sub', filter, attributes: this.#accountAttributes(), sizeLimit: 2 }),
      )
      .catch((error: unknown) => {
        throw toDirectoryError('find account', error);
      });
    if (result.searchEntries.length !== 1) {
      // Two entries answering one identifier is a directory problem; signing in as either would be a guess.
      if (result.searchEntries.length > 1)
        this.#logger?.warn(
          { identifierAttributes: this.#settings.identifierAttributes },
          'directory: an identifier matches several accounts',
        );
      return null;
    }
    const entry = result.searchEntries[0] as Entry;
    return { dn: entry.dn, entry, account: this.#toAccount(entry) };
  }

  /** The entry at DN `id`, if it is an account under the base DN that matches the user filter. */
  async #getEntry(id: string, connection?: LdapConnection): Promise<AccountEntry | null> {
    if (id.length === 0 || id.length > MAX_ID_LENGTH || id.includes('\u0000') || !isUnder(dnKey(id), this.#baseDnKey)) return null;
    const search = async (c: LdapConnection) => {
      try {
        return await c.client.search(id, {
          scope: 'base',
          filter: this.#userFilter ?? '(objectClass=*)',
          attributes: this.#accountAttributes(),
        });
      } catch (error) {
        const code = ldapResultCode(error);
        if (code === 32 || code === 34) return null;
        throw error;
      }
    };
    const result = await (connection === undefined ? this.#pool.withService('read account', search) : search(connection)).catch(
      (error: unknown) => {
        throw toDirectoryError('read account', error);
      },
    );
    const entry = result?.searchEntries[0];
    return entry === undefined ? null : { dn: entry.dn, entry, account: this.#toAccount(entry) };
  }

  async #requireEntry(id: string, connection?: LdapConnection): Promise<AccountEntry> {
    const found = await this.#getEntry(id, connection);
    if (found === null) throw new NyckelError('account_not_found', 'no such account in the directory');
    return found;
  }

  #toAccount(entry: Entry): DirectoryAccount {
    const a = this.#settings.attributes;
    const username = firstValue(entry, a.username) ?? entry.dn;
    const mobile = firstValue(entry, a.mobile);
    return {
      id: entry.dn,
      username,
      email: firstValue(entry, a.mail),
      displayName: firstValue(entry, a.displayName) ?? firstValue(entry, 'cn') ?? username,
      department: firstValue(entry, a.department),
      mobile: mobile === null ? null : normaliseSwedishMobile(mobile),
    };
  }

  /** Locked now, from the entry and the (cached) policy: what a failed bind needs, in one read. */
  async #isLockedNow(found: AccountEntry): Promise<boolean> {
    const lockedValue = firstValue(found.entry, 'pwdAccountLockedTime');
    if (lockedValue === null) return false;
    if (lockedValue === ADMINISTRATIVE_LOCK || lockedValue === NYCKEL_LOCK) return true;
    const lockedAt = parseGeneralizedTime(lockedValue);
    const policy = await this.#policies.of(found.entry);
    if (lockedAt === null || policy.lockoutDurationSeconds === 0) return true;
    return lockedAt.getTime() + policy.lockoutDurationSeconds * 1000 > this.#clock.now().getTime();
  }

  async #stateOf(found: AccountEntry): Promise<AccountState> {
    const now = this.#clock.now().getTime();
    const policy = await this.#policies.of(found.entry);
    const lockedValue = firstValue(found.entry, 'pwdAccountLockedTime');
    const isAdministrativeLock = lockedValue === ADMINISTRATIVE_LOCK;
    const isNyckelLock = lockedValue === NYCKEL_LOCK;
    const lockedAt = lockedValue === null || isAdministrativeLock || isNyckelLock ? null : parseGeneralizedTime(lockedValue);
    const lockEnds =
      lockedAt !== null && policy.lockoutDurationSeconds > 0 ? new Date(lockedAt.getTime() + policy.lockoutDurationSeconds * 1000) : null;
    const isLocked = isAdministrativeLock || isNyckelLock || (lockedAt !== null && (lockEnds === null || lockEnds.getTime() > now));
    const changedValue = firstValue(found.entry, 'pwdChangedTime');
    const passwordChangedAt = changedValue === null ? null : parseGeneralizedTime(changedValue);
    const passwordExpiresAt =
      passwordChangedAt !== null && policy.maxAgeSeconds > 0 ? new Date(passwordChangedAt.getTime() + policy.maxAgeSeconds * 1000) : null;
    const [matchesDisabled, isPrivileged] = await Promise.all([this.#matchesDisabledFilter(found.dn), this.#isPrivileged(found)]);
    return {
      isLocked,
      lockedUntil: isLocked ? lockEnds : null,
      isDisabled: isAdministrativeLock || matchesDisabled,
      mustChange: firstValue(found.entry, 'pwdReset')?.toUpperCase() === 'TRUE',
      isExpired: passwordExpiresAt !== null && passwordExpiresAt.getTime() <= now,
      passwordChangedAt,
      passwordExpiresAt,
      isPrivileged,
    };
  }

  async #matchesDisabledFilter(dn: string): Promise<boolean> {
    const filter = this.#disabledFilter;
    if (filter === null) return false;
    const result = await this.#pool
      .withService('read account state', (connection) => connection.client.search(dn, { scope: 'base', filter, attributes: ['1.1'] }))
      .catch((error: unknown) => {
        throw toDirectoryError('read account state', error);
      });
    return result.searchEntries.length > 0;
  }

  /** Member of a configured privileged group (groupOfNames, groupOfUniqueNames or posixGroup). */
  async #isPrivileged(found: AccountEntry): Promise<boolean> {
    const groups = this.#settings.privilegedGroups;
    if (groups.length === 0) return false;
    const filter = orFilter([
      equalityFilter('member', found.dn),
      equalityFilter('uniqueMember', found.dn),
      equalityFilter('memberUid', found.account.username),
    ]);
    return await this.#pool
      .withService('read privileged groups', async (connection) => {
        for (const group of groups) {
          try {
            const result = await connection.client.search(group, { scope: 'base', filter, attributes: ['1.1'] });
            if (result.searchEntries.length > 0) return true;
          } catch (error) {
            if (ldapResultCode(error) !== 32) throw error;
            this.#logger?.warn({ group }, 'directory: a configured privileged group does not exist');
          }
        }
        return false;
      })
      .catch((error: unknown) => {
        throw toDirectoryError('read privileged groups', error);
      });
  }

  /** The account's password policy: its pwdPolicySubentry, else the configured ppolicy DN, else none. */
  // --- writing ---

  #checkLength(password: string): void {
    if ([...password].length > this.#maxPasswordLength) {
      throw policyViolation({ rule: 'too_long', maxLength: this.#maxPasswordLength }, new Error('password too long'));
    }
  }

  /** A refused password → policy_violation with the rule; anything else → the general mapping. */
  #passwordError(operation: string, error: unknown, control: PasswordPolicyControl, policy: PasswordPolicy): NyckelError {
    if (isNyckelError(error)) return error;
    const policyError = control.value?.error;
    let rejection: PasswordRejection | null = passwordRejectionOf(error, policyError, policy.inHistory);
    // ppolicy reports a short password as "fails quality checking" with the control's passwordTooShort (6).
    if (policyError === 6 && policy.minLength > 0) rejection = { rule: 'too_short', minLength: policy.minLength };
    if (rejection !== null) return policyViolation(rejection, error);
    return toDirectoryError(operation, error);
  }

  #noSuchAccountDn(): string {
    return `cn=nyckel-no-such-account,${this.#settings.baseDn}`;
  }

  /** A bind against a DN that doesn't exist, so an unknown account costs a round trip like a known one. */
  async #spendBind(): Promise<void> {
    let connection: LdapConnection | null = null;
    try {
      connection = await this.#pool.openAs('authenticate', this.#noSuchAccountDn(), 'not-a-password');
    } catch (error) {
      // Expected: 49. Refusals of Nyckel's own (unreachable, plain ldap://) answer as they would for a real account.
      if (isNyckelError(error)) throw error;
    } finally {
      if (connection !== null) await this.#pool.discard(connection);
    }
  }
}

// --- small pure helpers ---

function isUnder(key: string, baseKey: string): boolean {
  return key.endsWith(`,${baseKey}`) && !key.endsWith(`\\,${baseKey}`);
}
