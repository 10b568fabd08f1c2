// The deadline action `lock` in the directory: the members still pending at the deadline, queued
// by the runner (`campaign_members.directory_lock = 'pending'`), are locked in batches, each
// `pending → locking → locked` by conditional UPDATEs as the marking goes, so a killed pass
// resumes without locking anyone twice. Used by campaign-runner.ts once the action is claimed.

import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Directory } from '../directory/directory.ts';
import { isNyckelError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { changedSinceMark, type Db, recordChanged, stillRunning } from './campaign-records.ts';
import type { KeepGoing } from './campaign-runner.ts';

export interface DirectoryLockDeps {
  db: Db;
  directory: Pick<Directory, 'readState' | 'lock'>;
  logger: Logger;
  batchSize: number;
  batchPauseMs: number;
}

/**
 * Locks the queued members. First it settles what a killed pass left `locking`: locked only if
 * the directory doesn't already show a lock, so lock() is called once. A member who changed
 * meanwhile is not locked (the directory is read just before). `done` when nobody is left,
 * `stopped` when the pass must stop, or `cancelled`.
 */
export async function lockPendingInDirectory(
  deps: DirectoryLockDeps,
  campaignId: string,
  keepGoing: KeepGoing,
): Promise<{ locked: number; outcome: 'done' | 'stopped' | 'cancelled' }> {
  let locked = 0;
  for (const [from, recovering] of [
    ['locking', true],
    ['pending', false],
  ] as const) {
    for (;;) {
      // Cancelled meanwhile: no more locks (those already taken stay until a reset or an unlock).
      if (!recovering && !(await stillRunning(deps.db, campaignId))) return { locked, outcome: 'cancelled' };
      const rows = await deps.db
        .selectFrom('campaign_members')
        .select(['account_id', 'marked_at'])
        .where('campaign_id', '=', campaignId)
        .where('directory_lock', '=', from)
        .orderBy('username')
        .limit(deps.batchSize)
        .execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        if (!recovering && !(await lockTransition(deps.db, campaignId, r.account_id, 'pending', 'locking'))) continue;
        if ((await lockOne(deps, campaignId, r.account_id, Number(r.marked_at ?? 0), recovering)) === 'locked') locked++;
      }
      if (!(await keepGoing())) return { locked, outcome: 'stopped' };
      if (!recovering && deps.batchPauseMs > 0) await sleep(deps.batchPauseMs);
    }
  }
  return { locked, outcome: 'done' };
}

/**
 * Locks one claimed (`locking`) member in the directory. Read first: a member whose password
 * changed after the mark is recorded as changed and not locked; recovering, a lock already in
 * place means the killed pass got that far. The directory refusing (the account gone, a policy
 * that can't lock) is recorded as `failed` (the sign-in block stays); a directory that can't be
 * reached stops the pass with the member still `locking`.
 */
async function lockOne(
  deps: DirectoryLockDeps,
  campaignId: string,
  accountId: string,
  markedAt: number,
  recovering: boolean,
): Promise<'locked' | 'changed' | 'failed'> {
  try {
    const state = await deps.directory.readState(accountId);
    const changedAt = changedSinceMark(state, markedAt);
    if (changedAt !== null) {
      await recordChanged(deps.db, campaignId, accountId, changedAt);
      await lockTransition(deps.db, campaignId, accountId, 'locking', null);
      return 'changed';
    }
    if (!(recovering && state.isLocked && state.lockedUntil === null)) await deps.directory.lock(accountId);
  } catch (error) {
    if (!isNyckelError(error) || error.code === 'directory_unavailable') throw error;
    deps.logger.warn({ campaign: campaignId, reason: error.code }, 'a campaign member could not be locked in the directory');
    await lockTransition(deps.db, campaignId, accountId, 'locking', 'failed');
    return 'failed';
  }
  await lockTransition(deps.db, campaignId, accountId, 'locking', 'locked');
  return 'locked';
}

/** Moves one member's directory lock step; true when this call made the move. */
async function lockTransition(db: Db, campaignId: string, accountId: string, from: string, to: string | null): Promise<boolean> {
  const result = await db
    .updateTable('campaign_members')
    .set({ directory_lock: to })
    .where('campaign_id', '=', campaignId)
    .where('account_id', '=', accountId)
    .where('directory_lock', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** For the deadline_action event: members blocked, and locked in the directory or refused by it. */
export async function deadlineCounts(
  db: Db,
  campaignId: string,
): Promise<{ blocked: number; directoryLocked: number; directoryLockFailed: number }> {
  const rows = await db
    .selectFrom('campaign_members')
    .select(['locked', 'directory_lock', sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .where('changed_at', 'is', null)
    .groupBy(['locked', 'directory_lock'])
    .execute();
  const counts = { blocked: 0, directoryLocked: 0, directoryLockFailed: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    if (Number(r.locked) === 1) counts.blocked += n;
    if (r.directory_lock === 'locked') counts.directoryLocked += n;
    if (r.directory_lock === 'failed') counts.directoryLockFailed += n;
  }
  return counts;
}
