// Who may change security info, and when. A leaked password must never be enough to register a
// first method from the internet: the first method may be added only from a trusted network
// zone (config securityInfo.firstRegistration.zones) or after redeeming a one-time pass from
// the helpdesk. Once an account has methods, every change (add, remove, new default, new
// recovery codes) needs a second step done in the last recentSecondStepMinutes (NIST SP
// 800-63B §4.2.2: re-authenticate before a sensitive change). States are in README.md.

import type { Clock } from '../../domain/clock.ts';
import type { CodeFailure, SecurityInfo } from '../../methods/security-info.ts';
import type { Store } from '../../store/store.ts';

export interface ChangePolicy {
  /** A second step at most this old allows a change. */
  recentSecondStepMinutes: number;
  /** A redeemed helpdesk pass allows the first registration for this long. */
  passValidMinutes: number;
}

export interface ChangeContext {
  hasMethods: boolean;
  /** The client address is in one of the first-registration zones. */
  isFromTrustedZone: boolean;
  /** When the session redeemed a helpdesk pass (epoch ms), if it did. */
  passRedeemedAt: number | null;
  /** When the session last proved a method (epoch ms), if it did. */
  lastSecondStepAt: number | null;
  now: number;
}

export type ChangeAccess =
  | { kind: 'allowed'; because: 'recent_second_step' | 'trusted_zone' | 'pass' }
  /** The account has methods: prove one again, then come back. */
  | { kind: 'needs_second_step' }
  /** No methods, outside the trusted zones and no pass: ask the helpdesk for one. */
  | { kind: 'needs_pass' };

const MINUTE = 60_000;

/** Whether something happened within the last `minutes` (and not in the future: a clock step backwards grants nothing). */
export function isRecent(at: number | null, now: number, minutes: number): boolean {
  return at !== null && at <= now && now - at < minutes * MINUTE;
}

/** Decides whether this session may change the account's security info now. */
export function decideChangeAccess(context: ChangeContext, policy: ChangePolicy): ChangeAccess {
  if (context.hasMethods) {
    return isRecent(context.lastSecondStepAt, context.now, policy.recentSecondStepMinutes)
      ? { kind: 'allowed', because: 'recent_second_step' }
      : { kind: 'needs_second_step' };
  }
  // The first method: where the request comes from, or a pass the helpdesk handed over after
  // checking who the caller is.
  if (context.isFromTrustedZone) return { kind: 'allowed', because: 'trusted_zone' };
  if (isRecent(context.passRedeemedAt, context.now, policy.passValidMinutes)) return { kind: 'allowed', because: 'pass' };
  return { kind: 'needs_pass' };
}

/** Longest pass accepted as typed (passes are far shorter; this caps the work). */
export const MAX_PASS_LENGTH = 64;

/** Cleans a typed helpdesk pass; null when it can't be one (empty, too long, odd characters). */
export function readPass(raw: string): string | null {
  const trimmed = raw.normalize('NFKC').trim();
  if (trimmed === '' || trimmed.length > MAX_PASS_LENGTH) return null;
  // Passes are letters, digits and hyphens, maybe grouped with spaces for reading aloud.
  if (!/^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(trimmed)) return null;
  return trimmed;
}

export type PassOutcome =
  | { kind: 'redeemed'; at: number }
  | { kind: 'invalid' }
  | { kind: 'refused'; reason: CodeFailure }
  | { kind: 'rate_limited'; retryAfterMs: number };

export const passKeys = { account: (accountId: string) => `pass:acct:${accountId}` };

/** Redeems a helpdesk pass; attempts are counted per account before the pass is checked. */
export async function redeemHelpdeskPass(
  deps: { securityInfo: SecurityInfo; store: Store; clock: Clock; attemptLimit: { limit: number; windowMinutes: number } },
  accountId: string,
  raw: string,
): Promise<PassOutcome> {
  const pass = readPass(raw);
  if (pass === null) return { kind: 'invalid' };
  const now = deps.clock.now();
  const decision = await deps.store.hitRateLimit(
    passKeys.account(accountId),
    deps.attemptLimit.limit,
    deps.attemptLimit.windowMinutes * MINUTE,
    now,
  );
  if (!decision.allowed) return { kind: 'rate_limited', retryAfterMs: decision.retryAfterMs };
  const check = await deps.securityInfo.redeemPass(accountId, pass);
  return check.ok ? { kind: 'redeemed', at: now.getTime() } : { kind: 'refused', reason: check.reason };
}
