// Table types for Kysely. The same tables on SQLite and PostgreSQL: times are integer
// milliseconds since the epoch (bigint), flags are 0/1 integers, JSON is text.

import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  /** Lower-cased; unique. */
  username: string;
  /** Lower-cased work address; unique when present. */
  email: string | null;
  display_name: string;
  department: string | null;
  /** E.164 */
  mobile: string | null;
  privileged: number;
  disabled: number;
  password_hash: string | null;
  password_changed_at: number | null;
  must_change: number;
  failed_attempts: number;
  locked_until: number | null;
  created_at: number;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  account_id: string;
  password_hash: string;
  created_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the session secret: a leaked database does not give live sessions. */
  id_hash: string;
  account_id: string;
  /** Second-step level reached etc. in later issues; JSON. */
  data: string;
  created_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  actor: string | null;
  subject: string | null;
  ip: string | null;
  outcome: string;
  detail: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  accounts: AccountsTable;
  password_history: PasswordHistoryTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
}
