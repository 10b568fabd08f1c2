// The states of a reset flow and the one pure function that moves between them. No I/O here:
// flow.ts asks the ports (directory, security info, store) and feeds the answers in as events.
// Anything not listed as a transition is refused (null), so a forged or replayed request
// can't skip a step.

/** The methods a reset offers. The same list for everyone, so the page says nothing about the account. */
export const resetMethods = ['passkey', 'totp', 'sms', 'email', 'recovery_code'] as const;
export type ResetMethod = (typeof resetMethods)[number];
/** The methods proved by typing a code (a passkey is proved by a WebAuthn assertion instead). */
export type ResetCodeMethod = Exclude<ResetMethod, 'passkey'>;

export function isResetMethod(value: unknown): value is ResetMethod {
  return typeof value === 'string' && (resetMethods as readonly string[]).includes(value);
}

export type ResetState =
  /** Pick a method to prove who you are (again, when two are required). */
  | { step: 'choose_method'; verified: ResetMethod[] }
  /**
   * A proof is expected for `method`: a code (sent in the background for sms / e-mail: `sendId`),
   * or for a passkey a WebAuthn assertion, which is checked and counted exactly like a code.
   */
  | { step: 'enter_code'; verified: ResetMethod[]; method: ResetMethod; sendId: string | null; wrongAttempts: number }
  /** Verified and locked: unlock only, or a new password. */
  | { step: 'choose_action' }
  | { step: 'new_password' }
  /** Privileged account and privilegedAccounts is refuse: the helpdesk helps. */
  | { step: 'refused' }
  /** Too many wrong codes: the flow is over. */
  | { step: 'failed' }
  | { step: 'done'; outcome: 'password_changed' | 'unlocked' };

export type ResetStep = ResetState['step'];

export type ResetEvent =
  | { type: 'method_chosen'; method: ResetMethod; sendId: string | null }
  | { type: 'back_to_methods' }
  /**
   * A code (or a passkey's assertion) was checked. On success the flow decides what comes next from what the directory
   * says now: how many methods this account needs, whether it is refused or locked.
   */
  | { type: 'code_checked'; ok: boolean; methodsRequired: 1 | 2; isRefused: boolean; isLocked: boolean }
  | { type: 'action_chosen'; action: 'unlock' | 'password' }
  | { type: 'password_set' };

export interface TransitionLimits {
  maxCodeAttempts: number;
}

/** The next state, or null when the event is not allowed in this state. */
export function transition(state: ResetState, event: ResetEvent, limits: TransitionLimits): ResetState | null {
  switch (state.step) {
    case 'choose_method':
      // A method already proved does not count twice (two methods means two different ones).
      if (event.type === 'method_chosen' && !state.verified.includes(event.method)) {
        return { step: 'enter_code', verified: state.verified, method: event.method, sendId: event.sendId, wrongAttempts: 0 };
      }
      return null;
    case 'enter_code':
      if (event.type === 'back_to_methods') return { step: 'choose_method', verified: state.verified };
      if (event.type !== 'code_checked') return null;
      if (!event.ok) {
        const wrongAttempts = state.wrongAttempts + 1;
        return wrongAttempts >= limits.maxCodeAttempts ? { step: 'failed' } : { ...state, wrongAttempts };
      }
      {
        const verified = [...state.verified, state.method];
        if (verified.length < event.methodsRequired) return { step: 'choose_method', verified };
        if (event.isRefused) return { step: 'refused' };
        return event.isLocked ? { step: 'choose_action' } : { step: 'new_password' };
      }
    case 'choose_action':
      if (event.type === 'action_chosen')
        return event.action === 'unlock' ? { step: 'done', outcome: 'unlocked' } : { step: 'new_password' };
      return null;
    case 'new_password':
      return event.type === 'password_set' ? { step: 'done', outcome: 'password_changed' } : null;
    case 'refused':
    case 'failed':
    case 'done':
      return null;
  }
}

/** Reads a stored state back; null when it is not one this code wrote. */
export function parseResetState(raw: unknown): ResetState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const verified = Array.isArray(r.verified) && r.verified.every(isResetMethod) ? (r.verified as ResetMethod[]) : null;
  switch (r.step) {
    case 'choose_method':
      return verified === null ? null : { step: 'choose_method', verified };
    case 'enter_code':
      if (verified === null || !isResetMethod(r.method) || typeof r.wrongAttempts !== 'number') return null;
      if (r.sendId !== null && typeof r.sendId !== 'string') return null;
      return { step: 'enter_code', verified, method: r.method, sendId: r.sendId as string | null, wrongAttempts: r.wrongAttempts };
    case 'choose_action':
    case 'new_password':
    case 'refused':
    case 'failed':
      return { step: r.step };
    case 'done':
      return r.outcome === 'password_changed' || r.outcome === 'unlocked' ? { step: 'done', outcome: r.outcome } : null;
    default:
      return null;
  }
}
