// The password policy (ppolicy) an OpenLDAP account falls under: read from its
// pwdPolicySubentry, else directory.ldap.ppolicyDn, and kept for a minute (policies change
// rarely), with the two pwdAccountLockedTime values that are not timestamps.

import type { Entry } from 'ldapts';
import type { LdapConnectionPool } from './ldap-connection.ts';
import { firstValue } from './ldap-entry.ts';
import { toDirectoryError } from './ldap-errors.ts';

/** ppolicy's value of pwdAccountLockedTime for "locked by an administrator until unlocked by one". */
export const ADMINISTRATIVE_LOCK = '000001010000Z';
/**
 * Nyckel's own lock (lock()): slapd reads the epoch as "locked until unlocked" whatever
 * pwdLockoutDuration says (its lock time parses to 0, as the administrator's value does), and the
 * value differs from ADMINISTRATIVE_LOCK, so unlock and a reset may lift Nyckel's lock while an
 * administrator's lock (which Nyckel reads as disabled) stays.
 */
export const NYCKEL_LOCK = '19700101000000Z';
/** The policy entry is read at most this often (it changes rarely). */
const POLICY_CACHE_MS = 60_000;

export interface PasswordPolicy {
  /** False when the account names no policy and none is configured: slapd's own ppolicy_default applies, unseen. */
  seen: boolean;
  /** pwdLockout: without it slapd ignores pwdAccountLockedTime, so lock() would not hold. */
  lockout: boolean;
  maxAgeSeconds: number;
  lockoutDurationSeconds: number;
  inHistory: number;
  minLength: number;
}

const UNSEEN: PasswordPolicy = { seen: false, lockout: false, maxAgeSeconds: 0, lockoutDurationSeconds: 0, inHistory: 0, minLength: 0 };

/** Whether slapd enforces a lock stamp under this policy: pwdLockout TRUE, or a policy Nyckel can't see. */
export function enforcesLocks(policy: PasswordPolicy): boolean {
  return !policy.seen || policy.lockout;
}

export class PasswordPolicies {
  readonly #pool: LdapConnectionPool;
  readonly #configuredDn: string | null;
  readonly #cache = new Map<string, { policy: PasswordPolicy; readAt: number }>();

  constructor(pool: LdapConnectionPool, configuredDn: string | null) {
    this.#pool = pool;
    this.#configuredDn = configuredDn;
  }

  /** The policy of the account `entry`. */
  async of(entry: Entry): Promise<PasswordPolicy> {
    const dn = firstValue(entry, 'pwdPolicySubentry') ?? this.#configuredDn;
    if (dn === null) return UNSEEN;
    const cached = this.#cache.get(dn);
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
      seen: true,
      lockout: policyEntry !== undefined && firstValue(policyEntry, 'pwdLockout')?.toUpperCase() === 'TRUE',
      maxAgeSeconds: number('pwdMaxAge'),
      lockoutDurationSeconds: number('pwdLockoutDuration'),
      inHistory: number('pwdInHistory'),
      minLength: number('pwdMinLength'),
    };
    this.#cache.set(dn, { policy, readAt: now });
    return policy;
  }
}
