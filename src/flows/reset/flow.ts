// The self-service reset flow (forgot password, locked account, expired password): identify
// with a captcha, verify one or two registered methods, unlock or set a new password. An
// explicit state machine (states.ts) over the ports; flows live in the store, are bound to the
// browser by a token `id.secret`, expire `reset.flowMinutes` after the start, and every step
// consumes the row it read and writes a successor with a new token, so an old token is dead.
//
// No account enumeration: an unknown identifier, or an account without methods, gets a flow
// like any other. The same work is done (the same queries, the same rate limits), codes are
// sent in the background so a gateway's latency can't be timed, passkey options are the same
// for everyone (reset-passkey.ts), and nothing can ever verify.

import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Config } from '../../config/schema.ts';
import type { AccountState, Directory, DirectoryAccount, PasswordRejection } from '../../directory/directory.ts';
import type { Clock } from '../../domain/clock.ts';
import { isNyckelError } from '../../domain/errors.ts';
import type { SecurityInfo } from '../../methods/security-info.ts';
import type { Logger } from '../../observability/logger.ts';
import { evaluatePassword, type PasswordContext, type PasswordPolicy, type PolicyResult } from '../../passwords/policy.ts';
import type { CaptchaCheck } from '../../security/captcha.ts';
import { constantTimeEqual, randomId, randomToken, sha256 } from '../../security/tokens.ts';
import type { AuditEventInput, Store } from '../../store/store.ts';
import type { ResetFlowRecord, ResetFlowStore } from './reset-flow-store.ts';
import { type ResetPasskeys, resetPasskeyBindingKey } from './reset-passkey.ts';
import { isResetMethod, type ResetCodeMethod, type ResetEvent, type ResetState, transition } from './states.ts';

export const MAX_IDENTIFIER_LENGTH = 256;
/** Longer than any password policy allows; a longer field is refused before any hashing. */
export const MAX_NEW_PASSWORD_LENGTH = 1024;
const MINUTE = 60_000;
const TOKEN_PATTERN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export type ResetOutcomeKind = 'password_changed' | 'unlocked';

export interface ResetDeps {
  flows: ResetFlowStore;
  store: Pick<Store, 'hitRateLimit' | 'appendAudit' | 'deleteSessionsOfAccount'>;
  directory: Pick<Directory, 'findAccount' | 'getAccount' | 'readState' | 'setPassword' | 'unlock'>;
  securityInfo: Pick<SecurityInfo, 'listMethods' | 'sendCode' | 'verifySentCode' | 'verifyTotp' | 'verifyRecoveryCode'>;
  /** Passkey options and assertions (reset-passkey.ts). */
  passkeys: ResetPasskeys;
  captcha: { verifyAndConsume(payload: string): Promise<CaptchaCheck> };
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'reset' | 'securityInfo'>;
  passwordPolicy: PasswordPolicy;
  passwordContextFor(account: DirectoryAccount): PasswordContext;
  /** Tells the account's channels what happened ("wasn't you? contact the helpdesk"). Never throws. */
  notify(account: DirectoryAccount, outcome: ResetOutcomeKind, language: 'sv' | 'en'): Promise<void>;
  /** Runs work after the answer (code sends), so the answer's timing does not depend on it. */
  background(task: () => Promise<void>): void;
}

export interface ResetRequest {
  ip: string;
  language: 'sv' | 'en';
}

/** A request that carries a WebAuthn answer: the origin of the page it came from is checked against the relying party's. */
export interface ResetPasskeyRequest extends ResetRequest {
  origin: string;
}

/** A live flow, as pages need it. */
export interface ResetFlow {
  id: string;
  token: string;
  accountId: string | null;
  state: ResetState;
  language: 'sv' | 'en';
  /** When the user started (the first row of the flow); successors keep it. */
  startedAt: Date;
  expiresAt: Date;
}

export type DeadFlowReason = 'missing' | 'expired' | 'used';
export type LoadResult = { ok: true; flow: ResetFlow } | { ok: false; reason: DeadFlowReason };

export type StartProblem =
  | 'identifier_missing'
  | 'identifier_too_long'
  | 'unreadable'
  | 'captcha_missing'
  | 'captcha_invalid'
  | 'captcha_expired'
  | 'captcha_replayed';

export type StartOutcome =
  | { kind: 'invalid_input'; problems: StartProblem[]; identifier: string }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'started'; flow: ResetFlow };

/** What a step answered. `wrong_state` means the request doesn't fit where the flow is (show the current page). */
export type StepOutcome =
  | { kind: 'advanced'; flow: ResetFlow }
  | { kind: 'dead'; reason: DeadFlowReason }
  | { kind: 'wrong_state'; flow: ResetFlow }
  | { kind: 'invalid_input'; flow: ResetFlow; problem: 'method_missing' | 'code_missing' | 'credential_missing' | 'action_missing' }
  | { kind: 'code_wrong'; flow: ResetFlow; attemptsLeft: number }
  | { kind: 'password_problems'; flow: ResetFlow; problems: PasswordProblem[] };

export type PasswordProblem =
  | { field: 'new-password'; kind: 'missing' | 'too_long' | 'unreadable' }
  | { field: 'confirm-password'; kind: 'missing' | 'mismatch' }
  | { field: 'new-password'; kind: 'policy'; result: PolicyResult }
  | { field: 'new-password'; kind: 'directory'; rejection: PasswordRejection | undefined };

export class ResetService {
  readonly #d: ResetDeps;

  constructor(deps: ResetDeps) {
    this.#d = deps;
  }

  #now(): Date {
    return this.#d.clock.now();
  }

  async #audit(event: Omit<AuditEventInput, 'actor'>): Promise<void> {
    await this.#d.store.appendAudit({ ...event, actor: event.subject ?? null }, this.#now());
  }

  /** Step 1: identifier and captcha. Starts a flow for any identifier, known or not. */
  async startReset(input: { identifier: string; captcha: string }, request: ResetRequest): Promise<StartOutcome> {
    const identifier = input.identifier.trim();
    const problems: StartProblem[] = [];
    if (identifier.includes('\uFFFD')) problems.push('unreadable');
    else if (identifier === '') problems.push('identifier_missing');
    else if (identifier.length > MAX_IDENTIFIER_LENGTH) problems.push('identifier_too_long');
    // The captcha is checked (and consumed) even when the identifier is bad: one solution, one try.
    const captcha = await this.#d.captcha.verifyAndConsume(input.captcha);
    if (captcha !== 'ok') problems.push(`captcha_${captcha}`);
    if (problems.length > 0) {
      await this.#audit({ type: 'reset.start', subject: null, ip: request.ip, outcome: 'refused', detail: { problems } });
      return { kind: 'invalid_input', problems, identifier: problems.includes('unreadable') ? '' : identifier };
    }

    const now = this.#now();
    const { perIp, perAccount } = this.#d.config.reset.rateLimits;
    const ipDecision = await this.#d.store.hitRateLimit(`reset:ip:${request.ip}`, perIp.limit, perIp.windowMinutes * MINUTE, now);
    if (!ipDecision.allowed) {
      await this.#audit({ type: 'reset.start', subject: null, ip: request.ip, outcome: 'refused', detail: { reason: 'rate_limited_ip' } });
      return { kind: 'rate_limited', retryAfterMs: ipDecision.retryAfterMs };
    }
    const account = await this.#d.directory.findAccount(identifier);
    // Keyed by the account when there is one (username and e-mail count together), else by what was typed: the same work either way.
    const accountKey = account === null ? `unknown:${identifier.toLowerCase()}` : account.id;
    const accountDecision = await this.#d.store.hitRateLimit(
      `reset:acct:${accountKey}`,
      perAccount.limit,
      perAccount.windowMinutes * MINUTE,
      now,
    );
    if (!accountDecision.allowed) {
      await this.#audit({
        type: 'reset.start',
        subject: account?.id ?? null,
        ip: request.ip,
        outcome: 'refused',
        detail: { reason: 'rate_limited_account' },
      });
      return { kind: 'rate_limited', retryAfterMs: accountDecision.retryAfterMs };
    }
    const flow = await this.#createFlow(
      account?.id ?? null,
      { step: 'choose_method', verified: [] },
      request.language,
      now,
      new Date(now.getTime() + this.#d.config.reset.flowMinutes * MINUTE),
    );
    await this.#audit({
      type: 'reset.start',
      subject: account?.id ?? null,
      ip: request.ip,
      outcome: 'success',
      detail: { flowId: flow.id, knownAccount: account !== null },
    });
    return { kind: 'started', flow };
  }

  /** Reads the flow a cookie token names; dead when unknown, used or expired. */
  async loadFlow(token: string | undefined): Promise<LoadResult> {
    const match = token === undefined ? null : TOKEN_PATTERN.exec(token);
    if (match === null) return { ok: false, reason: 'missing' };
    const [, id = '', secret = ''] = match;
    const record = await this.#d.flows.getFlow(id);
    if (record === null || !constantTimeEqual(record.secretHash, sha256(secret))) return { ok: false, reason: 'missing' };
    if (record.consumedAt !== null) return { ok: false, reason: 'used' };
    if (record.expiresAt.getTime() <= this.#now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, flow: toFlow(record, token as string) };
  }

  /** Step 2a: pick a method. For sms / e-mail a code goes out in the background (if the account has that method). */
  async chooseMethod(token: string | undefined, methodInput: string, request: ResetRequest): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      if (flow.state.step !== 'choose_method') return { kind: 'wrong_state', flow };
      if (!isResetMethod(methodInput)) return { kind: 'invalid_input', flow, problem: 'method_missing' };
      const method = methodInput;
      const sendId = method === 'sms' || method === 'email' ? randomId() : null;
      const next = this.#next(flow, { type: 'method_chosen', method, sendId });
      if (next === null) return { kind: 'wrong_state', flow };
      const advanced = await this.#advance(flow, next);
      if (advanced === null) return { kind: 'dead', reason: 'used' };
      if (sendId !== null) this.#sendInBackground(flow.accountId, method as 'sms' | 'email', sendId, request);
      await this.#audit({
        type: 'reset.method_chosen',
        subject: flow.accountId,
        ip: request.ip,
        outcome: 'info',
        detail: { flowId: advanced.id, method },
      });
      return { kind: 'advanced', flow: advanced };
    });
  }

  /** Back from the code page to the method list (another method). */
  async backToMethods(token: string | undefined): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      const next = this.#next(flow, { type: 'back_to_methods' });
      if (next === null) return { kind: 'wrong_state', flow };
      const advanced = await this.#advance(flow, next);
      return advanced === null ? { kind: 'dead', reason: 'used' } : { kind: 'advanced', flow: advanced };
    });
  }

  /** Step 2b: check the code for the chosen method. */
  async verifyResetCode(token: string | undefined, codeInput: string, request: ResetRequest): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      const state = flow.state;
      // A passkey is answered with an assertion (verifyResetPasskey), never with a typed code.
      if (state.step !== 'enter_code' || state.method === 'passkey') return { kind: 'wrong_state', flow };
      const code = codeInput.replace(/[\s-]/g, '');
      if (code === '' || code.length > 64) return { kind: 'invalid_input', flow, problem: 'code_missing' };
      // An unknown account still asks the port, with an id nothing is registered under: the same work, never a match.
      const accountId = flow.accountId ?? `unknown:${flow.id}`;
      const ok = await this.#checkCode(accountId, state.method, state.sendId, code);
      return this.#settleCheck(flow, state, ok, request, {});
    });
  }

  /**
   * Step 2b for a passkey: the options for the page. The same for every account (no list of
   * credentials); the challenge is bound to this row of the flow, so it can be answered only
   * with this flow's cookie and only once.
   */
  async startResetPasskey(flow: ResetFlow): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    if (flow.state.step !== 'enter_code' || flow.state.method !== 'passkey') return null;
    return this.#d.passkeys.startAuthentication(resetPasskeyBindingKey(flow.id));
  }

  /** Step 2b for a passkey: the browser's assertion, verified against the flow's account only; a failure counts like a wrong code. */
  async verifyResetPasskey(token: string | undefined, responseJson: string, request: ResetPasskeyRequest): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      const state = flow.state;
      if (state.step !== 'enter_code' || state.method !== 'passkey') return { kind: 'wrong_state', flow };
      // Nothing posted (no script ran): nothing to check, and the challenge stays for a real answer.
      if (responseJson.trim() === '') return { kind: 'invalid_input', flow, problem: 'credential_missing' };
      // An unknown account is checked too, under an id no passkey is registered to: the same work, never a match.
      const result = await this.#d.passkeys.verifyAuthentication(
        { accountId: flow.accountId ?? `unknown:${flow.id}`, bindingKey: resetPasskeyBindingKey(flow.id), responseJson },
        { requestOrigin: request.origin, ip: request.ip },
      );
      if (!result.ok) this.#d.logger.info({ reason: result.reason }, 'reset passkey refused');
      const detail = result.ok ? { passkeyMethodId: result.methodId } : { reason: result.reason, ...result.detail };
      return this.#settleCheck(flow, state, result.ok, request, detail);
    });
  }

  /** After a code or passkey check: the next state (another method, refused, locked, new password, or counted as wrong), audited. */
  async #settleCheck(
    flow: ResetFlow,
    state: Extract<ResetState, { step: 'enter_code' }>,
    ok: boolean,
    request: ResetRequest,
    checkDetail: Record<string, unknown>,
  ): Promise<StepOutcome> {
    let accountState: AccountState | null = null;
    if (ok && flow.accountId !== null) accountState = await this.#d.directory.readState(flow.accountId);
    const verifiedOk = ok && flow.accountId !== null && accountState !== null && !accountState.isDisabled;
    const reset = this.#d.config.reset;
    const isPrivileged = accountState?.isPrivileged ?? false;
    // Privileged accounts need two methods (or are refused): decided only once one method is proved, so the
    // method page says nothing about the account to someone who can't verify.
    const methodsRequired: 1 | 2 = isPrivileged ? 2 : reset.methodsRequired;
    const next = this.#next(flow, {
      type: 'code_checked',
      ok: verifiedOk,
      methodsRequired: isPrivileged && reset.privilegedAccounts === 'refuse' ? 1 : methodsRequired,
      isRefused: isPrivileged && reset.privilegedAccounts === 'refuse',
      isLocked: accountState?.isLocked ?? false,
    });
    if (next === null) return { kind: 'wrong_state', flow };
    const advanced = await this.#advance(flow, next);
    if (advanced === null) return { kind: 'dead', reason: 'used' };
    await this.#audit({
      type: 'reset.verify',
      subject: flow.accountId,
      ip: request.ip,
      outcome: verifiedOk ? 'success' : 'failure',
      detail: { ...checkDetail, flowId: advanced.id, method: state.method, next: next.step },
    });
    if (next.step === 'refused') {
      await this.#audit({
        type: 'reset.refused',
        subject: flow.accountId,
        ip: request.ip,
        outcome: 'refused',
        detail: { reason: 'privileged_account' },
      });
    }
    if (next.step === 'enter_code') {
      return { kind: 'code_wrong', flow: advanced, attemptsLeft: Math.max(0, reset.maxCodeAttempts - next.wrongAttempts) };
    }
    return { kind: 'advanced', flow: advanced };
  }

  /** Step 3 (locked accounts): unlock only, or go on to a new password. */
  async chooseAction(token: string | undefined, actionInput: string, request: ResetRequest): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      if (flow.state.step !== 'choose_action') return { kind: 'wrong_state', flow };
      if (actionInput !== 'unlock' && actionInput !== 'password') return { kind: 'invalid_input', flow, problem: 'action_missing' };
      const next = this.#next(flow, { type: 'action_chosen', action: actionInput });
      if (next === null) return { kind: 'wrong_state', flow };
      const account = await this.#verifiedAccount(flow);
      // Consume first: two racing "unlock" posts unlock (and notify) once.
      const advanced = await this.#advance(flow, next);
      if (advanced === null) return { kind: 'dead', reason: 'used' };
      if (actionInput === 'unlock') {
        await this.#d.directory.unlock(account.id);
        await this.#finish(account, 'unlocked', advanced, request);
      } else {
        await this.#audit({ type: 'reset.action', subject: account.id, ip: request.ip, outcome: 'info', detail: { action: 'password' } });
      }
      return { kind: 'advanced', flow: advanced };
    });
  }

  /** Step 4: the new password, checked by the policy, then written through the directory. */
  async setNewPassword(
    token: string | undefined,
    input: { password: string; confirm: string },
    request: ResetRequest,
  ): Promise<StepOutcome> {
    return this.#step(token, async (flow) => {
      if (flow.state.step !== 'new_password') return { kind: 'wrong_state', flow };
      const { password, confirm } = input;
      const problems: PasswordProblem[] = [];
      if (password.includes('\uFFFD') || confirm.includes('\uFFFD')) problems.push({ field: 'new-password', kind: 'unreadable' });
      else {
        if (password === '') problems.push({ field: 'new-password', kind: 'missing' });
        else if (password.length > MAX_NEW_PASSWORD_LENGTH) problems.push({ field: 'new-password', kind: 'too_long' });
        if (confirm === '') problems.push({ field: 'confirm-password', kind: 'missing' });
        else if (password !== '' && confirm !== password) problems.push({ field: 'confirm-password', kind: 'mismatch' });
      }
      if (problems.length > 0) return { kind: 'password_problems', flow, problems };

      const account = await this.#verifiedAccount(flow);
      const result = await evaluatePassword(password, this.#d.passwordContextFor(account), this.#d.passwordPolicy);
      if (!result.ok) {
        await this.#audit({
          type: 'reset.password',
          subject: account.id,
          ip: request.ip,
          outcome: 'failure',
          detail: { reason: 'policy', rules: result.checks.filter((c) => !c.passed).map((c) => c.rule) },
        });
        return { kind: 'password_problems', flow, problems: [{ field: 'new-password', kind: 'policy', result }] };
      }
      const next = this.#next(flow, { type: 'password_set' });
      if (next === null) return { kind: 'wrong_state', flow };
      const before = await this.#d.directory.readState(account.id);
      try {
        // An admin reset: clears must-change and starts a new password age (expired accounts get in again).
        await this.#d.directory.setPassword(account.id, password);
      } catch (error) {
        if (isNyckelError(error, 'policy_violation') || isNyckelError(error, 'password_in_history')) {
          const rejection = error.detail?.rejection as PasswordRejection | undefined;
          await this.#audit({
            type: 'reset.password',
            subject: account.id,
            ip: request.ip,
            outcome: 'failure',
            detail: { reason: 'directory', rule: rejection?.rule ?? 'unknown' },
          });
          if (rejection?.rule === 'directory_policy')
            this.#d.logger.info({ reason: rejection.reason }, 'directory refused the new password');
          return { kind: 'password_problems', flow, problems: [{ field: 'new-password', kind: 'directory', rejection }] };
        }
        throw error;
      }
      // A new password after a lockout should let the user in: unlock too.
      if (before.isLocked) await this.#d.directory.unlock(account.id);
      const advanced = await this.#advance(flow, next);
      if (advanced === null) return { kind: 'dead', reason: 'used' };
      await this.#finish(account, 'password_changed', advanced, request, {
        wasLocked: before.isLocked,
        wasExpired: before.isExpired || before.mustChange,
      });
      return { kind: 'advanced', flow: advanced };
    });
  }

  // ---- internals ----

  async #step(token: string | undefined, run: (flow: ResetFlow) => Promise<StepOutcome>): Promise<StepOutcome> {
    const loaded = await this.loadFlow(token);
    if (!loaded.ok) return { kind: 'dead', reason: loaded.reason };
    return run(loaded.flow);
  }

  #next(flow: ResetFlow, event: ResetEvent): ResetState | null {
    return transition(flow.state, event, { maxCodeAttempts: this.#d.config.reset.maxCodeAttempts });
  }

  async #createFlow(
    accountId: string | null,
    state: ResetState,
    language: 'sv' | 'en',
    startedAt: Date,
    expiresAt: Date,
  ): Promise<ResetFlow> {
    const id = randomId();
    const secret = randomToken(32);
    const record = { id, secretHash: sha256(secret), accountId, state, language, startedAt, createdAt: this.#now(), expiresAt };
    await this.#d.flows.insertFlow(record);
    return toFlow({ ...record, consumedAt: null }, `${id}.${secret}`);
  }

  /**
   * Consumes the current row and writes its successor; null when someone else consumed it first.
   * The row was read when the flow was loaded; the consuming `UPDATE … WHERE consumed_at IS NULL`
   * is what decides between racing requests (and finds no row if the flow was purged meanwhile).
   */
  async #advance(flow: ResetFlow, state: ResetState): Promise<ResetFlow | null> {
    if (!(await this.#d.flows.consumeFlow(flow.id, this.#now()))) return null;
    return this.#createFlow(flow.accountId, state, flow.language, flow.startedAt, flow.expiresAt);
  }

  async #verifiedAccount(flow: ResetFlow): Promise<DirectoryAccount> {
    // The state machine only reaches choose_action / new_password after a verified code, which needs an account.
    const account = flow.accountId === null ? null : await this.#d.directory.getAccount(flow.accountId);
    if (account === null) throw new Error('reset flow past verification without an account');
    return account;
  }

  async #checkCode(accountId: string, method: ResetCodeMethod, sendId: string | null, code: string): Promise<boolean> {
    const info = this.#d.securityInfo;
    switch (method) {
      case 'totp':
        return (await info.verifyTotp(accountId, code)).ok;
      case 'recovery_code':
        return (await info.verifyRecoveryCode(accountId, code)).ok;
      case 'sms':
      case 'email': {
        const challengeId = sendId === null ? null : await this.#d.flows.sendChallenge(sendId);
        // Nothing was sent (no such method, or not yet): still ask, with an id that matches nothing.
        return (await info.verifySentCode(accountId, challengeId ?? randomId(), code)).ok;
      }
    }
  }

  #sendInBackground(accountId: string | null, channel: 'sms' | 'email', sendId: string, request: ResetRequest): void {
    const d = this.#d;
    d.background(async () => {
      const now = d.clock.now();
      const expiresAt = new Date(now.getTime() + d.config.reset.flowMinutes * MINUTE);
      let challengeId: string | null = null;
      try {
        if (accountId !== null) {
          const methods = await d.securityInfo.listMethods(accountId);
          const candidates = methods.filter((m) => m.kind === channel);
          const method = candidates.find((m) => m.isDefault) ?? candidates[0];
          if (method !== undefined) {
            const sent = await d.securityInfo.sendCode(accountId, method.id, 'reset', { ip: request.ip, language: request.language });
            if (sent.ok) challengeId = sent.challengeId;
            else d.logger.info({ reason: sent.reason }, 'reset code not sent');
          }
        }
      } finally {
        await d.flows.recordSend(sendId, challengeId, now, expiresAt);
      }
    });
  }

  async #finish(
    account: DirectoryAccount,
    outcome: ResetOutcomeKind,
    flow: ResetFlow,
    request: ResetRequest,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    // Every portal session of the account ends: whoever had one must sign in with the new state.
    const ended = await this.#d.store.deleteSessionsOfAccount(account.id);
    await this.#audit({
      type: outcome === 'unlocked' ? 'reset.unlocked' : 'reset.password_changed',
      subject: account.id,
      ip: request.ip,
      outcome: 'success',
      detail: { flowId: flow.id, sessionsEnded: ended, ...detail },
    });
    await this.#d.notify(account, outcome, request.language);
  }
}

function toFlow(record: ResetFlowRecord, token: string): ResetFlow {
  return {
    id: record.id,
    token,
    accountId: record.accountId,
    state: record.state,
    language: record.language,
    startedAt: record.startedAt,
    expiresAt: record.expiresAt,
  };
}
