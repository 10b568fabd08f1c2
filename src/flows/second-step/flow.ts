// The second step of signing in (and of re-verifying before a change of security info): after
// the password, a session is only "password verified" until it proves one (or, by policy, two)
// of the account's registered methods. The flow decides what comes after the password, which
// method is asked for, sends SMS and e-mail codes, checks codes and counts attempts. It is an
// explicit state machine over the SecurityInfo port; the states are drawn in README.md.

import type { Clock } from '../../domain/clock.ts';
import type { CodeFailure, MethodKind, RequestContext, SecurityInfo, SecurityMethod, SendResult } from '../../methods/security-info.ts';
import type { Store } from '../../store/store.ts';

/** The parts of the security-info policy this flow follows (from config `securityInfo`). */
export interface SecondStepPolicy {
  /** 'always': every sign-in needs a second step; 'when_registered': only accounts with methods. */
  secondStep: 'always' | 'when_registered';
  /** How many different kinds of method a sign-in must prove (1 or 2). */
  methodsRequired: 1 | 2;
  /** Accounts without methods are sent to register one before they continue. */
  registrationRequired: boolean;
  /** How many times "ask me later" may put registration off. */
  askLaterTimes: number;
}

/** The kinds a person can prove at sign-in (recovery codes only while some are left). */
const SIGN_IN_KINDS: readonly MethodKind[] = ['totp', 'sms', 'email', 'passkey', 'recovery_codes'];

/** The state kept in the session while the second step is under way. */
export interface SecondStepState {
  /** How many different kinds must be proved in all. */
  required: number;
  /** Kinds proved so far in this second step. */
  verifiedKinds: MethodKind[];
  /** The method asked for now. */
  methodId: string | null;
  /** SMS / e-mail: the challenge sent to methodId, and when (epoch ms). */
  challengeId: string | null;
  sentAt: number | null;
}

export type SecondStepStart =
  /** No second step by policy: the session is fully signed in. */
  | { kind: 'not_needed' }
  /** Prove a method; the state names the default (or first usable) method. */
  | { kind: 'verify'; state: SecondStepState }
  /** No methods: register one first. `canAskLater` says whether "ask me later" is still allowed. */
  | { kind: 'register'; canAskLater: boolean; askLaterLeft: number };

/** The methods usable as a second step, the default first, then in the order they were added. */
export function usableMethods(methods: readonly SecurityMethod[]): SecurityMethod[] {
  return methods
    .filter((m) => SIGN_IN_KINDS.includes(m.kind) && (m.kind !== 'recovery_codes' || (m.remaining ?? 0) > 0))
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.getTime() - b.createdAt.getTime());
}

/** Distinct kinds among the usable methods. */
function distinctKinds(methods: readonly SecurityMethod[]): Set<MethodKind> {
  return new Set(methods.map((m) => m.kind));
}

/**
 * What comes after a correct password. `askLaterCount` is how often this account has already
 * put registration off.
 */
export function beginSecondStep(methods: readonly SecurityMethod[], policy: SecondStepPolicy, askLaterCount: number): SecondStepStart {
  const usable = usableMethods(methods);
  if (usable.length === 0) {
    const askLaterLeft = Math.max(0, policy.askLaterTimes - askLaterCount);
    // 'always' means no sign-in without a second step, so registration can't be put off.
    if (policy.secondStep === 'always') return { kind: 'register', canAskLater: false, askLaterLeft: 0 };
    if (policy.registrationRequired) return { kind: 'register', canAskLater: askLaterLeft > 0, askLaterLeft };
    return { kind: 'not_needed' };
  }
  // With fewer kinds registered than the policy wants, every kind there is must be proved.
  const required = Math.min(policy.methodsRequired, distinctKinds(usable).size);
  const first = usable[0] as SecurityMethod;
  return { kind: 'verify', state: { required, verifiedKinds: [], methodId: first.id, challengeId: null, sentAt: null } };
}

/** A fresh second step for re-verifying before a change (one method is enough for that). */
export function beginReverify(methods: readonly SecurityMethod[]): SecondStepState | null {
  const first = usableMethods(methods)[0];
  return first === undefined ? null : { required: 1, verifiedKinds: [], methodId: first.id, challengeId: null, sentAt: null };
}

/** The methods still worth offering: usable and of a kind not yet proved. */
export function remainingMethods(state: SecondStepState, methods: readonly SecurityMethod[]): SecurityMethod[] {
  return usableMethods(methods).filter((m) => !state.verifiedKinds.includes(m.kind));
}

/** The method asked for now, or null when it went away (removed elsewhere) or was already proved. */
export function currentMethod(state: SecondStepState, methods: readonly SecurityMethod[]): SecurityMethod | null {
  return remainingMethods(state, methods).find((m) => m.id === state.methodId) ?? null;
}

/** Switches to another method ("Use another method"); null when it is not one of the remaining ones. */
export function chooseMethod(state: SecondStepState, methods: readonly SecurityMethod[], methodId: string): SecondStepState | null {
  const method = remainingMethods(state, methods).find((m) => m.id === methodId);
  if (method === undefined) return null;
  return { ...state, methodId: method.id, challengeId: null, sentAt: null };
}

/** True when the method needs a code sent before it can be proved. */
export function needsSentCode(method: SecurityMethod): boolean {
  return method.kind === 'sms' || method.kind === 'email';
}

export interface SecondStepDeps {
  securityInfo: SecurityInfo;
  store: Store;
  clock: Clock;
  /** Verification attempts allowed per account in the window (counted in the store, so they hold across instances). */
  attemptLimit: { limit: number; windowMinutes: number };
}

/** Sends (or re-sends) a code to an SMS or e-mail method. The state remembers the challenge. */
export async function sendChallenge(
  deps: SecondStepDeps,
  accountId: string,
  state: SecondStepState,
  method: SecurityMethod,
  ctx: RequestContext,
): Promise<{ state: SecondStepState; result: SendResult }> {
  const result = await deps.securityInfo.sendCode(accountId, method.id, 'sign_in', ctx);
  if (!result.ok) return { state, result };
  return { state: { ...state, methodId: method.id, challengeId: result.challengeId, sentAt: deps.clock.now().getTime() }, result };
}

export type CodeProblem = 'missing' | 'too_long' | 'not_numeric' | 'malformed';

export type VerifyOutcome =
  /** The code was not even worth checking; nothing was counted. */
  | { kind: 'invalid_code'; problem: CodeProblem }
  /** Too many attempts for this account in the window. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** SMS / e-mail: no code has been sent for this method yet (send one first). */
  | { kind: 'no_challenge' }
  | { kind: 'refused'; reason: CodeFailure; attemptsLeft?: number }
  /** One kind proved; another is needed (methodsRequired 2). */
  | { kind: 'next'; state: SecondStepState }
  | { kind: 'done'; verifiedKinds: MethodKind[] };

/** Longest recovery code accepted as typed (codes are far shorter; this caps the work). */
const MAX_RECOVERY_CODE_LENGTH = 40;
/** Longest numeric code accepted as typed, with spaces (six digits, maybe grouped). */
const MAX_NUMERIC_CODE_LENGTH = 20;

/** Cleans a typed code: numeric codes lose spaces and hyphens; recovery codes keep letters, digits and hyphens. */
export function readCode(kind: MethodKind, raw: string): { ok: true; code: string } | { ok: false; problem: CodeProblem } {
  const trimmed = raw.normalize('NFKC').trim();
  if (trimmed === '') return { ok: false, problem: 'missing' };
  if (kind === 'recovery_codes') {
    if (trimmed.length > MAX_RECOVERY_CODE_LENGTH) return { ok: false, problem: 'too_long' };
    if (!/^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(trimmed)) return { ok: false, problem: 'malformed' };
    return { ok: true, code: trimmed.replace(/\s+/g, '') };
  }
  if (trimmed.length > MAX_NUMERIC_CODE_LENGTH) return { ok: false, problem: 'too_long' };
  const digits = trimmed.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) return { ok: false, problem: 'not_numeric' };
  // Every numeric code here is six digits (RFC 6238 apps and the SMS / e-mail codes).
  if (digits.length !== 6) return { ok: false, problem: digits.length > 6 ? 'too_long' : 'malformed' };
  return { ok: true, code: digits };
}

export const secondStepKeys = {
  account: (accountId: string) => `secondstep:acct:${accountId}`,
};

/** Marks a kind as proved; 'done' when enough different kinds are. Also used for passkeys, proved elsewhere. */
export function recordVerified(state: SecondStepState, kind: MethodKind, methods: readonly SecurityMethod[]): VerifyOutcome {
  const verifiedKinds = state.verifiedKinds.includes(kind) ? state.verifiedKinds : [...state.verifiedKinds, kind];
  if (verifiedKinds.length >= state.required) return { kind: 'done', verifiedKinds };
  const next = usableMethods(methods).find((m) => !verifiedKinds.includes(m.kind));
  // Nothing else to offer (a method was removed meanwhile): what was proved has to do.
  if (next === undefined) return { kind: 'done', verifiedKinds };
  return { kind: 'next', state: { required: state.required, verifiedKinds, methodId: next.id, challengeId: null, sentAt: null } };
}

/**
 * Checks a typed code against the current method. The attempt is counted before the code is
 * checked (OWASP Authentication Cheat Sheet), so guessing costs even when it fails fast.
 */
export async function verifySecondStepCode(
  deps: SecondStepDeps,
  accountId: string,
  state: SecondStepState,
  method: SecurityMethod,
  rawCode: string,
): Promise<VerifyOutcome> {
  const read = readCode(method.kind, rawCode);
  if (!read.ok) return { kind: 'invalid_code', problem: read.problem };
  if (needsSentCode(method) && (state.challengeId === null || state.methodId !== method.id)) return { kind: 'no_challenge' };

  const { limit, windowMinutes } = deps.attemptLimit;
  const decision = await deps.store.hitRateLimit(secondStepKeys.account(accountId), limit, windowMinutes * 60_000, deps.clock.now());
  if (!decision.allowed) return { kind: 'rate_limited', retryAfterMs: decision.retryAfterMs };

  let check: Awaited<ReturnType<SecurityInfo['verifyTotp']>>;
  switch (method.kind) {
    case 'totp':
      check = await deps.securityInfo.verifyTotp(accountId, read.code);
      break;
    case 'sms':
    case 'email':
      check = await deps.securityInfo.verifySentCode(accountId, state.challengeId as string, read.code);
      break;
    case 'recovery_codes':
      check = await deps.securityInfo.verifyRecoveryCode(accountId, read.code);
      break;
    case 'passkey':
      // Passkeys are proved by their own ceremony, never by a typed code.
      return { kind: 'refused', reason: 'not_found' };
  }
  if (!check.ok) {
    const refused: VerifyOutcome = { kind: 'refused', reason: check.reason };
    if (check.attemptsLeft !== undefined) refused.attemptsLeft = check.attemptsLeft;
    return refused;
  }
  const methods = await deps.securityInfo.listMethods(accountId);
  return recordVerified(state, method.kind, methods);
}

/** Reads the state back from session data; null when it is not what this flow wrote. */
export function parseSecondStepState(raw: unknown): SecondStepState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const isIdOrNull = (v: unknown) => v === null || (typeof v === 'string' && v.length > 0 && v.length <= 200);
  if (typeof r.required !== 'number' || !Number.isInteger(r.required) || r.required < 1 || r.required > 2) return null;
  if (!Array.isArray(r.verifiedKinds) || !r.verifiedKinds.every((k) => SIGN_IN_KINDS.includes(k as MethodKind))) return null;
  if (!isIdOrNull(r.methodId) || !isIdOrNull(r.challengeId)) return null;
  if (r.sentAt !== null && typeof r.sentAt !== 'number') return null;
  return {
    required: r.required,
    verifiedKinds: [...(r.verifiedKinds as MethodKind[])],
    methodId: r.methodId as string | null,
    challengeId: r.challengeId as string | null,
    sentAt: r.sentAt as number | null,
  };
}

// "Ask me later": how many times an account has put registration off, kept in the store's
// settings so it holds across sessions and instances.
const askLaterKey = (accountId: string) => `ask-later:${accountId}`;

export async function readAskLaterCount(store: Store, accountId: string): Promise<number> {
  const value = Number(await store.getSetting(askLaterKey(accountId)));
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** Counts one "ask me later"; refused (false) once askLaterTimes have been used. */
export async function askLater(store: Store, accountId: string, policy: SecondStepPolicy): Promise<{ allowed: boolean; left: number }> {
  const count = await readAskLaterCount(store, accountId);
  if (policy.secondStep === 'always' || count >= policy.askLaterTimes) return { allowed: false, left: 0 };
  await store.setSetting(askLaterKey(accountId), String(count + 1));
  return { allowed: true, left: policy.askLaterTimes - count - 1 };
}
