// The purge job: removes what can no longer be used — expired authenticator enrolments, sent
// codes, helpdesk passes, used or expired WebAuthn challenges, expired reset flows, and sessions
// past their idle or absolute timeout. Every purge is an idempotent DELETE by time, so two runs at once would do no
// harm; still, a lease in the store (job-lock.ts) lets one instance run it each time, not all of
// them. The server runs it every 10 minutes.

import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import { type PurgeCounts, purgeExpired as purgeSecurityInfo } from '../methods/security-info-store.ts';
import type { Logger } from '../observability/logger.ts';
import { KyselyResetFlowStore } from '../store/kysely-reset-flow-store.ts';
import type { Store } from '../store/store.ts';
import { JobLock } from './job-lock.ts';
import { type LeasedSchedule, scheduleUnderLease } from './leased-schedule.ts';

/** How often the server runs the purge. */
export const PURGE_INTERVAL_MS = 10 * 60_000;
const MINUTE = 60_000;

export interface PurgeDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'sessions'>;
  logger: Logger;
}

export interface PurgeResult extends PurgeCounts {
  sessions: number;
  /** Expired reset flows, code-send records and used captcha challenges. */
  resetRecords: number;
}

/** Runs every purge once, now. */
export async function purgeExpired(deps: PurgeDeps): Promise<PurgeResult> {
  const now = deps.clock.now();
  const counts = await purgeSecurityInfo(deps.store.db, now);
  // The same timeouts the session middleware enforces (OWASP Session Management: idle and absolute).
  const { idleMinutes, absoluteMinutes } = deps.config.sessions;
  const sessions = await deps.store.purgeSessions(
    new Date(now.getTime() - idleMinutes * MINUTE),
    new Date(now.getTime() - absoluteMinutes * MINUTE),
  );
  const resetRecords = await new KyselyResetFlowStore(deps.store.db).purgeExpired(now);
  const result = { ...counts, sessions, resetRecords };
  if (Object.values(result).some((n) => n > 0)) deps.logger.info(result, 'expired records purged');
  return result;
}

export type PurgeSchedule = LeasedSchedule;

/**
 * Runs the purge every `intervalMs` (see leased-schedule.ts). Only the instance holding the
 * 'purge-expired' lease runs it; the lease outlasts an interval and is renewed at each run, so
 * its holder stays the one runner until it stops or dies.
 */
export function schedulePurge(deps: PurgeDeps, intervalMs: number = PURGE_INTERVAL_MS, lock?: JobLock): PurgeSchedule {
  return scheduleUnderLease({
    lease: lock ?? new JobLock(deps.store.db, 'purge-expired', deps.clock),
    intervalMs,
    work: () => purgeExpired(deps),
    logger: deps.logger,
    failureMessage: 'the purge of expired records failed; it runs again later',
    runAtStart: false,
  });
}
