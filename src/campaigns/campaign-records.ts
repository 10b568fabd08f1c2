// The campaign tables (migration 0008) through Kysely, for the service and the runner: row
// mapping, member counts, and the conditional UPDATEs that make each member step happen once.
// Every transition names the state it comes from in its WHERE clause, so of two writers only one
// matches (SQLite and PostgreSQL alike).

import { type Kysely, sql } from 'kysely';
import type { AccountState } from '../directory/directory.ts';
import type { Database } from '../store/schema.ts';
import type {
  Campaign,
  CampaignChannel,
  CampaignProgress,
  CampaignStatus,
  DeadlineAction,
  DepartmentProgress,
  MemberState,
  PendingMember,
  StoredCampaignTarget,
} from './campaign.ts';

export type Db = Kysely<Database>;
type CampaignRow = Database['campaigns'];

export function toCampaign(row: CampaignRow): Campaign {
  const date = (v: number | null) => (v === null ? null : new Date(Number(v)));
  let target: StoredCampaignTarget;
  if (row.target_kind === 'department') target = { kind: 'department', department: row.target_value ?? '' };
  else if (row.target_kind === 'group') target = { kind: 'group', group: row.target_value ?? '' };
  else if (row.target_kind === 'list') target = { kind: 'list', entries: Number(row.list_entries ?? 0) };
  else target = { kind: 'everyone' };
  return {
    id: row.id,
    title: row.title,
    deadline: new Date(Number(row.deadline)),
    target,
    message: row.message,
    channels: JSON.parse(row.channels) as CampaignChannel[],
    reminderDaysBefore: JSON.parse(row.reminder_days) as number[],
    deadlineAction: row.deadline_action as DeadlineAction,
    status: row.status as CampaignStatus,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
    startedBy: row.started_by,
    startedAt: date(row.started_at),
    membersResolvedAt: date(row.members_resolved_at),
    allNotifiedAt: date(row.all_notified_at),
    deadlineActionAt: date(row.deadline_action_at),
    completedAt: date(row.completed_at),
    cancelledAt: date(row.cancelled_at),
  };
}

export async function getCampaignRow(db: Db, id: string): Promise<CampaignRow | null> {
  return (await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Counts by outcome, in one grouped query over the campaign's members. */
export async function countProgress(db: Db, campaignId: string): Promise<CampaignProgress> {
  const rows = await db
    .selectFrom('campaign_members')
    .select([
      'state',
      'locked',
      'notify_outcome',
      sql<number>`case when changed_at is null then 0 else 1 end`.as('changed'),
      sql<number>`count(*)`.as('n'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy(['state', 'locked', 'notify_outcome', sql`case when changed_at is null then 0 else 1 end`])
    .execute();
  const p: CampaignProgress = { total: 0, changed: 0, pending: 0, locked: 0, skipped: 0, marked: 0, notified: 0, unreachable: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    const state = r.state as MemberState;
    p.total += n;
    if (state === 'skipped') p.skipped += n;
    else if (Number(r.changed) === 1) p.changed += n;
    else if (Number(r.locked) === 1) p.locked += n;
    else p.pending += n;
    if (state === 'marked' || state === 'notifying' || state === 'notified') p.marked += n;
    if (state === 'notified') p.notified += n;
    if (state === 'notified' && r.notify_outcome === 'unreachable') p.unreachable += n;
  }
  return p;
}

export async function countByDepartment(db: Db, campaignId: string): Promise<DepartmentProgress[]> {
  const rows = await db
    .selectFrom('campaign_members')
    .select([
      'department',
      sql<number>`count(*)`.as('total'),
      sql<number>`sum(case when changed_at is not null then 1 else 0 end)`.as('changed'),
      sql<number>`sum(case when changed_at is null and locked = 1 then 1 else 0 end)`.as('locked'),
      sql<number>`sum(case when changed_at is null and locked = 0 then 1 else 0 end)`.as('pending'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('state', '!=', 'skipped')
    .groupBy('department')
    .execute();
  return rows
    .map((r) => ({
      department: r.department,
      total: Number(r.total),
      changed: Number(r.changed ?? 0),
      pending: Number(r.pending ?? 0),
      locked: Number(r.locked ?? 0),
    }))
    .sort((a, b) => {
      if (a.department === null) return b.department === null ? 0 : 1;
      if (b.department === null) return -1;
      return a.department.localeCompare(b.department, 'sv');
    });
}

/** Members not changed yet (skipped ones excluded), by username after `after`. */
export async function pendingAfter(db: Db, campaignId: string, after: string | null, limit: number): Promise<PendingMember[]> {
  let query = db
    .selectFrom('campaign_members')
    .select(['account_id', 'username', 'display_name', 'department', 'state', 'locked', 'notified_at'])
    .where('campaign_id', '=', campaignId)
    .where('changed_at', 'is', null)
    .where('state', '!=', 'skipped');
  if (after !== null) query = query.where('username', '>', after);
  const rows = await query.orderBy('username').limit(limit).execute();
  return rows.map((r) => ({
    accountId: r.account_id,
    username: r.username,
    displayName: r.display_name,
    department: r.department,
    state: r.state as MemberState,
    locked: Number(r.locked) === 1,
    notifiedAt: r.notified_at === null ? null : new Date(Number(r.notified_at)),
  }));
}

/** LDAP times have whole seconds: a change in the second of the mark still counts. */
const CHANGE_TOLERANCE_MS = 2_000;

/** When the member changed the password after being marked (the directory's state), else null. */
export function changedSinceMark(state: Pick<AccountState, 'mustChange' | 'passwordChangedAt'>, markedAt: number): number | null {
  const changedAt = state.passwordChangedAt?.getTime() ?? null;
  return !state.mustChange && changedAt !== null && changedAt >= markedAt - CHANGE_TOLERANCE_MS ? changedAt : null;
}

/** Records that a member changed (and lifts the sign-in block); true when this call recorded it. */
export async function recordChanged(db: Db, campaignId: string, accountId: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('campaign_members')
    .set({ changed_at: at, locked: 0 })
    .where('campaign_id', '=', campaignId)
    .where('account_id', '=', accountId)
    .where('changed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Whether the campaign is still running (not cancelled or completed meanwhile). */
export async function stillRunning(db: Db, campaignId: string): Promise<boolean> {
  const row = await db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirst();
  return row?.status === 'running';
}

/** Moves one member from `from` to `to` (with extra columns); true when this call made the move. */
export async function transition(
  db: Db,
  campaignId: string,
  accountId: string,
  from: MemberState,
  to: MemberState,
  set: Partial<Pick<Database['campaign_members'], 'marked_at' | 'notified_at' | 'notify_outcome' | 'skipped_reason'>> = {},
): Promise<boolean> {
  const result = await db
    .updateTable('campaign_members')
    .set({ state: to, ...set })
    .where('campaign_id', '=', campaignId)
    .where('account_id', '=', accountId)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Member rows in a state, by username (the runner's batches). */
export async function membersInState(db: Db, campaignId: string, state: MemberState, limit: number) {
  return await db
    .selectFrom('campaign_members')
    .select(['account_id', 'username', 'marked_at'])
    .where('campaign_id', '=', campaignId)
    .where('state', '=', state)
    .orderBy('username')
    .limit(limit)
    .execute();
}

/** Inserts members, ignoring accounts already in the campaign (a resumed directory walk re-reads a page). */
export async function insertMembers(
  db: Db,
  campaignId: string,
  accounts: Array<{ id: string; username: string; displayName: string; department: string | null }>,
): Promise<void> {
  // Chunks keep each statement under SQLite's bound-parameter limit.
  for (let i = 0; i < accounts.length; i += 100) {
    const chunk = accounts.slice(i, i + 100);
    if (chunk.length === 0) continue;
    await db
      .insertInto('campaign_members')
      .values(
        chunk.map((a) => ({
          campaign_id: campaignId,
          account_id: a.id,
          username: a.username.slice(0, 256),
          display_name: a.displayName.slice(0, 256),
          department: a.department === null ? null : a.department.slice(0, 256),
          state: 'pending_mark',
          locked: 0,
        })),
      )
      .onConflict((oc) => oc.columns(['campaign_id', 'account_id']).doNothing())
      .execute();
  }
}
