// The sign-in flow: identifier + password checked against the directory, with rate limits
// counted before the password is looked at, one answer for "no such account" and "wrong
// password", and a lock page for unknown identifiers too, so neither the message nor the lock
// tells an attacker whether an account exists (OWASP Authentication Cheat Sheet). States and
// transitions are drawn in README.md beside this file.

import type { Config } from '../../config/schema.ts';
import type { Directory, DirectoryAccount } from '../../directory/directory.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Store } from '../../store/store.ts';

/** Longest identifier accepted (usernames and e-mail addresses are far shorter). */
export const MAX_IDENTIFIER_LENGTH = 256;
/** Longer passwords are refused without hashing them: no password policy allows them, and hashing megabytes costs CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface SignInDeps {
  store: Store;
  directory: Directory;
  clock: Clock;
  config: Pick<Config, 'rateLimits' | 'directory'>;
}

export interface SignInInput {
  identifier: string;
  password: string;
  /** The client address (for rate limits and the audit trail). */
  ip: string;
}

export type SignInProblem = 'identifier_missing' | 'identifier_too_long' | 'password_missing' | 'unreadable';

export type SignInOutcome =
  /** The form was not filled in properly; nothing was counted or checked. */
  | { kind: 'invalid_input'; problems: SignInProblem[]; identifier: string }
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Unknown account, wrong password and disabled account all end here. */
  | { kind: 'invalid_credentials'; identifier: string }
  | { kind: 'locked' }
  | { kind: 'signed_in'; account: DirectoryAccount }
  /** The password was right but must be changed before anything else. */
  | { kind: 'change_required'; account: DirectoryAccount; reason: 'expired' | 'must_change' };

/** Trims and NFC-normalises, so "Åsa" typed on a Mac and on Windows is the same identifier. */
export function normaliseIdentifier(raw: string): string {
  return raw.normalize('NFC').trim();
}

/** The rate-limit keys of the flow (exported for tests and the helpdesk's "reset counters"). */
export const signInKeys = {
  ip: (ip: string) => `signin:ip:${ip}`,
  account: (identifier: string) => `signin:acct:${identifier.toLowerCase()}`,
  unknown: (identifier: string) => `signin:unknown:${identifier.toLowerCase()}`,
};

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export async function signIn(deps: SignInDeps, input: SignInInput): Promise<SignInOutcome> {
  const { store, directory, clock, config } = deps;
  const identifier = normaliseIdentifier(input.identifier);
  const password = input.password;

  // Step 1: the form itself. U+FFFD means the browser sent bytes that were not UTF-8; control
  // characters never belong in a username or address (and NUL is refused by databases).
  const problems: SignInProblem[] = [];
  if (identifier.includes('\uFFFD') || password.includes('\uFFFD') || CONTROL_CHARACTERS.test(identifier)) problems.push('unreadable');
  else {
    if (identifier === '') problems.push('identifier_missing');
    else if (identifier.length > MAX_IDENTIFIER_LENGTH) problems.push('identifier_too_long');
    if (password === '') problems.push('password_missing');
  }
  if (problems.length > 0) return { kind: 'invalid_input', problems, identifier: identifier.slice(0, MAX_IDENTIFIER_LENGTH) };

  // Step 2: count the attempt before checking anything, so guesses cost even when they fail
  // fast (OWASP: rate limiting per source and per target account).
  const now = clock.now();
  const byIp = await store.hitRateLimit(
    signInKeys.ip(input.ip),
    config.rateLimits.signInPerIp.limit,
    config.rateLimits.signInPerIp.windowMinutes * MINUTE,
    now,
  );
  const byAccount = await store.hitRateLimit(
    signInKeys.account(identifier),
    config.rateLimits.signInPerAccount.limit,
    config.rateLimits.signInPerAccount.windowMinutes * MINUTE,
    now,
  );
  if (!byIp.allowed || !byAccount.allowed) {
    const retryAfterMs = Math.max(byIp.allowed ? 0 : byIp.retryAfterMs, byAccount.allowed ? 0 : byAccount.retryAfterMs);
    await audit(deps, 'refused', null, input.ip, { reason: byIp.allowed ? 'rate_limited_account' : 'rate_limited_ip' });
    return { kind: 'rate_limited', retryAfterMs };
  }

  // Step 3: ask the directory. It takes the same time for unknown accounts.
  if (password.length > MAX_PASSWORD_LENGTH) {
    await audit(deps, 'failure', null, input.ip, { reason: 'password_too_long' });
    return { kind: 'invalid_credentials', identifier };
  }
  const result = await directory.authenticate(identifier, password);

  switch (result.outcome) {
    case 'ok':
      // A successful sign-in clears the per-account counter, as a directory clears its failure count.
      await store.resetRateLimit(signInKeys.account(identifier));
      await audit(deps, 'success', result.account.id, input.ip, {});
      return { kind: 'signed_in', account: result.account };
    case 'expired':
    case 'must_change':
      await store.resetRateLimit(signInKeys.account(identifier));
      await audit(deps, 'success', result.account.id, input.ip, { change: result.outcome });
      return { kind: 'change_required', account: result.account, reason: result.outcome };
    case 'locked':
      await audit(deps, 'failure', result.account?.id ?? null, input.ip, { reason: 'locked' });
      return { kind: 'locked' };
    case 'disabled':
      // A disabled account gets the generic answer: telling "disabled" would confirm it exists.
      await audit(deps, 'failure', result.account?.id ?? null, input.ip, { reason: 'disabled' });
      return { kind: 'invalid_credentials', identifier };
    case 'invalid': {
      // Directories need not say whose password was wrong; look the account up for the audit
      // trail (the same cheap lookup runs for unknown identifiers, so timing tells nothing).
      const known = result.account ?? (await directory.findAccount(identifier));
      if (known !== null) {
        await audit(deps, 'failure', known.id, input.ip, { reason: 'wrong_password' });
        return { kind: 'invalid_credentials', identifier };
      }
      // Unknown identifier: lock it as the directory locks a real account, after the same number
      // of failures and for as long, so the lock page does not reveal which accounts exist. Like
      // the directory, the attempt that reaches the threshold still answers "wrong"; the next
      // one answers "locked".
      const threshold = config.directory.embedded.lockoutThreshold;
      let looksLocked = false;
      if (threshold > 0) {
        const unknown = await store.hitRateLimit(
          signInKeys.unknown(identifier),
          threshold,
          config.directory.embedded.lockoutMinutes * MINUTE,
          now,
        );
        looksLocked = !unknown.allowed;
      }
      await audit(deps, 'failure', null, input.ip, { reason: looksLocked ? 'unknown_account_locked' : 'unknown_account' });
      return looksLocked ? { kind: 'locked' } : { kind: 'invalid_credentials', identifier };
    }
  }
}

async function audit(
  deps: SignInDeps,
  outcome: 'success' | 'failure' | 'refused',
  accountId: string | null,
  ip: string,
  detail: Record<string, unknown>,
): Promise<void> {
  // The password is never part of an audit event; the identifier typed is left out too (it is
  // sometimes a password typed in the wrong field).
  await deps.store.appendAudit({ type: 'sign_in', actor: accountId, subject: accountId, ip, outcome, detail }, deps.clock.now());
}
