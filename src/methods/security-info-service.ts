// SecurityInfoService: the SecurityInfo port over the store (security-info-store.ts), the
// messenger and the secret box. It enforces the rules that must hold whatever page calls it:
// codes hashed and single use, attempts counted before checking, replays refused, rate limits
// in the store, nothing half-created when a message can't be sent, an audit event for every
// change and check, and a notice to the user's other channels after every change.

import { resolve as resolvePath } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Directory } from '../directory/directory.ts';
import type { Clock } from '../domain/clock.ts';
import { isNyckelError, NyckelError } from '../domain/errors.ts';
import {
  type MessageLanguage,
  renderSecurityInfoChanged,
  renderVerificationCode,
  type SecurityMethodKind,
  toEmail,
  toSms,
} from '../messaging/message-templates.ts';
import type { Messenger } from '../messaging/messenger.ts';
import { parsePhoneNumberInput, phoneNumberForLog } from '../messaging/phone-number.ts';
import type { Logger } from '../observability/logger.ts';
import { SecretBox } from '../security/secret-box.ts';
import { constantTimeEqual, randomId } from '../security/tokens.ts';
import type { Database } from '../store/schema.ts';
import type { AuditEventInput, Store } from '../store/store.ts';
import { maskEmail, maskTarget } from './masking.ts';
import { newOneTimeCode, normaliseOneTimeCode } from './one-time-code.ts';
import { type NewPasskey, type SavePasskeyResult, savePasskeyRecord } from './passkey.ts';
import { qrCodeSvg } from './qr-code.ts';
import { newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes.ts';
import type { CodeCheck, MethodKind, RequestContext, SecurityInfo, SecurityMethod, SendResult, TotpEnrollment } from './security-info.ts';
import * as records from './security-info-store.ts';
import { newTemporaryPass, normaliseTemporaryPass } from './temporary-pass.ts';
import { groupSecret, matchTotpStep, newTotpSecret, totpUri } from './totp.ts';

const ENROLLMENT_MINUTES = 15;
const MAX_EMAIL_LENGTH = 254;
/** A pass may be issued for at most a week: it is a way in, not a standing credential. */
export const MAX_PASS_MINUTES = 7 * 24 * 60;

export interface SecurityInfoServiceOptions {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  store: Store;
  directory: Directory;
  messenger: Messenger;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'securityInfo' | 'rateLimits' | 'organisation' | 'server' | 'i18n'> & {
    messaging: { sms: { defaultCountry: string; allowedCountries: readonly string[] } };
  };
}

const messageKind: Record<MethodKind, SecurityMethodKind> = {
  totp: 'authenticator_app',
  sms: 'mobile_phone',
  email: 'email',
  passkey: 'passkey',
  recovery_codes: 'recovery_codes',
};

type Purpose = records.ChallengePurpose;

export class SecurityInfoService implements SecurityInfo {
  readonly #o: SecurityInfoServiceOptions;

  constructor(options: SecurityInfoServiceOptions) {
    this.#o = options;
  }

  get #policy() {
    return this.#o.config.securityInfo;
  }

  #now(): Date {
    return this.#o.clock.now();
  }

  // ---- listing ----

  async listMethods(accountId: string): Promise<SecurityMethod[]> {
    const methods = await records.listMethodRecords(this.#o.db, accountId);
    const out: SecurityMethod[] = [];
    for (const m of methods) out.push(await this.#view(m));
    return out;
  }

  async hasMethods(accountId: string): Promise<boolean> {
    return (await records.listMethodRecords(this.#o.db, accountId)).length > 0;
  }

  // ---- authenticator app ----

  async startTotpEnrollment(accountId: string, accountLabel: string): Promise<TotpEnrollment> {
    const now = this.#now();
    const enrollmentId = randomId();
    const secret = newTotpSecret();
    // The enrolment id becomes the method id, so the ciphertext's binding stays valid when it completes.
    const sealed = this.#o.box.encrypt(secret, { accountId, methodId: enrollmentId });
    await records.insertTotpEnrollment(this.#o.db, {
      id: enrollmentId,
      accountId,
      secret: sealed,
      label: '',
      createdAt: now,
      expiresAt: new Date(now.getTime() + ENROLLMENT_MINUTES * 60_000),
    });
    const issuer = this.#o.config.organisation.name;
    const otpauthUri = totpUri({ issuer, accountLabel, secret });
    const title = this.#o.config.i18n.defaultLanguage === 'sv' ? 'QR-kod för autentiseringsappen' : 'QR code for the authenticator app';
    await this.#audit({ type: 'security_info.totp_enrollment_started', subject: accountId, outcome: 'info', detail: { enrollmentId } });
    return { enrollmentId, secretGrouped: groupSecret(secret), otpauthUri, qrSvg: qrCodeSvg(otpauthUri, title) };
  }

  async completeTotpEnrollment(accountId: string, enrollmentId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    const now = this.#now();
    const limited = await this.#countCheck('totp-enroll', accountId);
    if (limited !== null) return limited;
    const enrollment = await records.getTotpEnrollment(this.#o.db, accountId, enrollmentId);
    if (enrollment === null) return this.#fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'not_found' });
    if (enrollment.expiresAt.getTime() <= now.getTime())
      return this.#fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'expired' });
    const secret = this.#o.box.decrypt(enrollment.secret, { accountId, methodId: enrollment.id });
    const step = matchTotpStep(secret, code, now, this.#policy.totpDriftSteps);
    if (step === null) return this.#fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'wrong' });
    const method = await records.completeTotpEnrollmentRecord(this.#o.db, this.#o.dialect, enrollment.id, {
      id: enrollment.id,
      accountId,
      kind: 'totp',
      label: enrollment.label,
      secret: enrollment.secret,
      // The code just used to confirm can't be used again to sign in.
      totpLastStep: step,
      createdAt: now,
    });
    if (method === null) return this.#fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'replayed' });
    await this.#o.store.resetRateLimit(limitKey('totp-enroll', accountId));
    await this.#audit({ type: 'security_info.totp_enrolled', subject: accountId, outcome: 'success', detail: { methodId: method.id } });
    await this.#notifyChange(accountId, 'added', 'totp', { exclude: null });
    return { ok: true, method: await this.#view(method) };
  }

  async verifyTotp(accountId: string, code: string): Promise<CodeCheck & { methodId?: string }> {
    const now = this.#now();
    const limited = await this.#countCheck('second-step', accountId);
    if (limited !== null) return limited;
    const methods = (await records.listMethodRecords(this.#o.db, accountId)).filter((m) => m.kind === 'totp' && m.secret !== null);
    if (methods.length === 0) return this.#fail('second_step.totp', accountId, { ok: false, reason: 'not_found' });
    for (const method of methods) {
      const secret = this.#o.box.decrypt(method.secret as string, { accountId, methodId: method.id });
      const step = matchTotpStep(secret, code, now, this.#policy.totpDriftSteps);
      if (step === null) continue;
      // RFC 6238 section 5.2: the verifier must not accept a second attempt for the same step.
      if (!(await records.acceptTotpStep(this.#o.db, method.id, step, now))) {
        return this.#fail('second_step.totp', accountId, { ok: false, reason: 'replayed' }, { methodId: method.id });
      }
      await this.#o.store.resetRateLimit(limitKey('second-step', accountId));
      await this.#audit({ type: 'second_step.totp', subject: accountId, outcome: 'success', detail: { methodId: method.id } });
      return { ok: true, methodId: method.id };
    }
    return this.#fail('second_step.totp', accountId, { ok: false, reason: 'wrong' });
  }

  // ---- phone and e-mail ----

  async startPhoneEnrollment(accountId: string, phoneInput: string, ctx: RequestContext): Promise<SendResult> {
    const sms = this.#o.config.messaging.sms;
    const parsed = parsePhoneNumberInput(phoneInput, { defaultCountry: sms.defaultCountry, allowedCountries: sms.allowedCountries });
    if (!parsed.ok) {
      await this.#audit({
        type: 'security_info.code_sent',
        subject: accountId,
        ip: ctx.ip,
        outcome: 'refused',
        detail: { channel: 'sms', reason: parsed.reason },
      });
      return { ok: false, reason: 'invalid_target', detail: parsed.reason };
    }
    return this.#sendChallenge({ accountId, methodId: null, purpose: 'enroll_sms', channel: 'sms', target: parsed.e164, ctx });
  }

  async startEmailEnrollment(accountId: string, emailInput: string, ctx: RequestContext): Promise<SendResult> {
    const address = typeof emailInput === 'string' ? emailInput.trim().toLowerCase() : '';
    const refuse = async (detail: 'invalid' | 'too_long' | 'work_address'): Promise<SendResult> => {
      await this.#audit({
        type: 'security_info.code_sent',
        subject: accountId,
        ip: ctx.ip,
        outcome: 'refused',
        detail: { channel: 'email', reason: detail },
      });
      return { ok: false, reason: 'invalid_target', detail };
    };
    if (address.length > MAX_EMAIL_LENGTH) return refuse('too_long');
    // Deliberately simple (one @, a dot in the domain, no spaces): the code we send is the real check.
    if (!/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/.test(address)) return refuse('invalid');
    // The private address is how a reset reaches the user when the work mailbox is out of reach.
    const account = await this.#o.directory.getAccount(accountId);
    if (account?.email !== null && account?.email !== undefined && account.email.toLowerCase() === address) return refuse('work_address');
    return this.#sendChallenge({ accountId, methodId: null, purpose: 'enroll_email', channel: 'email', target: address, ctx });
  }

  async completeCodeEnrollment(accountId: string, challengeId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    const checked = await this.#verifyChallenge(
      accountId,
      challengeId,
      code,
      ['enroll_sms', 'enroll_email'],
      'security_info.code_enrolled',
    );
    if (!checked.ok) return checked.result;
    const { challenge } = checked;
    const kind: MethodKind = challenge.channel === 'sms' ? 'sms' : 'email';
    const existing = (await records.listMethodRecords(this.#o.db, accountId)).find((m) => m.kind === kind && m.target === challenge.target);
    if (existing !== undefined) return { ok: true, method: await this.#view(existing) };
    const method = await records.insertMethod(this.#o.db, this.#o.dialect, {
      id: randomId(),
      accountId,
      kind,
      label: '',
      target: challenge.target,
      createdAt: this.#now(),
    });
    await this.#audit({
      type: 'security_info.code_enrolled',
      subject: accountId,
      outcome: 'success',
      detail: { methodId: method.id, kind },
    });
    await this.#notifyChange(accountId, 'added', kind, { exclude: challenge.target });
    return { ok: true, method: await this.#view(method) };
  }

  async sendCode(
    accountId: string,
    methodId: string,
    purpose: 'sign_in' | 'reset' | 'caller_verification',
    ctx: RequestContext,
  ): Promise<SendResult> {
    const method = await records.getMethodRecord(this.#o.db, accountId, methodId);
    if (method === null || (method.kind !== 'sms' && method.kind !== 'email') || method.target === null) {
      return { ok: false, reason: 'invalid_target', detail: 'invalid' };
    }
    return this.#sendChallenge({ accountId, methodId, purpose, channel: method.kind, target: method.target, ctx });
  }

  async verifySentCode(accountId: string, challengeId: string, code: string): Promise<CodeCheck> {
    const checked = await this.#verifyChallenge(
      accountId,
      challengeId,
      code,
      ['sign_in', 'reset', 'caller_verification'],
      'second_step.code',
    );
    if (!checked.ok) return checked.result;
    if (checked.challenge.methodId !== null) await records.touchMethod(this.#o.db, checked.challenge.methodId, this.#now());
    await this.#audit({
      type: 'second_step.code',
      subject: accountId,
      outcome: 'success',
      detail: { challengeId, purpose: checked.challenge.purpose },
    });
    return { ok: true };
  }

  // ---- passkeys ----

  async savePasskey(accountId: string, passkey: NewPasskey, ctx: { ip: string }): Promise<SavePasskeyResult> {
    const saved = await savePasskeyRecord(this.#o.db, this.#o.dialect, accountId, passkey, this.#now());
    if (!saved.ok) {
      await this.#audit({
        type: 'security_info.passkey_enrolled',
        subject: accountId,
        ip: ctx.ip,
        outcome: 'refused',
        detail: { reason: saved.reason },
      });
      return saved;
    }
    await this.#audit({
      type: 'security_info.passkey_enrolled',
      subject: accountId,
      ip: ctx.ip,
      outcome: 'success',
      detail: { methodId: saved.methodId, deviceType: passkey.deviceType, backedUp: passkey.backedUp },
    });
    await this.#notifyChange(accountId, 'added', 'passkey', { exclude: null });
    return saved;
  }

  // ---- recovery codes ----

  async generateRecoveryCodes(accountId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    const hadCodes = (await records.listMethodRecords(this.#o.db, accountId)).some((m) => m.kind === 'recovery_codes');
    const method = await records.replaceRecoveryCodes(
      this.#o.db,
      this.#o.dialect,
      { id: randomId(), accountId, kind: 'recovery_codes', label: '', createdAt: this.#now() },
      codes.map((c) => this.#hashRecoveryCode(normaliseRecoveryCode(c) as string)),
    );
    await this.#audit({
      type: 'security_info.recovery_codes_generated',
      subject: accountId,
      outcome: 'success',
      detail: { methodId: method.id, replaced: hadCodes },
    });
    await this.#notifyChange(accountId, 'added', 'recovery_codes', { exclude: null });
    return codes;
  }

  async verifyRecoveryCode(accountId: string, code: string): Promise<CodeCheck> {
    const limited = await this.#countCheck('second-step', accountId);
    if (limited !== null) return limited;
    const normalised = normaliseRecoveryCode(code);
    const stored = await records.listRecoveryCodes(this.#o.db, accountId);
    if (stored.length === 0) return this.#fail('second_step.recovery_code', accountId, { ok: false, reason: 'not_found' });
    const hash = this.#hashRecoveryCode(normalised ?? '');
    // Compare with every code (no early exit), so timing says nothing about which one matched.
    let match: (typeof stored)[number] | undefined;
    for (const row of stored) if (constantTimeEqual(row.codeHash, hash) && normalised !== null) match = row;
    if (match === undefined) return this.#fail('second_step.recovery_code', accountId, { ok: false, reason: 'wrong' });
    if (match.usedAt !== null || !(await records.consumeRecoveryCode(this.#o.db, match.id, this.#now()))) {
      return this.#fail('second_step.recovery_code', accountId, { ok: false, reason: 'replayed' });
    }
    await records.touchMethod(this.#o.db, match.methodId, this.#now());
    await this.#o.store.resetRateLimit(limitKey('second-step', accountId));
    const remaining = await records.countUnusedRecoveryCodes(this.#o.db, accountId);
    await this.#audit({ type: 'second_step.recovery_code', subject: accountId, outcome: 'success', detail: { remaining } });
    return { ok: true };
  }

  // ---- remove, default ----

  async removeMethod(accountId: string, methodId: string): Promise<boolean> {
    const p = this.#policy;
    // Policy requires a method: removing the last one would leave the account with no second step.
    const minPrimary = p.registrationRequired || p.secondStep === 'always' ? 1 : 0;
    const outcome = await records.removeMethodRecord(this.#o.db, this.#o.dialect, accountId, methodId, minPrimary);
    if (outcome.outcome !== 'removed') {
      await this.#audit({
        type: 'security_info.method_removed',
        subject: accountId,
        outcome: 'refused',
        detail: { methodId, reason: outcome.outcome },
      });
      return false;
    }
    await this.#audit({
      type: 'security_info.method_removed',
      subject: accountId,
      outcome: 'success',
      detail: { methodId, kind: outcome.method.kind },
    });
    // The removed phone or address hears of it too: it is the channel someone may be taking away.
    await this.#notifyChange(accountId, 'removed', outcome.method.kind, { exclude: null, also: outcome.method });
    return true;
  }

  async setDefault(accountId: string, methodId: string): Promise<void> {
    if (!(await records.setDefaultMethod(this.#o.db, this.#o.dialect, accountId, methodId))) {
      throw new NyckelError('not_found', 'no such method to make the default', { detail: { methodId } });
    }
    await this.#audit({ type: 'security_info.default_changed', subject: accountId, outcome: 'success', detail: { methodId } });
  }

  // ---- temporary access passes ----

  async issuePass(accountId: string, options: { singleUse: boolean; validMinutes: number; issuedBy: string }): Promise<string> {
    if (!Number.isInteger(options.validMinutes) || options.validMinutes < 1 || options.validMinutes > MAX_PASS_MINUTES) {
      throw new NyckelError('invalid_input', `a pass is valid for 1 to ${MAX_PASS_MINUTES} minutes`);
    }
    const now = this.#now();
    const pass = newTemporaryPass();
    const id = randomId();
    await records.insertPass(this.#o.db, {
      id,
      accountId,
      passHash: this.#o.box.hmac(`pass:${normaliseTemporaryPass(pass)}`),
      singleUse: options.singleUse,
      issuedBy: options.issuedBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + options.validMinutes * 60_000),
    });
    await this.#audit({
      type: 'security_info.pass_issued',
      actor: options.issuedBy,
      subject: accountId,
      outcome: 'success',
      detail: { passId: id, singleUse: options.singleUse, validMinutes: options.validMinutes },
    });
    return pass;
  }

  async redeemPass(accountId: string, pass: string): Promise<CodeCheck> {
    const now = this.#now();
    const limited = await this.#countCheck('pass', accountId);
    if (limited !== null) return limited;
    const normalised = normaliseTemporaryPass(pass);
    const hash = this.#o.box.hmac(`pass:${normalised ?? ''}`);
    const passes = await records.listPasses(this.#o.db, accountId);
    let match: records.PassRecord | undefined;
    for (const p of passes) if (constantTimeEqual(p.passHash, hash) && normalised !== null) match = p;
    if (match === undefined)
      return this.#fail('security_info.pass_redeemed', accountId, { ok: false, reason: passes.length === 0 ? 'not_found' : 'wrong' });
    if (match.expiresAt.getTime() <= now.getTime())
      return this.#fail('security_info.pass_redeemed', accountId, { ok: false, reason: 'expired' });
    if (!(await records.redeemPassRecord(this.#o.db, match, now)))
      return this.#fail('security_info.pass_redeemed', accountId, { ok: false, reason: 'replayed' });
    await this.#o.store.resetRateLimit(limitKey('pass', accountId));
    await this.#audit({
      type: 'security_info.pass_redeemed',
      subject: accountId,
      outcome: 'success',
      detail: { passId: match.id, singleUse: match.singleUse },
    });
    return { ok: true };
  }

  // ---- internals ----

  #hashRecoveryCode(normalised: string): string {
    return this.#o.box.hmac(`recovery:${normalised}`);
  }

  async #view(m: records.MethodRecord): Promise<SecurityMethod> {
    const view: SecurityMethod = {
      id: m.id,
      accountId: m.accountId,
      kind: m.kind,
      label: m.label,
      maskedTarget: maskTarget(m.kind, m.target),
      isDefault: m.isDefault,
      createdAt: m.createdAt,
      lastUsedAt: m.lastUsedAt,
    };
    if (m.kind === 'recovery_codes') view.remaining = await records.countUnusedRecoveryCodes(this.#o.db, m.accountId);
    return view;
  }

  /**
   * Counts one check of `kind` for the account BEFORE checking (a brute force can't outrun the
   * counter), and refuses once codeMaxAttempts checks fail within codeValidMinutes.
   */
  async #countCheck(kind: string, accountId: string): Promise<CodeCheck | null> {
    const p = this.#policy;
    const decision = await this.#o.store.hitRateLimit(
      limitKey(kind, accountId),
      p.codeMaxAttempts,
      p.codeValidMinutes * 60_000,
      this.#now(),
    );
    if (decision.allowed) return null;
    await this.#audit({ type: `security_info.check_limited`, subject: accountId, outcome: 'refused', detail: { kind } });
    return { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 };
  }

  async #fail<T extends CodeCheck>(type: string, accountId: string, result: T, detail: Record<string, unknown> = {}): Promise<T> {
    await this.#audit({
      type,
      subject: accountId,
      outcome: 'failure',
      detail: { reason: result.ok ? undefined : result.reason, ...detail },
    });
    return result;
  }

  async #sendChallenge(input: {
    accountId: string;
    methodId: string | null;
    purpose: Purpose;
    channel: 'sms' | 'email';
    target: string;
    ctx: RequestContext;
  }): Promise<SendResult> {
    const { accountId, channel, target, ctx } = input;
    const now = this.#now();
    const p = this.#policy;
    const targetForLog = channel === 'sms' ? phoneNumberForLog(target) : maskEmail(target);
    const base = { type: 'security_info.code_sent', subject: accountId, ip: ctx.ip };

    const last = await records.lastChallengeSentAt(this.#o.db, accountId, target);
    const cooldownMs = p.resendCooldownSeconds * 1000;
    if (last !== null && now.getTime() - last.getTime() < cooldownMs) {
      return { ok: false, reason: 'cooldown', retryAfterMs: cooldownMs - (now.getTime() - last.getTime()) };
    }

    const limits = this.#o.config.rateLimits;
    const rules: [string, string, number, number][] = [
      ['codeSendPerAccount', `code-send:account:${accountId}`, limits.codeSendPerAccount.limit, limits.codeSendPerAccount.windowMinutes],
    ];
    if (channel === 'sms') {
      rules.push(
        [
          'smsPerIp',
          ctx.senderKey === undefined ? `sms:ip:${ctx.ip}` : `sms:sender:${ctx.senderKey}`,
          limits.smsPerIp.limit,
          limits.smsPerIp.windowMinutes,
        ],
        ['smsPerAccount', `sms:account:${accountId}`, limits.smsPerAccount.limit, limits.smsPerAccount.windowMinutes],
        ['smsPerNumber', `sms:number:${target}`, limits.smsPerNumber.limit, limits.smsPerNumber.windowMinutes],
        // Last, so requests already refused above don't eat the installation's budget.
        ['smsGlobalPerHour', 'sms:global', limits.smsGlobalPerHour, 60],
      );
    }
    for (const [name, key, limit, windowMinutes] of rules) {
      const decision = await this.#o.store.hitRateLimit(key, limit, windowMinutes * 60_000, now);
      if (!decision.allowed) {
        if (name === 'smsGlobalPerHour')
          this.#o.logger.warn(
            { limit },
            'the hourly SMS budget is used up (possible SMS pumping); SMS codes are refused until the hour ends',
          );
        await this.#audit({
          ...base,
          outcome: 'refused',
          detail: { channel, purpose: input.purpose, reason: 'rate_limited', limit: name },
        });
        return { ok: false, reason: 'rate_limited', retryAfterMs: decision.retryAfterMs };
      }
    }

    const id = randomId();
    const code = newOneTimeCode(p.codeLength);
    await records.insertChallenge(this.#o.db, {
      id,
      accountId,
      methodId: input.methodId,
      purpose: input.purpose,
      channel,
      target,
      // Bound to the challenge id, so two equal codes never have equal hashes.
      codeHash: this.#o.box.hmac(`code:${id}:${code}`),
      maxAttempts: p.codeMaxAttempts,
      createdAt: now,
      expiresAt: new Date(now.getTime() + p.codeValidMinutes * 60_000),
    });
    const message = renderVerificationCode({
      language: ctx.language,
      code,
      validMinutes: p.codeValidMinutes,
      organisationName: this.#o.config.organisation.name,
    });
    try {
      await this.#o.messenger.send(channel === 'sms' ? toSms(message, target) : toEmail(message, target));
    } catch (error) {
      // Nothing half-done: without the message the challenge is useless, so it goes.
      await records.deleteChallenge(this.#o.db, id);
      this.#o.logger.warn(
        {
          channel,
          to: targetForLog,
          reason: isNyckelError(error) ? error.detail : undefined,
          err: isNyckelError(error) ? undefined : error,
        },
        'a verification code could not be sent',
      );
      await this.#audit({ ...base, outcome: 'failure', detail: { channel, purpose: input.purpose, reason: 'not_sent' } });
      return { ok: false, reason: 'not_sent' };
    }
    await this.#audit({ ...base, outcome: 'success', detail: { channel, purpose: input.purpose, challengeId: id, to: targetForLog } });
    return { ok: true, challengeId: id };
  }

  async #verifyChallenge(
    accountId: string,
    challengeId: string,
    input: string,
    purposes: readonly Purpose[],
    auditType: string,
  ): Promise<{ ok: true; challenge: records.ChallengeRecord } | { ok: false; result: CodeCheck }> {
    const now = this.#now();
    const fail = async (result: CodeCheck) => ({
      ok: false as const,
      result: await this.#fail(auditType, accountId, result, { challengeId }),
    });
    if (typeof challengeId !== 'string' || challengeId.length > 64) return fail({ ok: false, reason: 'not_found' });
    // Count the attempt first, then check (Ory Kratos): a guess always costs one try.
    const challenge = await records.countChallengeAttempt(this.#o.db, accountId, challengeId);
    if (challenge === null) {
      const existing = await records.getChallenge(this.#o.db, accountId, challengeId);
      return fail({ ok: false, reason: existing === null ? 'not_found' : 'replayed' });
    }
    if (!purposes.includes(challenge.purpose)) return fail({ ok: false, reason: 'not_found' });
    if (challenge.expiresAt.getTime() <= now.getTime()) return fail({ ok: false, reason: 'expired' });
    if (challenge.attempts > challenge.maxAttempts) return fail({ ok: false, reason: 'too_many_attempts', attemptsLeft: 0 });
    const code = normaliseOneTimeCode(input, this.#policy.codeLength);
    const matches = constantTimeEqual(this.#o.box.hmac(`code:${challenge.id}:${code ?? ''}`), challenge.codeHash) && code !== null;
    if (!matches) {
      const attemptsLeft = Math.max(0, challenge.maxAttempts - challenge.attempts);
      return fail({ ok: false, reason: attemptsLeft === 0 ? 'too_many_attempts' : 'wrong', attemptsLeft });
    }
    // Single use: exactly one of two racing requests flips used_at.
    if (!(await records.consumeChallenge(this.#o.db, challenge.id, now))) return fail({ ok: false, reason: 'replayed' });
    return { ok: true, challenge };
  }

  /** Tells the user's other channels that their security info changed. A failed notice is logged, never fatal. */
  async #notifyChange(
    accountId: string,
    change: 'added' | 'removed',
    kind: MethodKind,
    options: { exclude: string | null; also?: records.MethodRecord },
  ): Promise<void> {
    const methods = await records.listMethodRecords(this.#o.db, accountId);
    const channels = methods.filter((m) => (m.kind === 'sms' || m.kind === 'email') && m.target !== null && m.target !== options.exclude);
    if (options.also !== undefined && (options.also.kind === 'sms' || options.also.kind === 'email') && options.also.target !== null)
      channels.push(options.also);
    const config = this.#o.config;
    const language: MessageLanguage = config.i18n.defaultLanguage;
    const link = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}/`;
    const message = renderSecurityInfoChanged({
      language,
      organisationName: config.organisation.name,
      link,
      helpdesk: config.organisation.contactPhone ?? config.organisation.contactEmail,
      change,
      method: messageKind[kind],
    });
    for (const channel of channels) {
      const target = channel.target as string;
      try {
        await this.#o.messenger.send(channel.kind === 'sms' ? toSms(message, target) : toEmail(message, target));
      } catch (error) {
        this.#o.logger.warn(
          { channel: channel.kind, reason: isNyckelError(error) ? error.detail : String(error) },
          'a security-info notice could not be sent',
        );
      }
    }
    if (channels.length > 0) {
      await this.#audit({
        type: 'security_info.change_notified',
        subject: accountId,
        outcome: 'info',
        detail: { change, kind, channels: channels.length },
      });
    }
  }

  async #audit(event: AuditEventInput): Promise<void> {
    await this.#o.store.appendAudit({ actor: event.actor ?? event.subject ?? null, ...event }, this.#now());
  }
}

function limitKey(kind: string, accountId: string): string {
  return `check:${kind}:${accountId}`;
}

/** The secret box the configuration asks for: inline key material (secrets.keys) or the key file under dataDir. */
export function openConfiguredSecretBox(config: Pick<Config, 'dataDir' | 'secrets'>): SecretBox {
  if (config.secrets.keys !== undefined) return SecretBox.open({ kind: 'inline', content: config.secrets.keys });
  return SecretBox.open({ kind: 'file', path: resolvePath(config.dataDir, config.secrets.keyFile) });
}

/** Refuses a configuration whose firstRegistration.zones names a zone that networkZones doesn't define. */
export function checkZoneNames(config: Pick<Config, 'securityInfo' | 'networkZones' | 'admin'>): void {
  const uses: [string, readonly string[]][] = [
    ['securityInfo.firstRegistration.zones', config.securityInfo.firstRegistration.zones],
    ['admin.zones', config.admin.zones],
  ];
  for (const [key, names] of uses) {
    const unknown = names.filter((name) => !Object.hasOwn(config.networkZones, name));
    if (unknown.length > 0) {
      throw new NyckelError('config_invalid', `${key} names ${unknown.join(', ')}, which networkZones does not define`);
    }
  }
}
