// The campaign engine's work, one pass at a time (the campaign job runs it under a JobLock):
// for each running campaign, find the members (a directory walk, resumed from its cursor), mark
// them must-change in rate-limited batches, end their portal sessions and notify each once,
// refresh who has changed, send due reminders once each, and at the deadline run the deadline
// action once (for `lock`, the directory locks in batches too, each member once). Every member
// step is a conditional UPDATE from the state before it, and a pass first settles the steps a
// killed pass left half-done: a `marking` member is marked only if the directory doesn't already
// show must-change; a `notifying` member is never notified again (we can't know whether the
// message left, and twice is worse than an "unknown" in the report).

import type { Config } from '../config/schema.ts';
import type { Directory, DirectoryAccount } from '../directory/directory.ts';
import type { Clock } from '../domain/clock.ts';
import { isNyckelError } from '../domain/errors.ts';
import { renderPasswordChangeRequired, toEmail, toSms } from '../messaging/message-templates.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { listMethodRecords } from '../methods/security-info-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import type { Campaign, CampaignChannel } from './campaign.ts';
import { deadlineCounts, lockPendingInDirectory } from './campaign-directory-lock.ts';
import {
  changedSinceMark,
  countProgress,
  type Db,
  getCampaignRow,
  insertMembers,
  membersInState,
  recordChanged,
  stillRunning,
  toCampaign,
  transition,
} from './campaign-records.ts';

const DAY_MS = 86_400_000;
const RESOLVE_PAGE_SIZE = 500;
/** A completed campaign's progress is still refreshed this long after its deadline (late changers count). */
const REFRESH_AFTER_DEADLINE_MS = 30 * DAY_MS;

export interface CampaignEngineDeps {
  store: Store;
  directory: Directory;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'organisation' | 'server' | 'i18n'>;
}

export interface CampaignEngineOptions {
  /** Members marked (and then notified) per batch. Default 100. */
  batchSize: number;
  /** Pause between batches, so the directory and the gateways aren't flooded. Default 200 ms (≤ 500 accounts a second). */
  batchPauseMs: number;
  /** Members whose "changed yet?" state is read from the directory per pass and campaign. Default 1,000. */
  refreshBatchSize: number;
  /** A progress snapshot at most this often (plus one when marking ends and one at completion). Default 15 minutes. */
  snapshotEveryMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: CampaignEngineOptions = {
  batchSize: 100,
  batchPauseMs: 200,
  refreshBatchSize: 1_000,
  snapshotEveryMs: 15 * 60_000,
};

export interface CampaignRunResult {
  resolved: number;
  marked: number;
  notified: number;
  skipped: number;
  changed: number;
  reminders: number;
  deadlineActions: number;
  /** Members locked in the directory by a `lock` deadline action. */
  directoryLocked: number;
  completed: number;
}

/** Between batches: false stops the pass (the lease was lost, or the process is shutting down). */
export type KeepGoing = () => Promise<boolean>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CampaignRunner {
  readonly #d: CampaignEngineDeps;
  readonly #o: CampaignEngineOptions;
  readonly #db: Db;

  constructor(deps: CampaignEngineDeps, options: Partial<CampaignEngineOptions> = {}) {
    this.#d = deps;
    this.#o = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    this.#db = deps.store.db;
  }

  /** One pass over every running campaign (and recently completed ones, for the refresh). */
  async runOnce(keepGoing: KeepGoing = async () => true): Promise<CampaignRunResult> {
    const result: CampaignRunResult = {
      resolved: 0,
      marked: 0,
      notified: 0,
      skipped: 0,
      changed: 0,
      reminders: 0,
      deadlineActions: 0,
      directoryLocked: 0,
      completed: 0,
    };
    const now = this.#d.clock.now().getTime();
    const rows = await this.#db
      .selectFrom('campaigns')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('status', '=', 'running'),
          eb.and([eb('status', '=', 'completed'), eb('deadline', '>', now - REFRESH_AFTER_DEADLINE_MS)]),
        ]),
      )
      .orderBy('created_at')
      .execute();
    for (const row of rows) {
      const campaign = toCampaign(row);
      if (campaign.status === 'completed') {
        result.changed += await this.refresh(campaign, this.#o.refreshBatchSize);
        await this.#snapshot(campaign.id, false);
        continue;
      }
      if (!(await this.#runCampaign(campaign, result, keepGoing))) break;
    }
    return result;
  }

  /** Runs one campaign's steps; false when the pass must stop (lease lost). */
  async #runCampaign(campaign: Campaign, result: CampaignRunResult, keepGoing: KeepGoing): Promise<boolean> {
    if (campaign.membersResolvedAt === null) {
      const walk = await this.#resolve(campaign, keepGoing);
      result.resolved += walk.added;
      if (!walk.done) return false;
    }
    await this.#recover(campaign, result);
    if (campaign.allNotifiedAt === null) {
      const outcome = await this.#markAndNotify(campaign, result, keepGoing);
      if (outcome === 'stopped') return false;
      // Cancelled meanwhile: nothing more for this one (no reminders, no deadline action).
      if (outcome === 'cancelled') return true;
    }
    result.changed += await this.refresh(campaign, this.#o.refreshBatchSize);
    result.reminders += await this.#reminders(campaign, keepGoing);
    const deadline = await this.#deadline(campaign, result, keepGoing);
    if (deadline === 'stopped') return false;
    if (deadline === 'not_yet') await this.#snapshot(campaign.id, false);
    return true;
  }

  /** Walks the directory from the saved cursor, inserting members; `done` when the walk reached its end. */
  async #resolve(campaign: Campaign, keepGoing: KeepGoing): Promise<{ added: number; done: boolean }> {
    const row = await getCampaignRow(this.#db, campaign.id);
    let cursor = row?.resolve_cursor ?? null;
    const target = campaign.target;
    let added = 0;
    for (;;) {
      const page = await this.#d.directory.listAccounts({
        pageSize: RESOLVE_PAGE_SIZE,
        cursor,
        ...(target.kind === 'group' ? { group: target.group } : {}),
        ...(target.kind === 'department' ? { department: target.department } : {}),
      });
      await insertMembers(this.#db, campaign.id, page.accounts);
      added += page.accounts.length;
      cursor = page.nextCursor;
      const now = this.#d.clock.now().getTime();
      await this.#db
        .updateTable('campaigns')
        .set(cursor === null ? { resolve_cursor: null, members_resolved_at: now } : { resolve_cursor: cursor })
        .where('id', '=', campaign.id)
        .where('members_resolved_at', 'is', null)
        .execute();
      if (cursor === null) break;
      if (!(await keepGoing())) return { added, done: false };
    }
    campaign.membersResolvedAt = this.#d.clock.now();
    this.#d.logger.info({ campaign: campaign.id, members: added }, 'campaign members found');
    return { added, done: true };
  }

  /** Settles the steps a killed pass left half-done (see the header). */
  async #recover(campaign: Campaign, result: CampaignRunResult): Promise<void> {
    for (;;) {
      const rows = await membersInState(this.#db, campaign.id, 'marking', this.#o.batchSize);
      if (rows.length === 0) break;
      for (const r of rows) {
        const outcome = await this.#markOne(campaign.id, r.account_id, true);
        if (outcome === 'marked') result.marked++;
        else if (outcome === 'skipped') result.skipped++;
      }
    }
    for (;;) {
      const rows = await membersInState(this.#db, campaign.id, 'notifying', this.#o.batchSize);
      if (rows.length === 0) break;
      for (const r of rows) {
        await transition(this.#db, campaign.id, r.account_id, 'notifying', 'notified', {
          notified_at: this.#d.clock.now().getTime(),
          notify_outcome: 'unknown',
        });
      }
    }
  }

  /** Marks and notifies in batches until nobody is left, the pass is stopped, or the campaign is cancelled. */
  async #markAndNotify(campaign: Campaign, result: CampaignRunResult, keepGoing: KeepGoing): Promise<'done' | 'stopped' | 'cancelled'> {
    let batch = 0;
    for (;;) {
      if (!(await stillRunning(this.#db, campaign.id))) return 'cancelled';
      const toMark = await membersInState(this.#db, campaign.id, 'pending_mark', this.#o.batchSize);
      const counts = { marked: 0, skipped: 0, notified: 0, unreachable: 0 };
      for (const r of toMark) {
        if (!(await transition(this.#db, campaign.id, r.account_id, 'pending_mark', 'marking'))) continue;
        const outcome = await this.#markOne(campaign.id, r.account_id, false);
        if (outcome === 'marked') counts.marked++;
        else counts.skipped++;
      }
      const toNotify = await membersInState(this.#db, campaign.id, 'marked', this.#o.batchSize);
      for (const r of toNotify) {
        if (!(await transition(this.#db, campaign.id, r.account_id, 'marked', 'notifying'))) continue;
        const outcome = await this.#notifyOne(campaign, r.account_id, undefined);
        await transition(this.#db, campaign.id, r.account_id, 'notifying', 'notified', {
          notified_at: this.#d.clock.now().getTime(),
          notify_outcome: outcome,
        });
        counts.notified++;
        if (outcome === 'unreachable') counts.unreachable++;
      }
      if (toMark.length === 0 && toNotify.length === 0) break;
      batch++;
      result.marked += counts.marked;
      result.skipped += counts.skipped;
      result.notified += counts.notified;
      // One audit event per batch with its counts: 10,000 per-member events would bury everything
      // else in the log; who was marked and when is in campaign_members, tied to this campaign id.
      await this.#audit('campaign.members_marked', campaign, 'success', { batch, ...counts });
      if (!(await keepGoing())) return 'stopped';
      if (this.#o.batchPauseMs > 0) await sleep(this.#o.batchPauseMs);
    }
    const now = this.#d.clock.now().getTime();
    await this.#db
      .updateTable('campaigns')
      .set({ all_notified_at: now })
      .where('id', '=', campaign.id)
      .where('all_notified_at', 'is', null)
      .execute();
    campaign.allNotifiedAt = new Date(now);
    await this.#snapshot(campaign.id, true);
    return 'done';
  }

  /**
   * Marks one claimed (`marking`) member: must-change in the directory, sessions ended, then
   * `marked`. Recovering, the directory's flag tells whether the killed pass got that far. A
   * directory that can't be reached stops the pass with the member still `marking`.
   */
  async #markOne(campaignId: string, accountId: string, recovering: boolean): Promise<'marked' | 'skipped'> {
    const directory = this.#d.directory;
    try {
      const state = await directory.readState(accountId);
      if (state.isDisabled) {
        await transition(this.#db, campaignId, accountId, 'marking', 'skipped', { skipped_reason: 'disabled' });
        return 'skipped';
      }
      if (!(recovering && state.mustChange)) await directory.requireChange(accountId);
    } catch (error) {
      if (isNyckelError(error, 'account_not_found')) {
        await transition(this.#db, campaignId, accountId, 'marking', 'skipped', { skipped_reason: 'not_found' });
        return 'skipped';
      }
      // Left `marking`: the next pass reads the directory's flag and marks only if it didn't land.
      throw error;
    }
    // A stolen password may already have a session: end them all, as a reset does.
    await this.#d.store.deleteSessionsOfAccount(accountId);
    await transition(this.#db, campaignId, accountId, 'marking', 'marked', { marked_at: this.#d.clock.now().getTime() });
    return 'marked';
  }

  /** Sends the notice (or a reminder, with daysLeft) on the campaign's channels; never throws for a failed send. */
  async #notifyOne(campaign: Campaign, accountId: string, daysLeft: number | undefined): Promise<'sent' | 'unreachable'> {
    let account: DirectoryAccount | null;
    try {
      account = await this.#d.directory.getAccount(accountId);
    } catch (error) {
      this.#d.logger.warn(
        { campaign: campaign.id, reason: isNyckelError(error) ? error.code : String(error) },
        'a campaign member could not be read',
      );
      return 'unreachable';
    }
    if (account === null) return 'unreachable';
    const { config } = this.#d;
    const message = renderPasswordChangeRequired({
      // No per-user language is stored: the organisation's default language, as every notice.
      language: config.i18n.defaultLanguage,
      organisationName: config.organisation.name,
      link: this.#link(),
      helpdesk: config.organisation.contactPhone ?? config.organisation.contactEmail,
      deadline: campaign.deadline,
      ...(daysLeft === undefined ? {} : { daysLeft }),
      extra: campaign.message,
    });
    let sent = 0;
    for (const target of await this.#targets(account, campaign.channels)) {
      const outgoing: OutgoingMessage = target.channel === 'sms' ? toSms(message, target.to) : toEmail(message, target.to);
      try {
        await this.#d.messenger.send(outgoing);
        sent++;
      } catch (error) {
        // A gateway failure is recorded; anything else is a fault that stops the pass (the member
        // stays `notifying` and is never sent twice).
        if (!isNyckelError(error)) throw error;
        // Never the address or number in the log: the channel and the reason are enough.
        this.#d.logger.warn(
          { campaign: campaign.id, channel: target.channel, reason: isNyckelError(error) ? error.detail : String(error) },
          'a campaign notice could not be sent',
        );
      }
    }
    return sent > 0 ? 'sent' : 'unreachable';
  }

  #link(): string {
    const server = this.#d.config.server;
    return new URL('/', server.publicUrl ?? `http://${server.host}:${server.port}/`).href;
  }

  /** Private e-mail methods, the work address, registered phones (else the directory's mobile), as the campaign chose. */
  async #targets(account: DirectoryAccount, channels: CampaignChannel[]): Promise<Array<{ channel: 'email' | 'sms'; to: string }>> {
    const methods = await listMethodRecords(this.#db, account.id);
    const out: Array<{ channel: 'email' | 'sms'; to: string }> = [];
    const add = (channel: 'email' | 'sms', to: string | null) => {
      if (to === null || to === '') return;
      if (out.some((t) => t.channel === channel && t.to.toLowerCase() === to.toLowerCase())) return;
      out.push({ channel, to });
    };
    if (channels.includes('email')) for (const m of methods) if (m.kind === 'email') add('email', m.target);
    if (channels.includes('work_email')) add('email', account.email);
    if (channels.includes('sms')) {
      const phones = methods.filter((m) => m.kind === 'sms');
      for (const m of phones) add('sms', m.target);
      if (phones.length === 0) add('sms', account.mobile);
    }
    return out;
  }

  /**
   * Reads the directory state of up to `limit` members not known to have changed, from where the
   * last refresh stopped; records those that changed after being marked (must-change cleared
   * and a newer password). Returns how many were found changed.
   */
  async refresh(campaign: Campaign, limit: number): Promise<number> {
    const row = await getCampaignRow(this.#db, campaign.id);
    const after = row?.refresh_cursor ?? null;
    let query = this.#db
      .selectFrom('campaign_members')
      .select(['account_id', 'username', 'marked_at'])
      .where('campaign_id', '=', campaign.id)
      .where('changed_at', 'is', null)
      .where('state', 'in', ['marked', 'notifying', 'notified']);
    if (after !== null) query = query.where('username', '>', after);
    const members = await query.orderBy('username').limit(limit).execute();
    let changed = 0;
    for (const m of members) {
      let state: Awaited<ReturnType<Directory['readState']>>;
      try {
        state = await this.#d.directory.readState(m.account_id);
      } catch (error) {
        if (isNyckelError(error, 'account_not_found')) continue;
        throw error;
      }
      const changedAt = changedSinceMark(state, Number(m.marked_at ?? 0));
      if (changedAt !== null && (await recordChanged(this.#db, campaign.id, m.account_id, changedAt))) changed++;
    }
    const last = members.at(-1);
    await this.#db
      .updateTable('campaigns')
      .set({ refresh_cursor: members.length < limit || last === undefined ? null : last.username })
      .where('id', '=', campaign.id)
      .execute();
    return changed;
  }

  /**
   * Sends the reminders due now: per member, the smallest threshold the days left are within,
   * if the member was notified before that threshold came (no reminder right after the notice),
   * claimed first (INSERT … ON CONFLICT DO NOTHING on campaign, account, threshold) so each is
   * sent once. A claim is never given back: a failed send is recorded, not retried.
   */
  async #reminders(campaign: Campaign, keepGoing: KeepGoing): Promise<number> {
    const now = this.#d.clock.now().getTime();
    const deadline = campaign.deadline.getTime();
    if (now >= deadline || campaign.reminderDaysBefore.length === 0) return 0;
    const daysLeft = Math.ceil((deadline - now) / DAY_MS);
    const due = campaign.reminderDaysBefore.filter((d) => daysLeft <= d);
    if (due.length === 0) return 0;
    const threshold = Math.min(...due);
    const thresholdAt = deadline - threshold * DAY_MS;
    let sent = 0;
    for (;;) {
      const members = await this.#db
        .selectFrom('campaign_members as m')
        .select(['m.account_id'])
        .where('m.campaign_id', '=', campaign.id)
        .where('m.state', '=', 'notified')
        .where('m.changed_at', 'is', null)
        .where('m.notified_at', '<=', thresholdAt)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('campaign_reminders_sent as r')
                .select('r.account_id')
                .whereRef('r.campaign_id', '=', 'm.campaign_id')
                .whereRef('r.account_id', '=', 'm.account_id')
                .where('r.days_before', '=', threshold),
            ),
          ),
        )
        .orderBy('m.username')
        .limit(this.#o.batchSize)
        .execute();
      if (members.length === 0) break;
      const counts = { sent: 0, unreachable: 0 };
      for (const m of members) {
        const claim = await this.#db
          .insertInto('campaign_reminders_sent')
          .values({ campaign_id: campaign.id, account_id: m.account_id, days_before: threshold, sent_at: now, outcome: 'unknown' })
          .onConflict((oc) => oc.columns(['campaign_id', 'account_id', 'days_before']).doNothing())
          .executeTakeFirst();
        if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1) continue;
        const outcome = await this.#notifyOne(campaign, m.account_id, daysLeft);
        await this.#db
          .updateTable('campaign_reminders_sent')
          .set({ outcome })
          .where('campaign_id', '=', campaign.id)
          .where('account_id', '=', m.account_id)
          .where('days_before', '=', threshold)
          .execute();
        counts[outcome === 'sent' ? 'sent' : 'unreachable']++;
      }
      sent += counts.sent + counts.unreachable;
      await this.#audit('campaign.reminder_sent', campaign, 'success', { daysBefore: threshold, daysLeft, ...counts });
      if (!(await keepGoing())) break;
      if (this.#o.batchPauseMs > 0) await sleep(this.#o.batchPauseMs);
    }
    return sent;
  }

  /**
   * At the deadline, once everyone has been notified: a last full refresh (nobody who changed is
   * blocked), the action claimed once (a conditional UPDATE on deadline_action_at) and the sign-in
   * block set on the members still pending; for `lock` on a directory that can lock, those members
   * are then locked in the directory in batches (#lockInDirectory), each once, resumed by the next
   * pass if this one stops; then the campaign completes. 'done' when it completed now.
   */
  async #deadline(campaign: Campaign, result: CampaignRunResult, keepGoing: KeepGoing): Promise<'done' | 'not_yet' | 'stopped'> {
    const now = this.#d.clock.now().getTime();
    if (now < campaign.deadline.getTime() || campaign.allNotifiedAt === null) return 'not_yet';
    const locksInDirectory = campaign.deadlineAction === 'lock' && this.#d.directory.canLock;
    if (campaign.deadlineActionAt === null) {
      // A complete pass from the start, however far the background refresh had got.
      await this.#db.updateTable('campaigns').set({ refresh_cursor: null }).where('id', '=', campaign.id).execute();
      for (;;) {
        result.changed += await this.refresh(campaign, this.#o.refreshBatchSize);
        const row = await getCampaignRow(this.#db, campaign.id);
        if (row?.refresh_cursor == null) break;
      }
      const claimed = await this.#db
        .updateTable('campaigns')
        .set({ deadline_action_at: now })
        .where('id', '=', campaign.id)
        .where('status', '=', 'running')
        .where('deadline_action_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return 'not_yet';
      campaign.deadlineActionAt = new Date(now);
    }
    // Also on a resumed pass (the claim landed, the completion didn't): the same members again,
    // which changes nothing for those already blocked or queued.
    if (campaign.deadlineAction !== 'none') {
      await this.#db
        .updateTable('campaign_members')
        .set(locksInDirectory ? { locked: 1, directory_lock: 'pending' } : { locked: 1 })
        .where('campaign_id', '=', campaign.id)
        .where('changed_at', 'is', null)
        .where('state', 'in', ['marked', 'notifying', 'notified'])
        .where('directory_lock', 'is', null)
        .execute();
    }
    if (locksInDirectory) {
      const locking = await lockPendingInDirectory(
        {
          db: this.#db,
          directory: this.#d.directory,
          logger: this.#d.logger,
          batchSize: this.#o.batchSize,
          batchPauseMs: this.#o.batchPauseMs,
        },
        campaign.id,
        keepGoing,
      );
      result.directoryLocked += locking.locked;
      if (locking.outcome === 'stopped') return 'stopped';
      // Cancelled while locking: not completed, and no deadline_action event claims a finished action.
      if (locking.outcome === 'cancelled') return 'not_yet';
    }
    const counts = await deadlineCounts(this.#db, campaign.id);
    await this.#audit('campaign.deadline_action', campaign, 'success', {
      action: campaign.deadlineAction,
      locked: counts.blocked,
      ...(campaign.deadlineAction !== 'lock'
        ? {}
        : locksInDirectory
          ? { directoryLocked: counts.directoryLocked, directoryLockFailed: counts.directoryLockFailed }
          : // This directory can't lock (Active Directory): the sign-in block stands in for it.
            { fallback: 'block_sign_in' }),
    });
    await this.#db
      .updateTable('campaigns')
      .set({ status: 'completed', completed_at: now })
      .where('id', '=', campaign.id)
      .where('status', '=', 'running')
      .execute();
    result.deadlineActions++;
    result.completed++;
    await this.#snapshot(campaign.id, true);
    await this.#audit('campaign.completed', campaign, 'success', { ...(await countProgress(this.#db, campaign.id)) });
    return 'done';
  }

  /** Records the counts for the chart when due (or `force`), at most one per millisecond. */
  async #snapshot(campaignId: string, force: boolean): Promise<void> {
    const now = this.#d.clock.now().getTime();
    const row = await getCampaignRow(this.#db, campaignId);
    if (row === null) return;
    if (!force && row.last_snapshot_at !== null && now - Number(row.last_snapshot_at) < this.#o.snapshotEveryMs) return;
    const p = await countProgress(this.#db, campaignId);
    await this.#db
      .insertInto('campaign_snapshots')
      .values({
        campaign_id: campaignId,
        taken_at: now,
        total: p.total - p.skipped,
        changed: p.changed,
        pending: p.pending,
        locked: p.locked,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'taken_at']).doNothing())
      .execute();
    await this.#db.updateTable('campaigns').set({ last_snapshot_at: now }).where('id', '=', campaignId).execute();
  }

  async #audit(type: string, campaign: Campaign, outcome: 'success' | 'failure', detail: Record<string, unknown>): Promise<void> {
    // The job acts for the admin who started the campaign.
    await this.#d.store.appendAudit(
      { type, actor: campaign.startedBy ?? campaign.createdBy, subject: null, outcome, detail: { campaignId: campaign.id, ...detail } },
      this.#d.clock.now(),
    );
  }
}
