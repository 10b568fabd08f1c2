// The Directory port on OpenLDAP with the ppolicy overlay (ldapts). Accounts are found by an
// escaped search and identified by the DN the search returned (never a DN built from input);
// passwords are checked by binding as the user on a fresh connection; passwords are set with the
// Password Modify extended operation so slapd applies its own policy (history, quality, lockout).
// Lock, expiry and must-change are read from ppolicy's operational attributes and the policy entry.

import { Attribute, Change, type Entry, PasswordPolicyControl } from 'ldapts';
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
import { ldapResultCode, passwordRejectionOf, policyViolation, toDirectoryError } from './ldap-errors.ts';
import { andFilter, configuredFilter, equalityFilter, identifierFilter, normaliseIdentifier, orFilter } from './ldap-filter.ts';
import {
  departmentFilterValue,
  GROUPS_PER_SEARCH,
  groupDnFilterValue,
  groupSearchBase,
  MAX_GROUP_DEPTH,
  MAX_GROUPS_VISITED,
  memberDn,
} from './ldap-groups.ts';
import { PASSWORD_MODIFY_OID, passwordModifyRequestValue } from './password-modify.ts';

/** ppolicy's value of pwdAccountLockedTime for "locked by an administrator until unlocked by one". */
const ADMINISTRATIVE_LOCK = '000001010000Z';
/**
 * Nyckel's own lock (lock()): slapd reads the epoch as "locked until unlocked" whatever
 * pwdLockoutDuration says (its lock time parses to 0, as the administrator's value does), and the
 * value differs from ADMINISTRATIVE_LOCK, so unlock and a reset may lift Nyckel's lock while an
 * administrator's lock (which Nyckel reads as disabled) stays.
 */
const NYCKEL_LOCK = '19700101000000Z';
/** The policy entry is read at most this often (it changes rarely). */
const POLICY_CACHE_MS = 60_000;
/** Longest password sent to the server (protects it from huge binds; NIST allows at least 64). */
const DEFAULT_MAX_PASSWORD_LENGTH = 1024;
const MAX_ID_LENGTH = 2048;

const STATE_ATTRIBUTES = ['pwdAccountLockedTime', 'pwdChangedTime', 'pwdReset', 'pwdPolicySubentry'];
/** The group classes whose members Nyckel follows (DNs in member / uniqueMember). */
const GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';

interface PasswordPolicy {
  /** pwdLockout: without it slapd ignores pwdAccountLockedTime, so lock() would not hold. */
  lockout: boolean;
  maxAgeSeconds: number;
  lockoutDurationSeconds: number;
  inHistory: number;
  minLength: number;
}

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
  readonly #policyCache = new Map<string, { policy: PasswordPolicy; readAt: number }>();
  readonly #logger: LdapPoolOptions['logger'];
  #groupBase: Promise<string> | null = null;
  /** The sorted DN lists of walks under way (see listAccounts), by filter and group. */
  readonly #listings = new Map<string, Listing>();

  constructor(settings: LdapSettings, options: OpenLdapDirectoryOptions = {}) {
    this.#settings = settings;
    this.#clock = options.clock ?? systemClock;
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
    const state = await this.#stateOf(await this.#requireEntry(found.dn));
    if (state.isDisabled) return { outcome: 'disabled', account: found.account };
    if (state.mustChange || control.value?.error === 2) return { outcome: 'must_change', account: found.account };
    if (state.isExpired) return { outcome: 'expired', account: found.account };
    return { outcome: 'ok', account: found.account };
  }

  async setPassword(id: string, newPassword: string, options: { mustChange?: boolean } = {}): Promise<void> {
    this.#checkLength(newPassword);
    const found = await this.#requireEntry(id);
    await this.#writes.run(found.dn, async () => {
      const policy = await this.#policyFor(found.entry);
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
      const policy = await this.#policyFor(found.entry);
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
    const policy = await this.#policyFor(found.entry);
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
        const listing = await this.#listing(connection, filter, group, after === null);
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

  /** The sorted DN list of a walk: made anew when a walk starts (or none is kept, or it is old), else the kept one. */
  async #listing(connection: LdapConnection, filter: string, group: string | undefined, isStart: boolean): Promise<Listing> {
    const id = JSON.stringify([filter, group ?? null]);
    const now = this.#clock.now().getTime();
    const kept = this.#listings.get(id);
    if (!isStart && kept !== undefined && now - kept.madeAt < LISTING_TTL_MS) return kept;
    const listed = await connection.client.search(this.#settings.baseDn, {
      scope: 'sub',
      filter,
      attributes: ['1.1'],
      paged: { pageSize: 500 },
    });
    const dns = new Map(listed.searchEntries.map((entry) => [dnKey(entry.dn), entry.dn]));
    // Accounts are members, never groups to follow: one read per nested group, not per member.
    const members = group === undefined ? null : await this.#memberKeys(connection, group, new Set(dns.keys()));
    const keys = [...dns.keys()].filter((key) => members === null || members.has(key)).sort();
    const listing = { keys, dns, madeAt: now };
    this.#listings.delete(id);
    this.#listings.set(id, listing);
    // A few walks at once (a campaign, a report, the reminders); the oldest goes first.
    for (const oldest of this.#listings.keys()) {
      if (this.#listings.size <= MAX_LISTINGS) break;
      this.#listings.delete(oldest);
    }
    return listing;
  }

  /**
   * The DNs of the groupOfNames / groupOfUniqueNames entries that have the account as a member,
   * directly or through groups in groups (followed up to MAX_GROUP_DEPTH levels; a cycle ends
   * where it started). Searched in the naming context that holds the base DN.
   */
  async groupsOf(id: string): Promise<string[]> {
    const found = await this.#requireEntry(id);
    return await this.#pool
      .withService('read groups', async (connection) => {
        const base = await this.#groupSearchBase(connection);
        const seen = new Map<string, string>();
        let frontier = [found.dn];
        for (let depth = 0; depth < MAX_GROUP_DEPTH && frontier.length > 0 && seen.size < MAX_GROUPS_VISITED; depth++) {
          const next: string[] = [];
          for (let start = 0; start < frontier.length; start += GROUPS_PER_SEARCH) {
            const dns = frontier.slice(start, start + GROUPS_PER_SEARCH);
            // Every DN is escaped as a filter value (RFC 4515): a DN with `*` or `)` can't widen the search.
            const memberOf = orFilter(dns.flatMap((dn) => [equalityFilter('member', dn), equalityFilter('uniqueMember', dn)]));
            const result = await connection.client
              .search(base, { scope: 'sub', filter: andFilter([GROUP_FILTER, memberOf]), attributes: ['1.1'], paged: { pageSize: 500 } })
              .catch((error: unknown) => {
                // slapd hides an entry the service account may not read as "no such object": say what to fix.
                if (ldapResultCode(error) !== 32) throw error;
                throw new NyckelError(
                  'directory_unavailable',
                  `groups are searched from ${base}, which the service account cannot read; give it read on that entry (docs/directory-openldap.md, Groups)`,
                  { cause: error },
                );
              });
            for (const entry of result.searchEntries) {
              const key = dnKey(entry.dn);
              if (seen.has(key) || seen.size >= MAX_GROUPS_VISITED) continue;
              seen.set(key, entry.dn);
              next.push(entry.dn);
            }
          }
          frontier = next;
        }
        return [...seen.values()];
      })
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

  /**
   * Keys (dnKey) of every DN that is a member of the group, directly or through nested groups
   * (breadth first, at most MAX_GROUP_DEPTH levels and MAX_GROUPS_VISITED groups, cycle-safe).
   * Empty for a DN that is no group. The caller keeps the ones that are accounts under the base DN
   * (`accountKeys`, which are not read again as possible groups).
   */
  async #memberKeys(connection: LdapConnection, groupDn: string, accountKeys: ReadonlySet<string>): Promise<Set<string>> {
    const members = new Set<string>();
    const visited = new Set<string>();
    let frontier = [groupDn];
    for (let depth = 0; depth <= MAX_GROUP_DEPTH && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const dn of frontier) {
        if (visited.has(dnKey(dn)) || visited.size >= MAX_GROUPS_VISITED) continue;
        visited.add(dnKey(dn));
        const group = await this.#readGroup(connection, dn);
        if (group === null) continue;
        for (const value of group) {
          const key = dnKey(value);
          if (members.has(key)) continue;
          members.add(key);
          // A member that is not one of the accounts may be a group: followed on the next level.
          if (!accountKeys.has(key)) next.push(value);
        }
      }
      frontier = next.filter((dn) => !visited.has(dnKey(dn)));
    }
    return members;
  }

  /** The member DNs of a group entry; null when the DN is no group (or doesn't exist). */
  async #readGroup(connection: LdapConnection, dn: string): Promise<string[] | null> {
    try {
      const result = await connection.client.search(dn, { scope: 'base', filter: GROUP_FILTER, attributes: ['member', 'uniqueMember'] });
      const entry = result.searchEntries[0];
      if (entry === undefined) return null;
      const values = (name: string) => {
        const raw = Object.entries(entry).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
        const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
        return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
      };
      return [...values('member'), ...values('uniqueMember').map(memberDn)];
    } catch (error) {
      // noSuchObject, invalidDNSyntax, a referral (outside the server's suffixes): not a group here.
      const code = ldapResultCode(error);
      if (code === 32 || code === 34 || code === 10) return null;
      throw error;
    }
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
    const policy = await this.#policyFor(found.entry);
    if (lockedAt === null || policy.lockoutDurationSeconds === 0) return true;
    return lockedAt.getTime() + policy.lockoutDurationSeconds * 1000 > this.#clock.now().getTime();
  }

  async #stateOf(found: AccountEntry): Promise<AccountState> {
    const now = this.#clock.now().getTime();
    const policy = await this.#policyFor(found.entry);
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
  async #policyFor(entry: Entry): Promise<PasswordPolicy> {
    const dn = firstValue(entry, 'pwdPolicySubentry') ?? this.#settings.ppolicyDn;
    const none: PasswordPolicy = { lockout: false, maxAgeSeconds: 0, lockoutDurationSeconds: 0, inHistory: 0, minLength: 0 };
    if (dn === null) return none;
    const cached = this.#policyCache.get(dn);
    const now = Date.now();
    if (cached !== undefined && now - cached.readAt < POLICY_CACHE_MS) return cached.policy;
    const result = await this.#pool
      .withService('read password policy', (connection) =>
        connection.client.search(dn, {
          scope: 'base',
          filter: '(objectClass=pwdPolicy)',
          attributes: ['pwdMaxAge', 'pwdLockoutDuration', 'pwdLockout', 'pwdInHistory', 'pwdMinLength'],
        }),
      )
      .catch((error: unknown) => {
        throw toDirectoryError('read password policy', error);
      });
    const policyEntry = result.searchEntries[0];
    const number = (name: string) => Number.parseInt(policyEntry === undefined ? '0' : (firstValue(policyEntry, name) ?? '0'), 10) || 0;
    const policy: PasswordPolicy = {
      lockout: policyEntry !== undefined && firstValue(policyEntry, 'pwdLockout')?.toUpperCase() === 'TRUE',
      maxAgeSeconds: number('pwdMaxAge'),
      lockoutDurationSeconds: number('pwdLockoutDuration'),
      inHistory: number('pwdInHistory'),
      minLength: number('pwdMinLength'),
    };
    this.#policyCache.set(dn, { policy, readAt: now });
    return policy;
  }

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

function firstValue(entry: Entry, attribute: string): string | null {
  const wanted = attribute.toLowerCase();
  for (const [name, value] of Object.entries(entry)) {
    if (name.toLowerCase() !== wanted || name === 'dn') continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) return null;
    const text = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
    return text === '' ? null : text;
  }
  return null;
}

function replace(type: string, values: string[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

function remove(type: string): Change {
  return new Change({ operation: 'delete', modification: new Attribute({ type }) });
}

/** A DN compared case-insensitively and without spaces around separators (enough for DNs the server returned). */
export function dnKey(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

function isUnder(key: string, baseKey: string): boolean {
  return key.endsWith(`,${baseKey}`) && !key.endsWith(`\\,${baseKey}`);
}

/** LDAP GeneralizedTime (RFC 4517 3.3.13) as ppolicy writes it: YYYYMMDDHHMMSS[.fff]Z. */
export function parseGeneralizedTime(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(value);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

/** A walk's DN list: keys (dnKey) sorted by code unit, and the DN of each as the server wrote it. */
interface Listing {
  keys: string[];
  dns: Map<string, string>;
  madeAt: number;
}

/** How long a walk's DN list serves its later pages (a walk of 100,000 accounts takes a few minutes). */
const LISTING_TTL_MS = 10 * 60_000;
const MAX_LISTINGS = 8;

/** The index of the first key after `after` in sorted `keys` (binary search); 0 without a cursor. */
function firstAfter(keys: readonly string[], after: string | null): number {
  if (after === null) return 0;
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((keys[middle] as string) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * slapd's size limit also bounds the total of a paged search (`size.prtotal`, by default the hard
 * limit, 500 in many set-ups): say which line lets the service account list every account.
 */
function listingError(error: unknown): NyckelError {
  if (ldapResultCode(error) !== 4) return toDirectoryError('list accounts', error);
  return new NyckelError(
    'directory_unavailable',
    'the directory stopped listing accounts at its size limit; let the service account list them all with ' +
      '`limits dn.exact="<service account DN>" size.prtotal=unlimited` in the database section (docs/directory-openldap.md, 3. ACLs)',
    { cause: error, detail: { operation: 'list accounts', ldapCode: 4 } },
  );
}

function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new NyckelError('invalid_input', 'the page cursor is not valid');
}
