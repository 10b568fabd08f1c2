// The CampaignService (campaign.ts) on the store: creating and validating campaigns (an
// uploaded list is parsed and looked up here), starting and cancelling them with conditional
// UPDATEs, and the progress queries the pages show. The marking, notifying and reminding is the
// campaign job's (campaign-runner.ts); start() only hands a campaign over and wakes the job.

import type { Directory } from '../directory/directory.ts';
import type { Clock } from '../domain/clock.ts';
import { dateTimeFormat } from '../i18n/intl-formats.ts';
import type { Logger } from '../observability/logger.ts';
import { randomId } from '../security/tokens.ts';
import type { Store } from '../store/store.ts';
import {
  CAMPAIGN_CHANNELS,
  type Campaign,
  type CampaignActor,
  type CampaignFieldError,
  type CampaignProgress,
  type CampaignService,
  type CampaignTarget,
  type CreateCampaignInput,
  type CreateCampaignResult,
  DEADLINE_ACTIONS,
  type DepartmentProgress,
  type ListCampaignsOptions,
  type PendingMember,
  type PendingPage,
  type PendingPageOptions,
  type ProgressSnapshot,
  type UploadProblem,
  type UploadReport,
} from './campaign.ts';
import { countByDepartment, countProgress, type Db, getCampaignRow, insertMembers, pendingAfter, toCampaign } from './campaign-records.ts';
import { parseUpload, uploadReport } from './upload-list.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_TITLE_LENGTH = 200;
export const MAX_MESSAGE_LENGTH = 2_000;
const MAX_FILTER_LENGTH = 1_024;
const MAX_REMINDERS = 5;
const MAX_REMINDER_DAYS = 90;
/** Look-ups of an uploaded list run this many at a time (an LDAP server copes; 50,000 one by one would be slow). */
const LOOKUP_CONCURRENCY = 8;

export interface CampaignServiceDeps {
  store: Store;
  directory: Directory;
  clock: Clock;
  logger: Logger;
}

export class StoreCampaignService implements CampaignService {
  readonly #d: CampaignServiceDeps;
  readonly #db: Db;
  readonly #wake: Array<() => void> = [];

  constructor(deps: CampaignServiceDeps) {
    this.#d = deps;
    this.#db = deps.store.db;
  }

  checkUpload(text: string): UploadReport | { error: CampaignFieldError } {
    const parsed = parseUpload(text);
    if ('error' in parsed) return parsed;
    return uploadReport(parsed.lines, parsed.entries.length, parsed.problems);
  }

  async create(input: CreateCampaignInput, actor: CampaignActor): Promise<CreateCampaignResult> {
    const now = this.#d.clock.now().getTime();
    const errors = validate(input, now);
    // Offering a lock the directory can't take would leave the admin believing accounts get locked.
    if (input.deadlineAction === 'lock' && !this.#d.directory.canLock) errors.push({ field: 'deadlineAction', code: 'lock_unsupported' });
    let members: Array<{ id: string; username: string; displayName: string; department: string | null }> = [];
    let upload: UploadReport | null = null;
    if (input.target?.kind === 'list') {
      const resolved =
        typeof input.target.text === 'string'
          ? await this.#resolveList(input.target.text)
          : { error: { field: 'upload', code: 'upload_empty' } as const };
      if ('error' in resolved) errors.push(resolved.error);
      else {
        upload = resolved.report;
        members = resolved.members;
        // Nothing to do for nobody: an upload where no line is an account is refused.
        if (members.length === 0) errors.push({ field: 'upload', code: 'no_members' });
      }
    }
    if (errors.length > 0) return { ok: false, errors, upload };
    const id = randomId();
    const target = input.target;
    const reminders = [...new Set(input.reminderDaysBefore ?? [])].sort((a, b) => b - a);
    const message = (input.message ?? '').trim();
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('campaigns')
        .values({
          id,
          title: input.title.trim(),
          deadline: input.deadline.getTime(),
          target_kind: target.kind,
          target_value: target.kind === 'department' ? target.department.trim() : target.kind === 'group' ? target.group.trim() : null,
          list_entries: target.kind === 'list' ? members.length : null,
          message: message === '' ? null : message,
          channels: JSON.stringify([...new Set(input.channels)]),
          reminder_days: JSON.stringify(reminders),
          deadline_action: input.deadlineAction,
          status: 'draft',
          created_by: actor.accountId,
          created_at: now,
          started_by: null,
          started_at: null,
          resolve_cursor: null,
          // A list's members are known now; the other targets are walked by the job after start().
          members_resolved_at: target.kind === 'list' ? now : null,
          all_notified_at: null,
          deadline_action_at: null,
          completed_at: null,
          cancelled_at: null,
          refresh_cursor: null,
          last_snapshot_at: null,
        })
        .execute();
      if (members.length > 0) await insertMembers(trx, id, members);
    });
    const campaign = await this.get(id);
    if (campaign === null) throw new Error('the campaign just created could not be read back');
    await this.#audit('campaign.created', actor, campaign, {
      title: campaign.title,
      target: campaign.target.kind,
      deadline: campaign.deadline.toISOString(),
      deadlineAction: campaign.deadlineAction,
      channels: campaign.channels,
      ...(upload === null ? {} : { listLines: upload.lines, listAccounts: upload.accounts, listUnknown: upload.unknown }),
    });
    return { ok: true, campaign, upload };
  }

  /** Parses the list and looks every distinct entry up; the same account named twice is a duplicate. */
  async #resolveList(
    text: string,
  ): Promise<
    | { report: UploadReport; members: Array<{ id: string; username: string; displayName: string; department: string | null }> }
    | { error: CampaignFieldError }
  > {
    const parsed = parseUpload(text);
    if ('error' in parsed) return parsed;
    const problems: UploadProblem[] = [...parsed.problems];
    const found = new Array<Awaited<ReturnType<Directory['findAccount']>>>(parsed.entries.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        const entry = parsed.entries[i];
        if (entry === undefined) return;
        found[i] = await this.#d.directory.findAccount(entry.identifier);
      }
    };
    await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
    const byAccount = new Map<string, number>();
    const members: Array<{ id: string; username: string; displayName: string; department: string | null }> = [];
    parsed.entries.forEach((entry, i) => {
      const account = found[i];
      if (account == null) {
        problems.push({ line: entry.line, kind: 'unknown', entry: entry.shown });
        return;
      }
      const first = byAccount.get(account.id);
      if (first !== undefined) {
        problems.push({ line: entry.line, kind: 'duplicate', entry: entry.shown, firstLine: first });
        return;
      }
      byAccount.set(account.id, entry.line);
      members.push({ id: account.id, username: account.username, displayName: account.displayName, department: account.department });
    });
    return { report: uploadReport(parsed.lines, members.length, problems), members };
  }

  async start(id: string, actor: CampaignActor): Promise<boolean> {
    const now = this.#d.clock.now().getTime();
    // Only a draft starts, and only once: the status is the condition of the UPDATE.
    const result = await this.#db
      .updateTable('campaigns')
      .set({ status: 'running', started_by: actor.accountId, started_at: now })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    const campaign = await this.get(id);
    if (campaign !== null) await this.#audit('campaign.started', actor, campaign, { title: campaign.title, target: campaign.target.kind });
    for (const listener of this.#wake) {
      try {
        listener();
      } catch (error) {
        this.#d.logger.warn({ err: error }, 'the campaign job could not be woken; it starts at its next tick');
      }
    }
    return true;
  }

  async cancel(id: string, actor: CampaignActor): Promise<boolean> {
    const now = this.#d.clock.now().getTime();
    const result = await this.#db
      .updateTable('campaigns')
      .set({ status: 'cancelled', cancelled_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['draft', 'running'])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    const campaign = await this.get(id);
    if (campaign !== null) await this.#audit('campaign.cancelled', actor, campaign, { progress: await countProgress(this.#db, id) });
    return true;
  }

  async get(id: string): Promise<Campaign | null> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) return null;
    const row = await getCampaignRow(this.#db, id);
    return row === null ? null : toCampaign(row);
  }

  async list(options: ListCampaignsOptions = {}): Promise<Campaign[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
    let query = this.#db.selectFrom('campaigns').selectAll();
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(toCampaign);
  }

  async progress(id: string): Promise<CampaignProgress> {
    return await countProgress(this.#db, id);
  }

  async progressOverTime(id: string): Promise<ProgressSnapshot[]> {
    const rows = await this.#db.selectFrom('campaign_snapshots').selectAll().where('campaign_id', '=', id).orderBy('taken_at').execute();
    return rows.map((r) => ({
      at: new Date(Number(r.taken_at)),
      total: Number(r.total),
      changed: Number(r.changed),
      pending: Number(r.pending),
      locked: Number(r.locked),
    }));
  }

  async progressByDepartment(id: string): Promise<DepartmentProgress[]> {
    return await countByDepartment(this.#db, id);
  }

  async pendingPage(id: string, options: PendingPageOptions = {}): Promise<PendingPage> {
    const pageSize = Math.min(Math.max(Math.trunc(options.pageSize ?? 100), 1), 1_000);
    const after = decodeCursor(options.cursor ?? null);
    const rows = await pendingAfter(this.#db, id, after, pageSize + 1);
    const members = rows.slice(0, pageSize);
    const last = members.at(-1);
    return {
      members,
      nextCursor: rows.length > pageSize && last !== undefined ? Buffer.from(last.username, 'utf8').toString('base64url') : null,
    };
  }

  async *pending(id: string): AsyncIterable<PendingMember> {
    let after: string | null = null;
    for (;;) {
      const rows = await pendingAfter(this.#db, id, after, 1_000);
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < 1_000 || last === undefined) return;
      after = last.username;
    }
  }

  async isSignInBlocked(accountId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('campaign_members as m')
      .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
      .select('m.campaign_id')
      .where('m.account_id', '=', accountId)
      .where('m.locked', '=', 1)
      .where('m.changed_at', 'is', null)
      .where('c.status', 'in', ['running', 'completed'])
      .where('c.deadline_action', 'in', ['block_sign_in', 'lock'])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async noteChanged(accountId: string): Promise<void> {
    const now = this.#d.clock.now().getTime();
    // Only members already marked: a change before the mark doesn't answer the campaign's request.
    await this.#db
      .updateTable('campaign_members')
      .set({ changed_at: now, locked: 0 })
      .where('account_id', '=', accountId)
      .where('changed_at', 'is', null)
      .where('state', 'in', ['marked', 'notifying', 'notified'])
      .where('campaign_id', 'in', (eb) => eb.selectFrom('campaigns').select('id').where('status', 'in', ['running', 'completed']))
      .execute();
  }

  onWake(listener: () => void): void {
    this.#wake.push(listener);
  }

  async #audit(type: string, actor: CampaignActor, campaign: Campaign, detail: Record<string, unknown>): Promise<void> {
    await this.#d.store.appendAudit(
      {
        type,
        actor: actor.accountId,
        subject: null,
        ip: actor.ip,
        outcome: 'success',
        detail: {
          campaignId: campaign.id,
          agent: actor.username,
          ...(actor.reason === undefined ? {} : { reason: actor.reason }),
          ...detail,
        },
      },
      this.#d.clock.now(),
    );
  }
}

/**
 * The deadline for a date picked in a form (YYYY-MM-DD): the end of that day (23:59:59.999) in
 * Sweden, summer or winter time. Null for anything that isn't a real date.
 */
export function endOfDayInSweden(date: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typeof date === 'string' ? date.trim() : '');
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utcGuess = Date.UTC(year, month - 1, day, 23, 59, 59, 999);
  const check = new Date(utcGuess);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  // Stockholm's offset at that moment (+1 h or +2 h), read from the time zone database.
  const parts = dateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', hour: '2-digit', hourCycle: 'h23' }).formatToParts(check);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0');
  const offsetHours = (hour - 23 + 24) % 24;
  return new Date(utcGuess - offsetHours * 3_600_000);
}

function decodeCursor(cursor: string | null): string | null {
  if (cursor === null || cursor === '' || cursor.length > 2_048) return null;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** Field errors for everything but the list's contents (resolved separately). */
function validate(input: CreateCampaignInput, now: number): CampaignFieldError[] {
  const errors: CampaignFieldError[] = [];
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title === '') errors.push({ field: 'title', code: 'required' });
  else if (title.length > MAX_TITLE_LENGTH) errors.push({ field: 'title', code: 'too_long' });
  const deadline = input.deadline instanceof Date ? input.deadline.getTime() : Number.NaN;
  if (Number.isNaN(deadline)) errors.push({ field: 'deadline', code: 'required' });
  // At least an hour: people need time to act, and the job time to notify them first.
  else if (deadline < now + HOUR_MS) errors.push({ field: 'deadline', code: 'in_past' });
  else if (deadline > now + 365 * DAY_MS) errors.push({ field: 'deadline', code: 'too_far' });
  errors.push(...validateTarget(input.target));
  if (input.message != null && (typeof input.message !== 'string' || input.message.trim().length > MAX_MESSAGE_LENGTH)) {
    errors.push({ field: 'message', code: 'too_long' });
  }
  if (!Array.isArray(input.channels) || input.channels.length === 0) errors.push({ field: 'channels', code: 'no_channel' });
  else if (input.channels.some((c) => !CAMPAIGN_CHANNELS.includes(c))) errors.push({ field: 'channels', code: 'invalid' });
  const reminders = input.reminderDaysBefore ?? [];
  if (
    !Array.isArray(reminders) ||
    reminders.length > MAX_REMINDERS ||
    reminders.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_REMINDER_DAYS)
  ) {
    errors.push({ field: 'reminderDaysBefore', code: 'invalid' });
  }
  if (!DEADLINE_ACTIONS.includes(input.deadlineAction)) errors.push({ field: 'deadlineAction', code: 'invalid' });
  return errors;
}

function validateTarget(target: CampaignTarget | undefined): CampaignFieldError[] {
  if (target === undefined || target === null || typeof target !== 'object') return [{ field: 'target', code: 'required' }];
  switch (target.kind) {
    case 'everyone':
    case 'list':
      return [];
    case 'department':
    case 'group': {
      const value = target.kind === 'department' ? target.department : target.group;
      if (typeof value !== 'string' || value.trim() === '') return [{ field: 'target', code: 'required' }];
      if (value.length > MAX_FILTER_LENGTH || /\p{Cc}/u.test(value)) return [{ field: 'target', code: 'invalid' }];
      return [];
    }
    default:
      return [{ field: 'target', code: 'invalid' }];
  }
}
