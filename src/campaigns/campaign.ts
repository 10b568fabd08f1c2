// Leak-response campaigns: the types and the service interface the admin pages call. A campaign
// requires a set of accounts (everyone, a department, a directory group, or an uploaded list of
// leaked usernames / e-mail addresses) to change password by a deadline. Starting one hands it
// to the campaign job (src/jobs/campaign-job.ts), which resolves the members, marks them
// must-change in the directory in rate-limited batches, notifies each once, ends their portal
// sessions, refreshes progress, sends reminders and runs the deadline action. Every step is a
// per-member state transition in the store (conditional UPDATE), so a crash or a second
// instance never marks or notifies anyone twice. The implementation is campaign-service.ts.

/** Who a campaign targets. */
export type CampaignTarget =
  | { kind: 'everyone' }
  /** Accounts whose directory department is exactly this (case-insensitive). */
  | { kind: 'department'; department: string }
  /** Members of a directory group (embedded: the group name; OpenLDAP / AD: the group's DN). */
  | { kind: 'group'; group: string }
  /**
   * An uploaded list of usernames or e-mail addresses, one per line (a CSV's first column is
   * used; a header line `username`/`email`/`identifier` is skipped). Up to MAX_UPLOAD_LINES
   * lines and MAX_UPLOAD_BYTES bytes. Resolved when the campaign is created; the problems are
   * returned in CreateCampaignResult.upload.
   */
  | { kind: 'list'; text: string };

/** The stored form of a target: a list is kept only as its size (the members are the resolved accounts). */
export type StoredCampaignTarget =
  | { kind: 'everyone' }
  | { kind: 'department'; department: string }
  | { kind: 'group'; group: string }
  | { kind: 'list'; entries: number };

/**
 * Where notifications and reminders go. `email`: the user's registered private e-mail
 * addresses; `sms`: registered phones, else the directory's mobile; `work_email`: the
 * directory's (work) e-mail address. A member with none of the chosen channels is counted as
 * `unreachable` in the progress.
 */
export type CampaignChannel = 'email' | 'sms' | 'work_email';
export const CAMPAIGN_CHANNELS: readonly CampaignChannel[] = ['email', 'sms', 'work_email'];

/**
 * What happens to members who haven't changed their password at the deadline.
 * - `none`: nothing (they stay must-change in the directory).
 * - `block_sign_in`: Nyckel refuses them self-service sign-in with the old password until they
 *   reset it (CampaignService.isSignInBlocked, for the sign-in flow); enforced in Nyckel only.
 * - `lock`: the sign-in block, and the account locked in the directory (Directory.lock: no
 *   sign-in anywhere until a reset or an unlock lifts it), in batches, once per member. Only
 *   where the directory can lock (`Directory.canLock`; Active Directory can't): create() refuses
 *   it otherwise with `lock_unsupported`. A campaign with `lock` that meets a directory that
 *   can't lock (the directory was changed since) gets the sign-in block only, and the audit
 *   event says so (`detail.fallback = 'block_sign_in'`).
 */
export type DeadlineAction = 'none' | 'block_sign_in' | 'lock';
export const DEADLINE_ACTIONS: readonly DeadlineAction[] = ['none', 'block_sign_in', 'lock'];

/**
 * Campaign life cycle: `draft` (created, nothing done to anyone) → `running` (started: the job
 * resolves members, marks, notifies, refreshes, reminds) → `completed` (deadline passed, the
 * deadline action done; progress is still refreshed for the report) — or `cancelled` (from
 * draft or running: no further marking, notifying, reminders or deadline action; accounts
 * already marked stay must-change in the directory).
 */
export type CampaignStatus = 'draft' | 'running' | 'completed' | 'cancelled';

export interface Campaign {
  id: string;
  title: string;
  /** Members must have changed their password by this moment (for a date from a form, use endOfDayInSweden() in campaign-service.ts). */
  deadline: Date;
  target: StoredCampaignTarget;
  /** Optional extra text added to the notification and reminders (plain text, max 2,000 characters). */
  message: string | null;
  channels: CampaignChannel[];
  /** Reminders, in whole days before the deadline, each sent once per member (e.g. [7, 2]); sorted descending, no duplicates. */
  reminderDaysBefore: number[];
  deadlineAction: DeadlineAction;
  status: CampaignStatus;
  /** Account id of the admin who created it. */
  createdBy: string;
  createdAt: Date;
  startedBy: string | null;
  startedAt: Date | null;
  /** When every member had been found (the directory walk or the list); null before. */
  membersResolvedAt: Date | null;
  /** When every member had been marked and notified; null before. */
  allNotifiedAt: Date | null;
  /** When the deadline action ran; null before. */
  deadlineActionAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
}

/** What the create form sends. Validate nothing yourself: create() answers with field errors. */
export interface CreateCampaignInput {
  title: string;
  /** The deadline; must be in the future (at least an hour from now). */
  deadline: Date;
  target: CampaignTarget;
  message?: string | null;
  channels: CampaignChannel[];
  reminderDaysBefore?: number[];
  deadlineAction: DeadlineAction;
}

/** The admin acting, for the audit log (actor = accountId, detail.agent = username). */
export interface CampaignActor {
  accountId: string;
  username: string;
  ip: string | null;
  /** Why (staff actions are audited with a reason): in the campaign.started / .cancelled event's detail. */
  reason?: string;
}

/** A field the create form must show an error on; `code` is a message key suffix for the catalog. */
export interface CampaignFieldError {
  field: 'title' | 'deadline' | 'target' | 'message' | 'channels' | 'reminderDaysBefore' | 'deadlineAction' | 'upload';
  code:
    | 'required'
    | 'too_long'
    | 'in_past'
    | 'too_far'
    | 'invalid'
    | 'no_channel'
    | 'upload_too_large'
    | 'upload_too_many_lines'
    | 'upload_binary'
    | 'upload_empty'
    | 'no_members'
    /** deadlineAction `lock` on a directory that can't lock accounts (Directory.canLock is false). */
    | 'lock_unsupported';
}

/** One problem line in an uploaded list. Lines are 1-based. */
export interface UploadProblem {
  line: number;
  /**
   * `malformed`: not a plausible username or e-mail address (or an over-long line);
   * `duplicate`: the same identifier, or another identifier of the same account, appeared on an
   * earlier line (`firstLine`); `unknown`: no account has this username or e-mail address.
   */
  kind: 'malformed' | 'duplicate' | 'unknown';
  /**
   * The entry as uploaded, trimmed, cut to 80 characters, with control characters replaced by
   * U+FFFD: only what the admin uploaded, never anything read from the directory (so the report
   * reveals nothing about other accounts beyond "unknown").
   */
  entry: string;
  /** For duplicates: the line the entry (or its account) first appeared on. */
  firstLine?: number;
}

export interface UploadReport {
  /** Non-empty lines read (the header line excluded). */
  lines: number;
  /** Distinct accounts found. */
  accounts: number;
  malformed: number;
  duplicates: number;
  unknown: number;
  /** The first MAX_REPORTED_PROBLEMS problems, in line order; the counts above are complete. */
  problems: UploadProblem[];
  /** True when more problems exist than were listed. */
  problemsTruncated: boolean;
}

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
export const MAX_UPLOAD_LINES = 50_000;
export const MAX_REPORTED_PROBLEMS = 200;

export type CreateCampaignResult =
  | { ok: true; campaign: Campaign; upload: UploadReport | null }
  | { ok: false; errors: CampaignFieldError[]; upload: UploadReport | null };

/** Progress counts. Every member is exactly one of changed / pending / locked / skipped. */
export interface CampaignProgress {
  /** Members (accounts) in the campaign so far (grows while the directory walk runs). */
  total: number;
  /** Changed their password after being marked. */
  changed: number;
  /** Not changed yet, and not blocked/locked by the deadline action. */
  pending: number;
  /** Not changed, and blocked or locked by the deadline action. */
  locked: number;
  /** Could not be marked (the account disappeared, or the directory refused): not counted as pending. */
  skipped: number;
  /** Of the members: marked must-change in the directory so far. */
  marked: number;
  /** Of the members: notified so far (whether or not a channel reached them). */
  notified: number;
  /** Of the notified: no chosen channel had an address, or every send failed. */
  unreachable: number;
}

/** One point of the progress chart. */
export interface ProgressSnapshot {
  at: Date;
  total: number;
  changed: number;
  pending: number;
  locked: number;
}

export interface DepartmentProgress {
  /** null: accounts with no department in the directory. */
  department: string | null;
  total: number;
  changed: number;
  pending: number;
  locked: number;
}

/** A member who still has to change (for the table and the CSV export). */
export interface PendingMember {
  accountId: string;
  username: string;
  displayName: string;
  department: string | null;
  /** 'marked' / 'notified' while the campaign runs; 'pending_mark' before the job reached them. */
  state: MemberState;
  /** Blocked or locked by the deadline action. */
  locked: boolean;
  notifiedAt: Date | null;
}

/**
 * A member's steps, each taken once by a conditional UPDATE: `pending_mark` → `marking` (claimed;
 * on resume the directory's must-change flag tells whether the mark landed) → `marked` →
 * `notifying` (claimed; a crash here is never re-sent) → `notified`; or `skipped`.
 */
export type MemberState = 'pending_mark' | 'marking' | 'marked' | 'notifying' | 'notified' | 'skipped';

export interface ListCampaignsOptions {
  /** Default 50, at most 200. Newest first. */
  limit?: number;
  status?: CampaignStatus;
}

export interface PendingPageOptions {
  /** From the previous page's nextCursor. */
  cursor?: string | null;
  /** Default 100, at most 1,000. */
  pageSize?: number;
}

export interface PendingPage {
  members: PendingMember[];
  nextCursor: string | null;
}

export interface CampaignService {
  /**
   * Parses an upload only (no directory look-ups, no store writes): counts lines and finds
   * malformed and duplicate entries. For a preview; create() does the full check with unknowns.
   */
  checkUpload(text: string): UploadReport | { error: CampaignFieldError };

  /**
   * Creates a draft campaign (audit campaign.created). A list target is resolved here (its
   * members are stored; unknown/duplicate/malformed lines come back in `upload`); an upload
   * where no line matches an account is refused with code 'no_members'. Nothing happens to any
   * account until start().
   */
  create(input: CreateCampaignInput, actor: CampaignActor): Promise<CreateCampaignResult>;

  /**
   * Starts a draft campaign (audit campaign.started) and wakes the campaign job; the marking,
   * notifying and session ending happen in the job, in batches. Answers false when the campaign
   * is not a draft (already started, cancelled) or doesn't exist.
   */
  start(id: string, actor: CampaignActor): Promise<boolean>;

  /** Cancels a draft or running campaign (audit campaign.cancelled). False when already completed/cancelled or unknown. */
  cancel(id: string, actor: CampaignActor): Promise<boolean>;

  get(id: string): Promise<Campaign | null>;
  list(options?: ListCampaignsOptions): Promise<Campaign[]>;

  /** Current counts from the store (no directory calls; the job refreshes "changed" in the background). */
  progress(id: string): Promise<CampaignProgress>;
  /** Snapshots for the chart, oldest first (at most one per `CampaignEngineOptions.snapshotEveryMs`, plus start and end). */
  progressOverTime(id: string): Promise<ProgressSnapshot[]>;
  /** Counts by department, sorted by department name (null last). */
  progressByDepartment(id: string): Promise<DepartmentProgress[]>;
  /** Members still to change, by username, a page at a time. */
  pendingPage(id: string, options?: PendingPageOptions): Promise<PendingPage>;
  /** Every member still to change, by username, read from the store in pages (for the CSV export: stream it). */
  pending(id: string): AsyncIterable<PendingMember>;

  /**
   * True when a running/completed campaign's deadline action blocks this account's
   * self-service sign-in (until a reset clears it). For the sign-in flow.
   */
  isSignInBlocked(accountId: string): Promise<boolean>;

  /**
   * Records at once that an account changed its password through Nyckel (reset, change), so
   * progress doesn't wait for the job's refresh; also lifts a sign-in block. Called by the
   * Directory wrapper in services; harmless for accounts in no campaign.
   */
  noteChanged(accountId: string): Promise<void>;

  /** Registers the job's wake-up (start() calls it so the work begins without waiting for the next tick). */
  onWake(listener: () => void): void;
}
