// Activity per day: resets, unlocks, sign-in failures and reset failures from the audit log, in
// the days of the server's time zone, and the commonest failure reasons. The store counts per
// hour; the hours are placed in local days here (time zones with whole-hour offsets, as Sweden's).

import { localDay, type ReportPeriod } from './report-period.ts';
import { type FailureReasonCount, RESET_PREFIX, RESET_TYPES, type ReportQueries, SIGN_IN_TYPES, UNLOCK_TYPES } from './report-queries.ts';

const HOUR_MS = 3_600_000;
export const TOP_REASONS = 10;

export type ActivityKind = 'resets' | 'unlocks' | 'signInFailures' | 'resetFailures';
export const ACTIVITY_KINDS: readonly ActivityKind[] = ['resets', 'unlocks', 'signInFailures', 'resetFailures'];

export interface ActivityDay {
  /** YYYY-MM-DD, local. */
  day: string;
  resets: number;
  unlocks: number;
  signInFailures: number;
  resetFailures: number;
}

export interface ActivityReport {
  days: ActivityDay[];
  totals: Record<ActivityKind, number>;
  reasons: FailureReasonCount[];
}

const isFailure = (outcome: string) => outcome === 'failure' || outcome === 'refused';

/** Which column an event counts in, if any. */
export function activityKindOf(type: string, outcome: string): ActivityKind | null {
  if ((RESET_TYPES as readonly string[]).includes(type)) return outcome === 'success' ? 'resets' : null;
  if ((UNLOCK_TYPES as readonly string[]).includes(type)) return outcome === 'success' ? 'unlocks' : null;
  if ((SIGN_IN_TYPES as readonly string[]).includes(type)) return isFailure(outcome) ? 'signInFailures' : null;
  if (type.startsWith(RESET_PREFIX)) return isFailure(outcome) ? 'resetFailures' : null;
  return null;
}

export async function measureActivity(queries: ReportQueries, period: ReportPeriod): Promise<ActivityReport> {
  const byDay = new Map<string, ActivityDay>(
    period.days.map((day) => [day, { day, resets: 0, unlocks: 0, signInFailures: 0, resetFailures: 0 }]),
  );
  const totals: Record<ActivityKind, number> = { resets: 0, unlocks: 0, signInFailures: 0, resetFailures: 0 };
  for (const row of await queries.countActivityByHour(period.start, period.end)) {
    const kind = activityKindOf(row.type, row.outcome);
    const day = byDay.get(localDay(new Date(row.hour * HOUR_MS)));
    if (kind === null || day === undefined) continue;
    day[kind] += row.count;
    totals[kind] += row.count;
  }
  const reasons = await queries.topFailureReasons(period.start, period.end, TOP_REASONS);
  return { days: [...byDay.values()], totals, reasons };
}
