// The Active Directory adapter (Windows AD and Samba AD DC) over LDAPS with ldapts. Finds
// accounts by escaped filters, checks passwords by binding as the user on a connection of its
// own, writes passwords as unicodePwd (reset by the delegated service account; change as the
// user), unlocks with lockoutTime 0, requires a change with pwdLastSet 0, and reads the state
// AD computes (msDS-User-Account-Control-Computed, msDS-UserPasswordExpiryTimeComputed).
// Samba does not check history when the service account resets a password, so Nyckel keeps
// argon2id hashes of the passwords it set itself and refuses their reuse.

import type { Kysely } from 'kysely';
import { type Change, type Entry, ServerSideSortingRequestControl } from 'ldapts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import type { Argon2Params } from '../../security/password-hashing.ts';
import type { Database } from '../../store/schema.ts';
import type { AccountPage, AccountState, AuthenticationResult, Directory, DirectoryAccount, ListAccountsOptions } from '../directory.ts';
import { AccountWriteLock } from '../ldap/account-write-lock.ts';
import type { LdapSettings } from '../ldap/ldap-config.ts';
import { type LdapConnection, LdapConnectionPool, type LdapPoolOptions } from '../ldap/ldap-connection.ts';
import { ldapResultCode, policyViolation } from '../ldap/ldap-errors.ts';
import {
  andFilter,
  assertAttributeName,
  configuredFilter,
  escapeFilterValue,
  identifierFilter,
  normaliseIdentifier,
  presenceFilter,
} from '../ldap/ldap-filter.ts';
import { departmentFilterValue, groupDnFilterValue, groupSearchBase } from '../ldap/ldap-groups.ts';
import { PolicyHintsControl } from './ad-controls.ts';
import { type DomainFacts, privilegedFilter, readDomainFacts } from './ad-domain.ts';
import { add, first, IN_CHAIN, remove, replace, searchBase, text } from './ad-entry.ts';
import { authenticationOutcomeOf, toActiveDirectoryError } from './ad-errors.ts';
import { OwnPasswordHistory } from './ad-own-history.ts';
import { checkAdPassword, encodeUnicodePwd } from './ad-password.ts';
import { fileTimeToDate, lockEnd, parseLargeInteger } from './ad-time.ts';

/** The `directory.activeDirectory` configuration. */
export interface ActiveDirectorySettings {
  /**
   * Send LDAP_SERVER_POLICY_HINTS (1.2.840.113556.1.4.2239) with resets so Windows AD (2012 R2
   * and later) applies password history to them. Samba refuses the control: leave it off there.
   */
  policyHints: boolean;
  /** How many passwords Nyckel set that may not be set again by a reset; null = the domain's pwdHistoryLength. */
  ownHistorySize: number | null;
}

export interface ActiveDirectoryOptions {
  /** resolveLdapSettings(config.directory, 'active-directory'). */
  settings: LdapSettings;
  activeDirectory?: Partial<ActiveDirectorySettings>;
  /** The store's database, for Nyckel's own password history (table directory_password_history). */
  db: Kysely<Database>;
  /** argon2id cost for the history hashes (config.directory.embedded.argon2). */
  argon2: Argon2Params;
  clock?: Clock;
  logger?: LdapPoolOptions['logger'];
  /** For tests: a pool built elsewhere. */
  pool?: LdapConnectionPool;
}

// userAccountControl and msDS-User-Account-Control-Computed bits (MS-ADTS 2.2.16).
const UF_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
const UF_PASSWORD_EXPIRED = 0x80_0000;
const MAX_PAGE_SIZE = 1000;
/** Longest DN accepted as an account id. */
const MAX_DN_LENGTH = 1024;
/** The domain policy and protected groups are re-read this often (a changed GPO applies within minutes). */
const DOMAIN_CACHE_MS = 5 * 60_000;

const STATE_ATTRIBUTES = [
  'userAccountControl',
  'msDS-User-Account-Control-Computed',
  'pwdLastSet',
  'lockoutTime',
  'accountExpires',
  'msDS-UserPasswordExpiryTimeComputed',
];

interface FoundEntry {
  account: DirectoryAccount;
  /** Stable key for Nyckel's own history: objectGUID in hex (a DN changes on rename or move). */
  key: string;
}

export class ActiveDirectory implements Directory {
  readonly kind = 'active-directory' as const;
  // AD lets a client write lockoutTime only as 0 (unlock); only the DC locks, and disabling is not lifted by a reset.
  readonly canLock = false;
  private readonly pool: LdapConnectionPool;
  private readonly settings: LdapSettings;
  private readonly ad: ActiveDirectorySettings;
  private readonly ownHistory: OwnPasswordHistory;
  private readonly clock: Clock;
  private readonly logger: LdapPoolOptions['logger'];
  private readonly writes = new AccountWriteLock();
  private readonly userFilter: string | null;
  private domain: Promise<DomainFacts> | null = null;
  private groupBase: Promise<string> | null = null;
  /** Moving average of a failed sign-in on a real account, in ms; null until one has been seen. */
  private typicalFailureMs: number | null = null;

  constructor(options: ActiveDirectoryOptions) {
    this.settings = options.settings;
    this.ad = {
      policyHints: options.activeDirectory?.policyHints ?? false,
      ownHistorySize: options.activeDirectory?.ownHistorySize ?? null,
    };
    this.clock = options.clock ?? systemClock;
    this.ownHistory = new OwnPasswordHistory(options.db, options.argon2, this.clock);
    this.logger = options.logger;
    this.userFilter = this.settings.userFilter === null ? null : configuredFilter(this.settings.userFilter);
    this.pool = options.pool ?? new LdapConnectionPool(this.settings, options.logger === undefined ? {} : { logger: options.logger });
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  async findAccount(identifier: string): Promise<DirectoryAccount | null> {
    return (await this.findEntry(identifier))?.account ?? null;
  }

  async getAccount(id: string): Promise<DirectoryAccount | null> {
    return (await this.readEntry(id))?.account ?? null;
  }

  async readState(id: string): Promise<AccountState> {
    const dn = this.ownDn(id);
    if (dn === null) throw notFound(id);
    const domain = await this.domainFacts();
    const privilegedAccounts = privilegedFilter(domain);
    const [entry, privileged] = await this.pool.withService('read state', async ({ client }) => {
      const state = await searchBase(client, dn, this.userFilter, STATE_ATTRIBUTES);
      const match = state === null ? null : await searchBase(client, dn, privilegedAccounts, ['objectClass']);
      return [state, match !== null] as const;
    });
    if (entry === null) throw notFound(id);
    const now = this.clock.now();
    const uac = Number(first(entry.userAccountControl) ?? '0');
    const computed = Number(first(entry['msDS-User-Account-Control-Computed']) ?? '0');
    const pwdLastSet = parseLargeInteger(first(entry.pwdLastSet));
    const lock = lockEnd(parseLargeInteger(first(entry.lockoutTime)), domain.lockoutDuration);
    // The DC's own computation is authoritative when present; lockoutTime + duration otherwise.
    const isLocked = (computed & UF_LOCKOUT) !== 0 || lock.isLockedAt(now);
    const accountExpires = fileTimeToDate(parseLargeInteger(first(entry.accountExpires)));
    const mustChange = pwdLastSet === 0n;
    const passwordExpiresAt = mustChange ? null : fileTimeToDate(parseLargeInteger(first(entry['msDS-UserPasswordExpiryTimeComputed'])));
    return {
      isLocked,
      lockedUntil: isLocked ? lock.lockedUntil : null,
      isDisabled: (uac & UF_ACCOUNTDISABLE) !== 0 || (accountExpires !== null && accountExpires.getTime() <= now.getTime()),
      mustChange,
      isExpired:
        !mustChange &&
        ((computed & UF_PASSWORD_EXPIRED) !== 0 || (passwordExpiresAt !== null && passwordExpiresAt.getTime() <= now.getTime())),
      passwordChangedAt: fileTimeToDate(pwdLastSet),
      passwordExpiresAt,
      isPrivileged: privileged,
    };
  }

  async listAccounts(options: ListAccountsOptions): Promise<AccountPage> {
    const { pageSize } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new NyckelError('invalid_input', `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    const after = decodeCursor(options.cursor ?? null);
    // A group or department no entry can have (`*`, `)(uid=*`, NUL, overlong) matches nothing: an empty page.
    const group = options.group === undefined ? undefined : groupDnFilterValue(options.group);
    const department = options.department === undefined ? undefined : departmentFilterValue(options.department);
    if (group === null || department === null) return { accounts: [], nextCursor: null };
    const username = this.settings.attributes.username;
    // Keyset paging on the username, sorted by the DC (server-side sort, RFC 2891) with the same
    // collation as the >= filter, so pages neither skip nor repeat. AD's paged-results cookies
    // belong to one connection and can't be handed out as a cursor.
    const filters = [...(this.userFilter === null ? [] : [this.userFilter]), presenceFilter(username)];
    if (after !== null) filters.push(`(${assertAttributeName(username)}>=${escapeFilterValue(after)})`);
    // Members through nested groups too (LDAP_MATCHING_RULE_IN_CHAIN); the DN is escaped like any value (RFC 4515).
    if (group !== undefined) filters.push(`(memberOf:${IN_CHAIN}:=${escapeFilterValue(group)})`);
    // AD's department is a case-insensitive Unicode string.
    if (department !== undefined)
      filters.push(`(${assertAttributeName(this.settings.attributes.department)}=${escapeFilterValue(department)})`);
    const entries = await this.pool.withService('list accounts', async ({ client }) => {
      const result = await client.search(
        this.settings.baseDn,
        {
          scope: 'sub',
          filter: andFilter(filters),
          attributes: this.accountAttributes(),
          explicitBufferAttributes: ['objectGUID'],
          sizeLimit: pageSize + 2,
        },
        // Critical: a DC that can't sort must refuse rather than return pages in some other order.
        new ServerSideSortingRequestControl({ critical: true, value: { attributeType: username } }),
      );
      return result.searchEntries;
    });
    const accounts = entries
      .map((entry) => this.toFound(entry)?.account ?? null)
      .filter(
        (account): account is DirectoryAccount =>
          account !== null && (after === null || account.username.toLowerCase() !== after.toLowerCase()),
      );
    const page = accounts.slice(0, pageSize);
    const last = page.at(-1);
    return { accounts: page, nextCursor: accounts.length > pageSize && last !== undefined ? encodeCursor(last.username) : null };
  }

  /**
   * The DNs of every group the account is a member of, nested membership included: one search
   * with LDAP_MATCHING_RULE_IN_CHAIN over the naming context that holds the base DN. The primary
   * group (Domain Users) is not a `member` value and is not listed.
   */
  async groupsOf(id: string): Promise<string[]> {
    const found = await this.readEntry(id);
    if (found === null) throw notFound(id);
    return await this.pool.withService('read groups', async ({ client }) => {
      this.groupBase ??= groupSearchBase(client, this.settings.baseDn, (dn) => dn.toLowerCase().replace(/\s*,\s*/g, ',')).catch(
        (error: unknown) => {
          this.groupBase = null;
          throw error;
        },
      );
      const base = await this.groupBase;
      const result = await client.search(base, {
        scope: 'sub',
        filter: `(&(objectClass=group)(member:${IN_CHAIN}:=${escapeFilterValue(found.account.id)}))`,
        attributes: ['1.1'],
        paged: { pageSize: 500 },
      });
      return result.searchEntries.map((entry) => entry.dn);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Passwords

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const started = performance.now();
    const found = typeof password === 'string' ? await this.findEntry(identifier) : null;
    // An empty password would be an unauthenticated bind, which "succeeds" (RFC 4513 5.1.2): never send one.
    if (found === null || password === '' || typeof password !== 'string') {
      await this.spendDummyBind(typeof password === 'string' && password !== '' ? password : 'no password given');
      await this.padToTypicalFailure(started);
      return { outcome: 'invalid', account: null };
    }
    let connection: LdapConnection | null = null;
    try {
      connection = await this.pool.openAs('sign-in', found.account.id, password);
      return { outcome: 'ok', account: found.account };
    } catch (error) {
      const outcome = authenticationOutcomeOf(error);
      if (outcome === null) throw toActiveDirectoryError('sign-in', error, { historySize: 0 });
      if (outcome === 'invalid') {
        this.recordFailureTime(performance.now() - started);
        return { outcome, account: null };
      }
      return { outcome, account: found.account };
    } finally {
      // A failed bind leaves the socket open: always unbind.
      if (connection !== null) await this.pool.discard(connection);
    }
  }

  async setPassword(id: string, newPassword: string, options: { mustChange?: boolean } = {}): Promise<void> {
    const refused = checkAdPassword(newPassword);
    if (refused !== null) throw policyViolation(refused, new Error(`refused before sending: ${refused.rule}`));
    const found = await this.readEntry(id);
    if (found === null) throw notFound(id);
    const domain = await this.domainFacts();
    const historySize = this.ad.ownHistorySize ?? domain.historyLength;
    await this.writes.run(found.key, async () => {
      await this.ownHistory.refuse(found.key, newPassword, historySize);
      const changes: Change[] = [replace('unicodePwd', encodeUnicodePwd(newPassword)), replace('lockoutTime', '0')];
      // The reset itself unlocks (lockoutTime 0) and, when asked, expires the password at once (pwdLastSet 0).
      if (options.mustChange) changes.push(replace('pwdLastSet', '0'));
      // Windows AD skips history on resets unless told otherwise by this control (MS-ADTS 3.1.1.3.4.1.27).
      const controls = this.ad.policyHints ? [new PolicyHintsControl()] : undefined;
      await this.pool.withService(
        'set password',
        async ({ client }) => {
          try {
            await client.modify(found.account.id, changes, controls);
          } catch (error) {
            throw toActiveDirectoryError('set password', error, { historySize });
          }
        },
        { isWrite: true },
      );
      await this.ownHistory.remember(found.key, newPassword, historySize);
    });
  }

  async changePassword(id: string, oldPassword: string, newPassword: string): Promise<void> {
    const refused = checkAdPassword(newPassword);
    if (refused !== null) throw policyViolation(refused, new Error(`refused before sending: ${refused.rule}`));
    if (typeof oldPassword !== 'string' || oldPassword === '')
      throw new NyckelError('invalid_credentials', 'directory change password: no old password given');
    const found = await this.readEntry(id);
    if (found === null) throw notFound(id);
    const domain = await this.domainFacts();
    // Delete the old value and add the new one in one modify: AD's password change (not a reset),
    // which checks the old password and applies the whole policy including history.
    const changes = [remove('unicodePwd', encodeUnicodePwd(oldPassword)), add('unicodePwd', encodeUnicodePwd(newPassword))];
    const context = { historySize: domain.historyLength };
    await this.writes.run(found.key, async () => {
      let connection: LdapConnection | null = null;
      try {
        try {
          connection = await this.pool.openAs('change password', found.account.id, oldPassword);
        } catch (error) {
          const outcome = authenticationOutcomeOf(error);
          if (outcome === null) throw toActiveDirectoryError('change password', error, context);
          if (outcome === 'invalid')
            throw new NyckelError('invalid_credentials', 'directory change password: the old password is wrong', { cause: error });
          if (outcome === 'locked')
            throw new NyckelError('account_locked', 'directory change password: the account is locked', { cause: error });
          if (outcome === 'disabled')
            throw new NyckelError('account_disabled', 'directory change password: the account is disabled', { cause: error });
          // must_change / expired: AD lets no one bind with such a password, but the change
          // operation itself is allowed to anyone who knows the old password (the "Change
          // Password" right AD grants to Everyone), so it goes over the service connection.
        }
        const work = async (client: LdapConnection['client']) => {
          try {
            await client.modify(found.account.id, changes);
          } catch (error) {
            throw toActiveDirectoryError('change password', error, context);
          }
        };
        if (connection !== null) await work(connection.client);
        else await this.pool.withService('change password', ({ client }) => work(client), { isWrite: true });
      } finally {
        if (connection !== null) await this.pool.discard(connection);
      }
      await this.ownHistory.remember(found.key, newPassword, this.ad.ownHistorySize ?? domain.historyLength);
    });
  }

  async unlock(id: string): Promise<void> {
    // lockoutTime 0 is AD's unlock; it also clears badPwdCount.
    await this.writeAttribute('unlock', id, 'lockoutTime', '0');
  }

  async lock(_id: string): Promise<void> {
    throw new NyckelError('internal', "Active Directory can't lock an account on request (canLock is false)");
  }

  async requireChange(id: string): Promise<void> {
    // pwdLastSet 0 expires the password now: the next sign-in answers 773.
    await this.writeAttribute('require change', id, 'pwdLastSet', '0');
  }

  async ping(): Promise<void> {
    await this.pool.withService('ping', async ({ client }) => {
      await client.search('', { scope: 'base', attributes: ['currentTime'] });
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private async writeAttribute(operation: string, id: string, attribute: string, value: string): Promise<void> {
    const found = await this.readEntry(id);
    if (found === null) throw notFound(id);
    await this.writes.run(found.key, () =>
      this.pool.withService(
        operation,
        async ({ client }) => {
          try {
            await client.modify(found.account.id, [replace(attribute, value)]);
          } catch (error) {
            throw toActiveDirectoryError(operation, error, { historySize: 0 });
          }
        },
        { isWrite: true },
      ),
    );
  }

  private accountAttributes(): string[] {
    const a = this.settings.attributes;
    return ['objectGUID', a.username, a.displayName, a.mail, a.mobile, a.department];
  }

  /** The account an identifier names, or null (also for input no account can have). */
  private async findEntry(identifier: string): Promise<FoundEntry | null> {
    const cleaned = typeof identifier === 'string' ? normaliseIdentifier(identifier) : null;
    if (cleaned === null) return null;
    // Every value is escaped (RFC 4515) and the DN comes from the search, never from input.
    const filter = identifierFilter(cleaned, this.settings.identifierAttributes, this.userFilter);
    const entries = await this.pool.withService('find account', async ({ client }) => {
      const result = await client.search(this.settings.baseDn, {
        scope: 'sub',
        filter,
        attributes: this.accountAttributes(),
        explicitBufferAttributes: ['objectGUID'],
        sizeLimit: 2,
      });
      return result.searchEntries;
    });
    if (entries.length !== 1) {
      // Two accounts answering to one identifier: refuse rather than guess which one is meant.
      if (entries.length > 1) this.logger?.warn({ matches: entries.length }, 'directory: an identifier matches more than one account');
      return null;
    }
    return this.toFound(entries[0] as Entry);
  }

  /** The account with this DN inside the base DN and the user filter, or null. */
  private async readEntry(id: string): Promise<FoundEntry | null> {
    const dn = this.ownDn(id);
    if (dn === null) return null;
    const entry = await this.pool.withService('read account', ({ client }) =>
      searchBase(client, dn, this.userFilter, this.accountAttributes()),
    );
    return entry === null ? null : this.toFound(entry);
  }

  /** An id is a DN below the configured base DN; anything else names no account of ours. */
  private ownDn(id: string): string | null {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_DN_LENGTH || /\p{Cc}/u.test(id)) return null;
    const base = this.settings.baseDn.toLowerCase().replace(/\s*,\s*/g, ',');
    const dn = id.toLowerCase().replace(/\s*,\s*/g, ',');
    return dn === base || dn.endsWith(`,${base}`) ? id : null;
  }

  private toFound(entry: Entry): FoundEntry | null {
    const a = this.settings.attributes;
    const guid = entry.objectGUID;
    const username = text(entry[a.username]);
    if (!Buffer.isBuffer(guid) || username === null) return null;
    return {
      key: guid.toString('hex'),
      account: {
        id: entry.dn,
        username,
        email: text(entry[a.mail]),
        displayName: text(entry[a.displayName]) ?? username,
        department: text(entry[a.department]),
        mobile: text(entry[a.mobile]),
      },
    };
  }

  /** A bind that can't succeed, so an unknown account costs what a known one does (no enumeration by timing). */
  private async spendDummyBind(password: string): Promise<void> {
    let connection: LdapConnection | null = null;
    try {
      connection = await this.pool.openAs('sign-in', `CN=Nyckel No Such Account,${this.settings.baseDn}`, password);
    } catch (error) {
      // The expected answer is 49; anything else (the directory is down) is reported as it would be for a real account.
      if (ldapResultCode(error) === null) throw toActiveDirectoryError('sign-in', error, { historySize: 0 });
    } finally {
      if (connection !== null) await this.pool.discard(connection);
    }
  }

  /** Keeps a moving average of how long a wrong password on a real account takes. */
  private recordFailureTime(ms: number): void {
    const capped = Math.min(ms, this.settings.timeoutMs);
    this.typicalFailureMs = this.typicalFailureMs === null ? capped : this.typicalFailureMs * 0.8 + capped * 0.2;
  }

  /**
   * A wrong password on a real account makes the DC write badPwdCount, so it answers slower than a
   * bind against a DN that doesn't exist. Unknown accounts wait out the difference, so response
   * times don't tell which accounts exist (OWASP Authentication Cheat Sheet).
   */
  private async padToTypicalFailure(started: number): Promise<void> {
    if (this.typicalFailureMs === null) return;
    const remaining = this.typicalFailureMs - (performance.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  }

  private domainFacts(): Promise<DomainFacts> {
    const cached = this.domain;
    if (cached !== null) {
      return cached.then((facts) => (this.clock.now().getTime() - facts.readAt < DOMAIN_CACHE_MS ? facts : this.refreshDomainFacts()));
    }
    return this.refreshDomainFacts();
  }

  private refreshDomainFacts(): Promise<DomainFacts> {
    const pending = this.pool.withService('read domain policy', ({ client }) =>
      readDomainFacts(client, this.settings.privilegedGroups, this.clock),
    );
    this.domain = pending;
    // A failed read must not stay cached.
    pending.catch(() => {
      if (this.domain === pending) this.domain = null;
    });
    return pending;
  }
}

function notFound(id: string): NyckelError {
  return new NyckelError('account_not_found', 'directory: no such account', { detail: { id: id.slice(0, 200) } });
}

function encodeCursor(username: string): string {
  return Buffer.from(JSON.stringify({ after: username }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string' && parsed.after !== '' && parsed.after.length <= 256) return parsed.after;
  } catch {
    // Falls through to the refusal below.
  }
  throw new NyckelError('invalid_input', 'the cursor is not one listAccounts returned');
}
