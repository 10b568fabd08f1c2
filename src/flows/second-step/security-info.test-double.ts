// A small in-memory stand-in for the SecurityInfo port, for the flow unit tests: methods in a
// list, codes chosen by the test, replay and attempt limits kept the way the port promises.
// Used by tests only; the product uses SecurityInfoService.

import type { NewPasskey, SavePasskeyResult } from '../../methods/passkey.ts';
import type {
  CodeCheck,
  MethodKind,
  RequestContext,
  SecurityInfo,
  SecurityMethod,
  SendResult,
  TotpEnrollment,
} from '../../methods/security-info.ts';

interface Challenge {
  accountId: string;
  code: string;
  tries: number;
  used: boolean;
  target: string;
  enroll?: { kind: 'sms' | 'email'; masked: string };
}

export class InMemorySecurityInfo implements SecurityInfo {
  readonly methods: SecurityMethod[] = [];
  /** What the authenticator app would show now. */
  totpCode = '123456';
  readonly usedTotp = new Set<string>();
  readonly sent: { to: string; code: string }[] = [];
  readonly challenges = new Map<string, Challenge>();
  recoveryCodes = new Set<string>();
  passes = new Map<string, string>();
  /** The next send answers this instead of sending. */
  nextSendFailure: SendResult | null = null;
  #seq = 0;

  addMethod(accountId: string, kind: MethodKind, extra: Partial<SecurityMethod> = {}): SecurityMethod {
    const method: SecurityMethod = {
      id: `m${++this.#seq}`,
      accountId,
      kind,
      label: '',
      maskedTarget: kind === 'sms' ? '+46 70 *** ** 67' : kind === 'email' ? 'a***@example.org' : null,
      isDefault: this.methods.every((m) => m.accountId !== accountId),
      createdAt: new Date(2026, 0, 1, 0, 0, this.#seq),
      lastUsedAt: null,
      ...extra,
    };
    this.methods.push(method);
    return method;
  }

  async listMethods(accountId: string): Promise<SecurityMethod[]> {
    return this.methods.filter((m) => m.accountId === accountId).map((m) => ({ ...m }));
  }
  async hasMethods(accountId: string): Promise<boolean> {
    return this.methods.some((m) => m.accountId === accountId);
  }
  async startTotpEnrollment(_accountId: string, _label: string): Promise<TotpEnrollment> {
    return {
      enrollmentId: 'e1',
      secretGrouped: 'JBSW Y3DP EHPK 3PXP',
      otpauthUri: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP',
      qrSvg: '<svg></svg>',
    };
  }
  async completeTotpEnrollment(accountId: string, _id: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    if (code !== this.totpCode) return { ok: false, reason: 'wrong' };
    return { ok: true, method: this.addMethod(accountId, 'totp') };
  }
  #send(accountId: string, target: string, enroll?: Challenge['enroll']): SendResult {
    if (this.nextSendFailure !== null) {
      const failure = this.nextSendFailure;
      this.nextSendFailure = null;
      return failure;
    }
    const challengeId = `c${++this.#seq}`;
    const code = String(100000 + this.#seq).slice(-6);
    const challenge: Challenge = { accountId, code, tries: 0, used: false, target };
    if (enroll !== undefined) challenge.enroll = enroll;
    this.challenges.set(challengeId, challenge);
    this.sent.push({ to: target, code });
    return { ok: true, challengeId };
  }
  async startPhoneEnrollment(accountId: string, phoneInput: string, _ctx: RequestContext): Promise<SendResult> {
    if (!/^\+?[\d ]{8,}$/.test(phoneInput)) return { ok: false, reason: 'invalid_target', detail: 'invalid' };
    return this.#send(accountId, phoneInput, { kind: 'sms', masked: '+46 70 *** ** 67' });
  }
  async startEmailEnrollment(accountId: string, emailInput: string, _ctx: RequestContext): Promise<SendResult> {
    if (emailInput.endsWith('@example.se')) return { ok: false, reason: 'invalid_target', detail: 'work_address' };
    return this.#send(accountId, emailInput, { kind: 'email', masked: 'a***@example.org' });
  }
  #check(accountId: string, challengeId: string, code: string): CodeCheck & { challenge?: Challenge } {
    const challenge = this.challenges.get(challengeId);
    if (challenge === undefined || challenge.accountId !== accountId) return { ok: false, reason: 'not_found' };
    if (challenge.used) return { ok: false, reason: 'replayed' };
    if (challenge.tries >= 5) return { ok: false, reason: 'too_many_attempts' };
    challenge.tries++;
    if (challenge.code !== code) return { ok: false, reason: 'wrong', attemptsLeft: 5 - challenge.tries };
    challenge.used = true;
    return { ok: true, challenge };
  }
  async completeCodeEnrollment(accountId: string, challengeId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    const check = this.#check(accountId, challengeId, code);
    if (!check.ok) return check;
    const enroll = check.challenge?.enroll;
    if (enroll === undefined) return { ok: false, reason: 'not_found' };
    return { ok: true, method: this.addMethod(accountId, enroll.kind, { maskedTarget: enroll.masked }) };
  }
  async savePasskey(accountId: string, passkey: NewPasskey): Promise<SavePasskeyResult> {
    return { ok: true, methodId: this.addMethod(accountId, 'passkey', { label: passkey.name }).id };
  }
  async generateRecoveryCodes(accountId: string): Promise<string[]> {
    const codes = Array.from({ length: 10 }, (_, i) => `abcd-ef${String(i).padStart(2, '0')}`);
    this.recoveryCodes = new Set(codes.map((c) => c.replace('-', '')));
    const existing = this.methods.find((m) => m.accountId === accountId && m.kind === 'recovery_codes');
    if (existing === undefined) this.addMethod(accountId, 'recovery_codes', { remaining: 10 });
    else existing.remaining = 10;
    return codes;
  }
  async removeMethod(accountId: string, methodId: string): Promise<boolean> {
    const index = this.methods.findIndex((m) => m.accountId === accountId && m.id === methodId);
    if (index === -1 || this.methods.filter((m) => m.accountId === accountId).length === 1) return false;
    this.methods.splice(index, 1);
    return true;
  }
  async setDefault(accountId: string, methodId: string): Promise<void> {
    for (const m of this.methods) if (m.accountId === accountId) m.isDefault = m.id === methodId;
  }
  async sendCode(accountId: string, methodId: string, _purpose: string, _ctx: RequestContext): Promise<SendResult> {
    const method = this.methods.find((m) => m.accountId === accountId && m.id === methodId);
    if (method === undefined || (method.kind !== 'sms' && method.kind !== 'email')) return { ok: false, reason: 'not_sent' };
    return this.#send(accountId, method.maskedTarget ?? '');
  }
  async verifySentCode(accountId: string, challengeId: string, code: string): Promise<CodeCheck> {
    const { challenge: _c, ...check } = this.#check(accountId, challengeId, code);
    return check;
  }
  async verifyTotp(accountId: string, code: string): Promise<CodeCheck & { methodId?: string }> {
    const method = this.methods.find((m) => m.accountId === accountId && m.kind === 'totp');
    if (method === undefined) return { ok: false, reason: 'not_found' };
    if (code !== this.totpCode) return { ok: false, reason: 'wrong' };
    // A code is accepted once (RFC 6238 §5.2).
    if (this.usedTotp.has(`${accountId}:${code}`)) return { ok: false, reason: 'replayed' };
    this.usedTotp.add(`${accountId}:${code}`);
    return { ok: true, methodId: method.id };
  }
  async verifyRecoveryCode(accountId: string, code: string): Promise<CodeCheck> {
    const normalised = code.replace(/-/g, '').toLowerCase();
    if (!this.recoveryCodes.delete(normalised)) return { ok: false, reason: 'wrong' };
    const method = this.methods.find((m) => m.accountId === accountId && m.kind === 'recovery_codes');
    if (method !== undefined) method.remaining = (method.remaining ?? 1) - 1;
    return { ok: true };
  }
  async issuePass(accountId: string, _options: { singleUse: boolean; validMinutes: number; issuedBy: string }): Promise<string> {
    const pass = `PASS${++this.#seq}`;
    this.passes.set(pass, accountId);
    return pass;
  }
  async redeemPass(accountId: string, pass: string): Promise<CodeCheck> {
    if (this.passes.get(pass) !== accountId) return { ok: false, reason: 'wrong' };
    this.passes.delete(pass);
    return { ok: true };
  }
}
