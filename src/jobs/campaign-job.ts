// The campaign job: runs the campaign engine (src/campaigns/campaign-runner.ts) every
// `campaigns.intervalSeconds` and at once when an admin starts a campaign, on the one instance holding the 'campaigns' lease.
// The lease is renewed between batches; a holder that loses it stops at the next batch, and
// the per-member state transitions make a takeover safe (nobody is marked or notified twice).

import type { CampaignService } from '../campaigns/campaign.ts';
import {
  type CampaignEngineDeps,
  type CampaignEngineOptions,
  CampaignRunner,
  type CampaignRunResult,
} from '../campaigns/campaign-runner.ts';
import type { Config } from '../config/schema.ts';
import { JobLock } from './job-lock.ts';

/** The lease: long enough for a slow batch on a busy directory; renewed after every batch. */
const LEASE_MS = 5 * 60_000;

export interface CampaignJobDeps extends CampaignEngineDeps {
  campaigns: Pick<CampaignService, 'onWake'>;
}

export interface CampaignSchedule {
  /** Stops the timer; a pass under way stops after its current batch and the lease is given up. */
  stop(): Promise<void>;
  /** The pass under way, if any (tests and shutdown wait for it). */
  readonly running: Promise<void> | null;
  /** Runs a pass now unless one is under way (what a start() wake-up does). */
  wake(): void;
}

export interface CampaignPassOptions {
  engine?: Partial<CampaignEngineOptions>;
  /** The lease; default LEASE_MS (5 minutes). An instance that dies holding it is replaced when it runs out. */
  leaseMs?: number;
  lock?: JobLock;
  /** Asked between batches: true stops the pass (shutting down). */
  shouldStop?: () => boolean;
}

/** The engine's batch size and pause from the configuration (`campaigns.*`). */
export function engineOptionsFrom(config: Pick<Config, 'campaigns'>): Partial<CampaignEngineOptions> {
  return { batchSize: config.campaigns.batchSize, batchPauseMs: config.campaigns.batchPauseMs };
}

/** One pass under the lease; null when another instance holds it. */
export async function runCampaignsOnce(deps: CampaignEngineDeps, options: CampaignPassOptions = {}): Promise<CampaignRunResult | null> {
  const lock = options.lock ?? new JobLock(deps.store.db, 'campaigns', deps.clock);
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const shouldStop = options.shouldStop ?? (() => false);
  if (!(await lock.acquire(leaseMs))) return null;
  const runner = new CampaignRunner(deps, options.engine);
  return await runner.runOnce(async () => !shouldStop() && (await lock.renew(leaseMs)));
}

/**
 * Runs the job every `intervalMs` (timer unref'd) and whenever a campaign is started. A failure
 * (say, the directory is down) is logged and the next tick resumes where the pass stopped.
 */
export function scheduleCampaigns(
  deps: CampaignJobDeps & { config: Pick<Config, 'campaigns'> },
  intervalMs: number = deps.config.campaigns.intervalSeconds * 1000,
  options: Partial<CampaignEngineOptions> = engineOptionsFrom(deps.config),
  lock?: JobLock,
): CampaignSchedule {
  const lease = lock ?? new JobLock(deps.store.db, 'campaigns', deps.clock);
  let running: Promise<void> | null = null;
  let stopped = false;
  let again = false;
  const run = () => {
    if (stopped) return;
    if (running !== null) {
      // A start during a pass: run once more after it, so the new campaign isn't left for a minute.
      again = true;
      return;
    }
    running = runCampaignsOnce(deps, { engine: options, lock: lease, shouldStop: () => stopped })
      .then((result) => {
        if (result !== null && (result.marked > 0 || result.completed > 0 || result.reminders > 0))
          deps.logger.info(result, 'campaign pass done');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'the campaign job failed; it resumes at its next run'))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  deps.campaigns.onWake(run);
  run();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
      return (running ?? Promise.resolve()).then(() => lease.release()).catch(() => {});
    },
    get running() {
      return running;
    },
    wake: run,
  };
}
