// The SecurityInfo port: an account's registered sign-in methods (authenticator app, phone,
// private e-mail, passkey, recovery codes) and the one-time codes and passes around them.
// Flows and pages use this interface; `SecurityInfoService` (security-info-service.ts)
// implements it over the store, the messenger and the secret box. Passkey ceremonies live
// in passkey.ts and are reached through this interface too.

import type { NewPasskey, SavePasskeyResult } from './passkey.ts';

export type MethodKind = 'totp' | 'sms' | 'email' | 'passkey' | 'recovery_codes';

/** A registered method as pages may show it: targets masked, no secrets. */
export interface SecurityMethod {
  id: string;
  accountId: string;
  kind: MethodKind;
  /** A name the user gave (passkeys) or a default label; may be empty. */
  label: string;
  /** Masked target for display: `+46 70 *** ** 67`, `a***@example.org`; null for totp/passkey/recovery codes. */
  maskedTarget: string | null;
  isDefault: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Recovery codes only: how many are still unused. */
  remaining?: number;
}

/** Why a code was not accepted. The page shows the catalog text for the reason. */
export type CodeFailure = 'wrong' | 'expired' | 'too_many_attempts' | 'replayed' | 'not_found';

export type CodeCheck = { ok: true } | { ok: false; reason: CodeFailure; attemptsLeft?: number };

export type SendFailure =
  | { reason: 'invalid_target'; detail: 'invalid' | 'not_mobile' | 'country_not_allowed' | 'too_long' | 'work_address' }
  | { reason: 'rate_limited'; retryAfterMs: number }
  /** Wait before asking for another code (resend cooldown). */
  | { reason: 'cooldown'; retryAfterMs: number }
  | { reason: 'not_sent' };

export type SendResult = { ok: true; challengeId: string } | ({ ok: false } & SendFailure);

export interface TotpEnrollment {
  /** Opaque id of the pending enrolment (kept server-side, expires in 15 minutes). */
  enrollmentId: string;
  /** Base32 secret grouped in fours for reading aloud: `JBSW Y3DP EHPK 3PXP`. */
  secretGrouped: string;
  otpauthUri: string;
  /** The otpauth URI as an inline SVG QR code (no external service). */
  qrSvg: string;
}

export interface RequestContext {
  ip: string;
  language: 'sv' | 'en';
  /**
   * Counts this request's SMS against this key instead of the address (smsPerIp): a helpdesk
   * agent verifying callers is limited per agent, not per office NAT address shared by everyone.
   */
  senderKey?: string;
}

export interface SecurityInfo {
  listMethods(accountId: string): Promise<SecurityMethod[]>;
  hasMethods(accountId: string): Promise<boolean>;

  startTotpEnrollment(accountId: string, accountLabel: string): Promise<TotpEnrollment>;
  completeTotpEnrollment(accountId: string, enrollmentId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }>;

  /** Parses the number, rate-limits, sends a code by SMS. */
  startPhoneEnrollment(accountId: string, phoneInput: string, ctx: RequestContext): Promise<SendResult>;
  /** Refuses the account's own work address (it is what a reset would recover). */
  startEmailEnrollment(accountId: string, emailInput: string, ctx: RequestContext): Promise<SendResult>;
  completeCodeEnrollment(accountId: string, challengeId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }>;

  /**
   * Stores a passkey the registration ceremony verified (passkey.ts), writes its audit event and
   * tells the user's other channels, as for every other new method.
   */
  savePasskey(accountId: string, passkey: NewPasskey, ctx: { ip: string }): Promise<SavePasskeyResult>;

  /** Replaces any earlier set; returns the 10 codes to show once. */
  generateRecoveryCodes(accountId: string): Promise<string[]>;

  /** Refuses (returns false) to remove the last method while policy requires one. */
  removeMethod(accountId: string, methodId: string): Promise<boolean>;
  setDefault(accountId: string, methodId: string): Promise<void>;

  /** Second step by SMS or e-mail: send a code to the method's target. */
  sendCode(
    accountId: string,
    methodId: string,
    purpose: 'sign_in' | 'reset' | 'caller_verification',
    ctx: RequestContext,
  ): Promise<SendResult>;
  verifySentCode(accountId: string, challengeId: string, code: string): Promise<CodeCheck>;
  /** Second step with the authenticator app (any registered TOTP method; replay refused). */
  verifyTotp(accountId: string, code: string): Promise<CodeCheck & { methodId?: string }>;
  verifyRecoveryCode(accountId: string, code: string): Promise<CodeCheck>;

  /** Helpdesk temporary access pass: lets the user register a first method. Returns the pass, shown once. */
  issuePass(accountId: string, options: { singleUse: boolean; validMinutes: number; issuedBy: string }): Promise<string>;
  redeemPass(accountId: string, pass: string): Promise<CodeCheck>;
}
