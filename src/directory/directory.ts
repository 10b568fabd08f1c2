// The Directory port: everything Nyckel asks of the organisation's directory. Adapters:
// embedded (the store's own accounts table), OpenLDAP, Active Directory. Flows depend on this
// interface only. One contract suite (directory.contract.ts) runs against every adapter.

export interface DirectoryAccount {
  /** Stable identifier within the adapter (embedded: a random id; LDAP: the entry's DN). */
  id: string;
  username: string;
  email: string | null;
  displayName: string;
  department: string | null;
  /** E.164 */
  mobile: string | null;
}

export interface AccountState {
  isLocked: boolean;
  /** When a timed lockout ends by itself; null when locked until unlocked, or not locked. */
  lockedUntil: Date | null;
  isDisabled: boolean;
  mustChange: boolean;
  isExpired: boolean;
  passwordChangedAt: Date | null;
  /** null when the password never expires. */
  passwordExpiresAt: Date | null;
  /** Privileged accounts are refused by self-service and go through the helpdesk. */
  isPrivileged: boolean;
}

/**
 * Outcome of checking a password. `ok`, `expired` and `must_change` mean the password was
 * right; the last two send the user to change it. `invalid` covers unknown accounts too.
 */
export type AuthenticationResult =
  | { outcome: 'ok' | 'expired' | 'must_change'; account: DirectoryAccount }
  | { outcome: 'invalid' | 'locked' | 'disabled'; account: DirectoryAccount | null };

export interface AccountPage {
  accounts: DirectoryAccount[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ListAccountsOptions {
  pageSize: number;
  cursor?: string | null;
  /** A group name (embedded) or DN (OpenLDAP, AD). */
  group?: string;
  department?: string;
}

/** Why a new password was refused, in terms the message catalog can explain. */
export type PasswordRejection =
  | { rule: 'too_short'; minLength: number }
  | { rule: 'too_long'; maxLength: number }
  | { rule: 'in_history'; historySize: number }
  | { rule: 'same_as_current' }
  | { rule: 'directory_policy'; reason: string };

export interface Directory {
  readonly kind: 'embedded' | 'ldap' | 'active-directory';

  /** Finds an account by username or e-mail address (case-insensitive). */
  findAccount(identifier: string): Promise<DirectoryAccount | null>;
  getAccount(id: string): Promise<DirectoryAccount | null>;
  readState(id: string): Promise<AccountState>;

  /**
   * Checks a password, counting failures toward the directory's lockout. Takes about the
   * same time whether or not the account exists (no enumeration by timing).
   */
  authenticate(identifier: string, password: string): Promise<AuthenticationResult>;

  /** Sets a password as the service (reset). Throws NyckelError 'policy_violation' with detail.rejection. */
  setPassword(id: string, newPassword: string, options?: { mustChange?: boolean }): Promise<void>;
  /** Changes a password as the user, old and new. Throws 'invalid_credentials' or 'policy_violation'. */
  changePassword(id: string, oldPassword: string, newPassword: string): Promise<void>;
  /** Lifts a lock: one after failed attempts, and one put on by lock(). */
  unlock(id: string): Promise<void>;
  requireChange(id: string): Promise<void>;
  /**
   * Whether lock() works on this directory: true for embedded and OpenLDAP, false for Active
   * Directory. Callers check it before offering or calling lock() (a campaign's deadline action).
   */
  readonly canLock: boolean;
  /**
   * Locks the account until it is unlocked: no password signs in, wherever the directory checks
   * it, until unlock(id) or a reset (setPassword) lifts it, as for a lockout after failed
   * attempts. readState then answers `isLocked: true, lockedUntil: null` (not disabled).
   * Locking a locked account is harmless; a lock an administrator put on in the directory stays
   * as it is. Throws 'account_not_found' for an unknown id, and 'internal' when `canLock` is false.
   */
  lock(id: string): Promise<void>;
  /**
   * Accounts page by page, in a stable order (campaigns and reports walk every account). With
   * `group`, only that group's members (nested membership included where the directory can
   * tell); with `department`, only accounts whose department is exactly that (case-insensitive).
   */
  listAccounts(options: ListAccountsOptions): Promise<AccountPage>;
  /**
   * The groups the account belongs to, nested ones included where the directory can tell
   * (embedded: group names; OpenLDAP and AD: group DNs). Staff roles are granted by group.
   */
  groupsOf(id: string): Promise<string[]>;

  /** Throws NyckelError 'directory_unavailable' when the directory can't be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
