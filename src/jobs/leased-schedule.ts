// Runs a job every interval on the one instance holding its lease (job-lock.ts): the scheduling
// the purge and the expiry reminders share. The timer is unref'd, so it never keeps the process
// alive; a run still going when the next is due is not started twice; a failure is logged and
// the next run tries again.

import type { Logger } from '../observability/logger.ts';
import type { JobLock } from './job-lock.ts';

export interface LeasedSchedule {
  /** Stops the interval and gives up the lease once a run under way has finished (await it before closing the store). */
  stop(): Promise<void>;
  /** The run under way, if any (tests and shutdown wait for it). */
  readonly running: Promise<void> | null;
}

export interface LeasedJob {
  lease: JobLock;
  intervalMs: number;
  /** One run, on the lease holder. `renewLease` extends the lease (false: it was lost) for a run that takes a while. */
  work(renewLease: () => Promise<boolean>): Promise<unknown>;
  logger: Logger;
  /** Logged with the error when a run fails. */
  failureMessage: string;
  /** Also run at once, not only when the first interval has passed. */
  runAtStart: boolean;
}

export function scheduleUnderLease(job: LeasedJob): LeasedSchedule {
  const { lease, intervalMs } = job;
  // Longer than the interval, so the holder renews it at each tick and stays the one runner;
  // one that died is replaced within two ticks.
  const leaseMs = Math.max(1, Math.floor(intervalMs * 1.5));
  let running: Promise<void> | null = null;
  const run = () => {
    if (running !== null) return;
    running = lease
      .acquire(leaseMs)
      .then(async (isHolder) => {
        if (isHolder) await job.work(() => lease.renew(leaseMs));
      })
      .catch((error: unknown) => job.logger.warn({ err: error }, job.failureMessage))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  if (job.runAtStart) run();
  return {
    stop: () => {
      clearInterval(timer);
      // Hand the lease over at once rather than when it runs out, after a run under way ends.
      return (running ?? Promise.resolve()).then(() => lease.release()).catch(() => {});
    },
    get running() {
      return running;
    },
  };
}
