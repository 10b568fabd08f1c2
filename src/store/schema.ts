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
  /** The department NFC-normalised, trimmed and lower-cased (migration 0007): what listing by department compares. */
  department_key: string | null;
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

/** Embedded-directory group membership (migration 0007): the name as given, compared by its key. */
export interface AccountGroupsTable {
  account_id: string;
  group_name: string;
  /** The name NFC-normalised, trimmed and lower-cased. */
  group_key: string;
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
  /** The previous event's hash (64 zeros for the first): the chain, see src/audit/audit-chain.ts. */
  prev_hash: string;
  /** SHA-256(prev_hash || canonical event), hex. */
  hash: string;
}

/** One row (id 1): the last event of the audit chain. Appends lock it, so they stay in order across instances. */
export interface AuditChainHeadTable {
  id: number;
  last_id: number | null;
  last_hash: string;
}

/** A lease per scheduled job, so it runs on one instance at a time. */
export interface JobLocksTable {
  name: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface SecurityMethodsTable {
  id: string;
  account_id: string;
  /** 'totp' | 'sms' | 'email' | 'passkey' | 'recovery_codes' */
  kind: string;
  label: string;
  /** E.164 number (sms) or e-mail address (email). */
  target: string | null;
  /** TOTP seed, encrypted by the secret box. */
  secret: string | null;
  is_default: number;
  totp_last_step: number | null;
  /** Passkeys: base64url credential id, COSE public key (base64url), signature counter, transports (JSON). */
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: string | null;
  /** JSON: extra facts about a method (passkey device type, backup state). */
  data: string;
  created_at: number;
  last_used_at: number | null;
}

export interface TotpEnrollmentsTable {
  id: string;
  account_id: string;
  secret: string;
  label: string;
  created_at: number;
  expires_at: number;
}

export interface CodeChallengesTable {
  id: string;
  account_id: string;
  method_id: string | null;
  purpose: string;
  channel: string;
  target: string;
  /** HMAC-SHA256 of the code with the server key. */
  code_hash: string;
  attempts: number;
  max_attempts: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  account_id: string;
  method_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface TemporaryPassesTable {
  id: string;
  account_id: string;
  pass_hash: string;
  single_use: number;
  issued_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  use_count: number;
}

/** Hashes of passwords Nyckel set in an external directory (Active Directory), for its own history check. */
export interface DirectoryPasswordHistoryTable {
  id: Generated<number>;
  account_key: string;
  /** argon2id PHC string. */
  password_hash: string;
  created_at: number;
}

/** WebAuthn challenges: one per ceremony and session, single use, expiring. */
export interface WebauthnChallengesTable {
  id: string;
  /** `passkey.challenge.<ceremony>.<session id hash>`. */
  binding_key: string;
  challenge: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Self-service reset flows (migration 0004); each step consumes its row and writes the next. */
export interface ResetFlowsTable {
  id: string;
  /** SHA-256 of the secret half of the flow cookie. */
  secret_hash: string;
  account_id: string | null;
  /** JSON of the flow's state. */
  state: string;
  language: string;
  started_at: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface ResetCodeSendsTable {
  id: string;
  challenge_id: string | null;
  created_at: number;
  expires_at: number;
}

/** Captcha challenges already accepted (each is accepted once). */
export interface CaptchaUsesTable {
  id: string;
  expires_at: number;
}

/** Expiry reminders sent (migration 0009): one per account, expiry date and threshold; the key makes each a one-time claim. */
export interface ExpiryRemindersSentTable {
  account_id: string;
  expires_at: number;
  days_before: number;
  sent_at: number;
}

/** Leak-response campaigns (migration 0008). Channels and reminder days are JSON arrays. */
export interface CampaignsTable {
  id: string;
  title: string;
  deadline: number;
  target_kind: string;
  target_value: string | null;
  list_entries: number | null;
  message: string | null;
  channels: string;
  reminder_days: string;
  deadline_action: string;
  status: string;
  created_by: string;
  created_at: number;
  started_by: string | null;
  started_at: number | null;
  resolve_cursor: string | null;
  members_resolved_at: number | null;
  all_notified_at: number | null;
  deadline_action_at: number | null;
  completed_at: number | null;
  cancelled_at: number | null;
  refresh_cursor: string | null;
  last_snapshot_at: number | null;
}

/** One account in a campaign and the step it has reached (each step a conditional UPDATE). */
export interface CampaignMembersTable {
  campaign_id: string;
  account_id: string;
  username: string;
  display_name: string;
  department: string | null;
  state: string;
  marked_at: number | null;
  notified_at: number | null;
  notify_outcome: string | null;
  changed_at: number | null;
  locked: Generated<number>;
  skipped_reason: string | null;
  /** The deadline action `lock` in the directory: pending | locking | locked | failed; null when not concerned (migration 0010). */
  directory_lock: string | null;
}

/** Campaign reminders sent: the key makes each (campaign, account, threshold) a one-time claim. */
export interface CampaignRemindersSentTable {
  campaign_id: string;
  account_id: string;
  days_before: number;
  sent_at: number;
  outcome: string;
}

/** Campaign progress over time, for the chart. */
export interface CampaignSnapshotsTable {
  campaign_id: string;
  taken_at: number;
  total: number;
  changed: number;
  pending: number;
  locked: number;
}

export interface Database {
  accounts: AccountsTable;
  account_groups: AccountGroupsTable;
  password_history: PasswordHistoryTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  job_locks: JobLocksTable;
  settings: SettingsTable;
  directory_password_history: DirectoryPasswordHistoryTable;
  security_methods: SecurityMethodsTable;
  totp_enrollments: TotpEnrollmentsTable;
  code_challenges: CodeChallengesTable;
  recovery_codes: RecoveryCodesTable;
  temporary_passes: TemporaryPassesTable;
  webauthn_challenges: WebauthnChallengesTable;
  reset_flows: ResetFlowsTable;
  reset_code_sends: ResetCodeSendsTable;
  captcha_uses: CaptchaUsesTable;
  expiry_reminders_sent: ExpiryRemindersSentTable;
  campaigns: CampaignsTable;
  campaign_members: CampaignMembersTable;
  campaign_reminders_sent: CampaignRemindersSentTable;
  campaign_snapshots: CampaignSnapshotsTable;
}
