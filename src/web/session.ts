// Portal sessions (OWASP Session Management Cheat Sheet). The cookie holds a 256-bit random
// token; the store keeps only its SHA-256, so a leaked database gives no live sessions. A new
// token at every sign-in (no session fixation), an idle and an absolute timeout on the
// injected clock, and anything odd about the cookie simply means "not signed in".

import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { parseSecondStepState, type SecondStepState } from '../flows/second-step/flow.ts';
import { createSessionCsrfToken } from '../security/csrf.ts';
import { randomToken, sha256 } from '../security/tokens.ts';
import type { WebEnv } from './context.ts';

export const SESSION_COOKIE = 'nyckel_session';
/** How long a "must change password first" state lasts before the user has to sign in again. */
export const PENDING_CHANGE_MINUTES = 10;

/** randomToken(32) is 43 base64url characters; anything else was not issued by us. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MINUTE = 60_000;

export interface PendingChange {
  reason: 'expired' | 'must_change';
  /** Epoch milliseconds. */
  until: number;
}

/** The password was right; the second step is still to come. */
export interface PendingSecondStep {
  state: SecondStepState;
  /** Epoch milliseconds; after this the session ends and the user signs in again. */
  until: number;
  /** The password must be changed once the second step is done. */
  changeAfter?: PendingChange['reason'];
}

/** The account has no methods and must register one (or say "ask me later") before continuing. */
export interface PendingRegistration {
  until: number;
  /** Whether "ask me later" is still allowed for this account. */
  canAskLater: boolean;
}

/** Re-verifying before a change of security info, then back to `returnTo`. */
export interface PendingReverify {
  state: SecondStepState;
  returnTo: string;
}

/** An enrolment waiting for its code: the authenticator app's pending secret, or a sent SMS / e-mail code. */
export type PendingEnrollment =
  | { kind: 'totp'; enrollmentId: string }
  | { kind: 'sms' | 'email'; challengeId: string; maskedTarget: string; sentAt: number; input: string };

export const flashNotices = [
  'password_changed',
  'method_added',
  'method_removed',
  'default_changed',
  'recovery_codes_saved',
  'remove_refused',
] as const;
export type FlashNotice = (typeof flashNotices)[number];

export interface SessionData {
  /** Synchronizer CSRF token for this session's forms. */
  csrf: string;
  /** Present when the password must be changed before anything else is allowed. */
  pendingChange?: PendingChange;
  /** Present while only the password is verified (two-step sign-in). */
  secondStep?: PendingSecondStep;
  /** Present while registration of a first method comes before anything else. */
  registration?: PendingRegistration;
  /** When a method was last proved in this session (epoch ms): changes need a recent one. */
  lastSecondStepAt?: number;
  /** When this session redeemed a helpdesk pass (epoch ms): it allows a first registration. */
  passRedeemedAt?: number;
  reverify?: PendingReverify;
  enrollment?: PendingEnrollment;
  /** A one-time notice for the next page (consumed when shown). */
  flash?: FlashNotice;
}

const isShortString = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isEpoch = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Only local paths may be returned to (no open redirect to another site). */
export function isLocalPath(path: string): boolean {
  return /^\/[A-Za-z0-9\-/]*$/.test(path) && !path.startsWith('//') && path.length <= 200;
}

function parseEnrollment(raw: unknown): PendingEnrollment | null {
  const r = raw as Record<string, unknown>;
  if (r.kind === 'totp' && isShortString(r.enrollmentId)) return { kind: 'totp', enrollmentId: r.enrollmentId };
  if ((r.kind === 'sms' || r.kind === 'email') && isShortString(r.challengeId) && isShortString(r.maskedTarget) && isEpoch(r.sentAt)) {
    if (!isShortString(r.input, 320)) return null;
    return { kind: r.kind, challengeId: r.challengeId, maskedTarget: r.maskedTarget, sentAt: r.sentAt, input: r.input };
  }
  return null;
}

/** The two-step parts of the session data; false when present but not what we wrote. */
function parseTwoStepData(raw: Record<string, unknown>, data: SessionData): boolean {
  if (raw.secondStep !== undefined) {
    const pending = raw.secondStep as Record<string, unknown>;
    const state = parseSecondStepState(pending?.state);
    if (state === null || !isEpoch(pending.until)) return false;
    data.secondStep = { state, until: pending.until };
    if (pending.changeAfter === 'expired' || pending.changeAfter === 'must_change') data.secondStep.changeAfter = pending.changeAfter;
  }
  if (raw.registration !== undefined) {
    const pending = raw.registration as Record<string, unknown>;
    if (!isEpoch(pending?.until) || typeof pending.canAskLater !== 'boolean') return false;
    data.registration = { until: pending.until, canAskLater: pending.canAskLater };
  }
  if (raw.reverify !== undefined) {
    const pending = raw.reverify as Record<string, unknown>;
    const state = parseSecondStepState(pending?.state);
    if (state === null || typeof pending.returnTo !== 'string' || !isLocalPath(pending.returnTo)) return false;
    data.reverify = { state, returnTo: pending.returnTo };
  }
  if (raw.enrollment !== undefined) {
    const enrollment = raw.enrollment === null ? null : parseEnrollment(raw.enrollment);
    if (enrollment === null) return false;
    data.enrollment = enrollment;
  }
  if (raw.lastSecondStepAt !== undefined) {
    if (!isEpoch(raw.lastSecondStepAt)) return false;
    data.lastSecondStepAt = raw.lastSecondStepAt;
  }
  if (raw.passRedeemedAt !== undefined) {
    if (!isEpoch(raw.passRedeemedAt)) return false;
    data.passRedeemedAt = raw.passRedeemedAt;
  }
  return true;
}

export interface ActiveSession {
  idHash: string;
  accountId: string;
  data: SessionData;
  createdAt: Date;
}

/** `__Host-` when Secure: the browser then refuses the cookie from subdomains and non-https. */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

function cookieOptions(secure: boolean) {
  // HttpOnly: no script can read it. SameSite=Lax: not sent on cross-site POSTs.
  return { path: '/', httpOnly: true, secure, sameSite: 'Lax' as const };
}

function clearCookie(c: Context<WebEnv>): void {
  deleteCookie(c, sessionCookieName(c.get('secureCookies')), cookieOptions(c.get('secureCookies')));
}

function parseData(raw: Record<string, unknown>): SessionData | null {
  if (typeof raw.csrf !== 'string' || raw.csrf === '') return null;
  const data: SessionData = { csrf: raw.csrf };
  const pending = raw.pendingChange as Partial<PendingChange> | undefined;
  if (pending !== undefined) {
    if ((pending.reason !== 'expired' && pending.reason !== 'must_change') || typeof pending.until !== 'number') return null;
    data.pendingChange = { reason: pending.reason, until: pending.until };
  }
  if ((flashNotices as readonly unknown[]).includes(raw.flash)) data.flash = raw.flash as FlashNotice;
  if (!parseTwoStepData(raw, data)) return null;
  return data;
}

/**
 * How stale the stored last-seen time may get before a request writes it again: a minute, or a
 * tenth of the idle timeout when that is shorter, so a short timeout is not cut by much.
 */
export function lastSeenResolutionMs(idleMinutes: number): number {
  return Math.min(MINUTE, (idleMinutes * MINUTE) / 10);
}

/** Loads the session named by the cookie (or none), applying the timeouts. */
export async function readSession(c: Context<WebEnv>): Promise<ActiveSession | null> {
  const { store, clock, config } = c.get('services');
  const token = getCookie(c, sessionCookieName(c.get('secureCookies')));
  if (token === undefined) return null;
  if (!TOKEN_PATTERN.test(token)) {
    clearCookie(c);
    return null;
  }
  const idHash = sha256(token);
  const record = await store.getSession(idHash);
  if (record === null) {
    clearCookie(c);
    return null;
  }
  const now = clock.now().getTime();
  const data = parseData(record.data);
  const isIdle = now - record.lastSeenAt.getTime() >= config.sessions.idleMinutes * MINUTE;
  const isTooOld = now - record.createdAt.getTime() >= config.sessions.absoluteMinutes * MINUTE;
  const isPendingOver =
    (data?.pendingChange !== undefined && data.pendingChange.until <= now) ||
    (data?.secondStep !== undefined && data.secondStep.until <= now) ||
    (data?.registration !== undefined && data.registration.until <= now);
  if (data === null || isIdle || isTooOld || isPendingOver) {
    await store.deleteSession(idHash);
    clearCookie(c);
    c.get('log').info(
      { reason: data === null ? 'bad_data' : isIdle ? 'idle' : isTooOld ? 'absolute' : 'pending_expired' },
      'session ended',
    );
    return null;
  }
  // Last-seen is written at most once a minute, not on every request (a write per page view was a
  // good share of the database work under load). The idle timeout is counted from the written
  // time, so a session can end up to that minute early, never late (OWASP: idle timeout enforced).
  if (now - record.lastSeenAt.getTime() >= lastSeenResolutionMs(config.sessions.idleMinutes)) {
    await store.touchSession(idHash, new Date(now));
  }
  return { idHash, accountId: record.accountId, data, createdAt: record.createdAt };
}

/** Middleware: sets c.get('session'). */
export function loadSession(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set('session', await readSession(c));
    await next();
  };
}

/** Starts a fresh session (new token, new CSRF token), ending the current one if any. */
export async function beginSession(c: Context<WebEnv>, accountId: string, extra: Omit<SessionData, 'csrf'> = {}): Promise<ActiveSession> {
  const { store, clock } = c.get('services');
  const current = c.get('session');
  if (current !== null && current !== undefined) await store.deleteSession(current.idHash);
  const token = randomToken(32);
  const idHash = sha256(token);
  const now = clock.now();
  const data: SessionData = { csrf: createSessionCsrfToken(), ...extra };
  await store.createSession({
    idHash,
    accountId,
    data: { ...data },
    createdAt: now,
    lastSeenAt: now,
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
  });
  setCookie(c, sessionCookieName(c.get('secureCookies')), token, cookieOptions(c.get('secureCookies')));
  const session: ActiveSession = { idHash, accountId, data, createdAt: now };
  c.set('session', session);
  return session;
}

/** Replaces the session's data (for example to consume a flash notice). */
export async function updateSessionData(c: Context<WebEnv>, session: ActiveSession, data: SessionData): Promise<void> {
  await c.get('services').store.touchSession(session.idHash, c.get('services').clock.now(), { ...data });
  session.data = data;
}

/** Signs out: deletes the session from the store and clears the cookie. */
export async function endSession(c: Context<WebEnv>): Promise<void> {
  const current = c.get('session');
  if (current !== null && current !== undefined) await c.get('services').store.deleteSession(current.idHash);
  clearCookie(c);
  c.set('session', null);
}
