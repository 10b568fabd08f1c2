// One-time codes by SMS and e-mail in SecurityInfoService: enrolling a phone or a private
// address (the code sent is the proof of ownership), and sending and checking codes for sign-in,
// reset and caller verification. Each code is an HMAC bound to its challenge, single use, with
// attempts counted before checking; sending holds a resend cooldown and the SMS rate limits, and
// leaves no challenge behind when the message can't be sent.

import { isNyckelError } from '../domain/errors.ts';
import { renderVerificationCode, toEmail, toSms } from '../messaging/message-templates.ts';
import { parsePhoneNumberInput, phoneNumberForLog } from '../messaging/phone-number.ts';
import { constantTimeEqual, randomId } from '../security/tokens.ts';
import { maskEmail } from './masking.ts';
import { newOneTimeCode, normaliseOneTimeCode } from './one-time-code.ts';
import type { CodeCheck, MethodKind, RequestContext, SecurityMethod, SendResult } from './security-info.ts';
import type { SecurityInfoCore } from './security-info-core.ts';
import { notifyChange } from './security-info-notices.ts';
import * as records from './security-info-store.ts';

const MAX_EMAIL_LENGTH = 254;

type Purpose = records.ChallengePurpose;

export async function startPhoneEnrollment(
  core: SecurityInfoCore,
  accountId: string,
  phoneInput: string,
  ctx: RequestContext,
): Promise<SendResult> {
  const sms = core.options.config.messaging.sms;
  const parsed = parsePhoneNumberInput(phoneInput, { defaultCountry: sms.defaultCountry, allowedCountries: sms.allowedCountries });
  if (!parsed.ok) {
    await core.audit({
      type: 'security_info.code_sent',
      subject: accountId,
      ip: ctx.ip,
      outcome: 'refused',
      detail: { channel: 'sms', reason: parsed.reason },
    });
    return { ok: false, reason: 'invalid_target', detail: parsed.reason };
  }
  return sendChallenge(core, { accountId, methodId: null, purpose: 'enroll_sms', channel: 'sms', target: parsed.e164, ctx });
}

export async function startEmailEnrollment(
  core: SecurityInfoCore,
  accountId: string,
  emailInput: string,
  ctx: RequestContext,
): Promise<SendResult> {
  const address = typeof emailInput === 'string' ? emailInput.trim().toLowerCase() : '';
  const refuse = async (detail: 'invalid' | 'too_long' | 'work_address'): Promise<SendResult> => {
    await core.audit({
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
  const account = await core.options.directory.getAccount(accountId);
  if (account?.email !== null && account?.email !== undefined && account.email.toLowerCase() === address) return refuse('work_address');
  return sendChallenge(core, { accountId, methodId: null, purpose: 'enroll_email', channel: 'email', target: address, ctx });
}

export async function completeCodeEnrollment(
  core: SecurityInfoCore,
  accountId: string,
  challengeId: string,
  code: string,
): Promise<CodeCheck & { method?: SecurityMethod }> {
  const checked = await verifyChallenge(core, accountId, challengeId, code, ['enroll_sms', 'enroll_email'], 'security_info.code_enrolled');
  if (!checked.ok) return checked.result;
  const { challenge } = checked;
  const kind: MethodKind = challenge.channel === 'sms' ? 'sms' : 'email';
  const existing = (await records.listMethodRecords(core.options.db, accountId)).find(
    (m) => m.kind === kind && m.target === challenge.target,
  );
  if (existing !== undefined) return { ok: true, method: await core.view(existing) };
  const method = await records.insertMethod(core.options.db, core.options.dialect, {
    id: randomId(),
    accountId,
    kind,
    label: '',
    target: challenge.target,
    createdAt: core.now(),
  });
  await core.audit({
    type: 'security_info.code_enrolled',
    subject: accountId,
    outcome: 'success',
    detail: { methodId: method.id, kind },
  });
  await notifyChange(core, accountId, 'added', kind, { exclude: challenge.target });
  return { ok: true, method: await core.view(method) };
}

export async function sendCode(
  core: SecurityInfoCore,
  accountId: string,
  methodId: string,
  purpose: 'sign_in' | 'reset' | 'caller_verification',
  ctx: RequestContext,
): Promise<SendResult> {
  const method = await records.getMethodRecord(core.options.db, accountId, methodId);
  if (method === null || (method.kind !== 'sms' && method.kind !== 'email') || method.target === null) {
    return { ok: false, reason: 'invalid_target', detail: 'invalid' };
  }
  return sendChallenge(core, { accountId, methodId, purpose, channel: method.kind, target: method.target, ctx });
}

export async function verifySentCode(core: SecurityInfoCore, accountId: string, challengeId: string, code: string): Promise<CodeCheck> {
  const checked = await verifyChallenge(
    core,
    accountId,
    challengeId,
    code,
    ['sign_in', 'reset', 'caller_verification'],
    'second_step.code',
  );
  if (!checked.ok) return checked.result;
  if (checked.challenge.methodId !== null) await records.touchMethod(core.options.db, checked.challenge.methodId, core.now());
  await core.audit({
    type: 'second_step.code',
    subject: accountId,
    outcome: 'success',
    detail: { challengeId, purpose: checked.challenge.purpose },
  });
  return { ok: true };
}

async function sendChallenge(
  core: SecurityInfoCore,
  input: {
    accountId: string;
    methodId: string | null;
    purpose: Purpose;
    channel: 'sms' | 'email';
    target: string;
    ctx: RequestContext;
  },
): Promise<SendResult> {
  const { accountId, channel, target, ctx } = input;
  const now = core.now();
  const p = core.policy;
  const targetForLog = channel === 'sms' ? phoneNumberForLog(target) : maskEmail(target);
  const base = { type: 'security_info.code_sent', subject: accountId, ip: ctx.ip };

  const last = await records.lastChallengeSentAt(core.options.db, accountId, target);
  const cooldownMs = p.resendCooldownSeconds * 1000;
  if (last !== null && now.getTime() - last.getTime() < cooldownMs) {
    return { ok: false, reason: 'cooldown', retryAfterMs: cooldownMs - (now.getTime() - last.getTime()) };
  }

  const limits = core.options.config.rateLimits;
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
    const decision = await core.options.store.hitRateLimit(key, limit, windowMinutes * 60_000, now);
    if (!decision.allowed) {
      if (name === 'smsGlobalPerHour')
        core.options.logger.warn(
          { limit },
          'the hourly SMS budget is used up (possible SMS pumping); SMS codes are refused until the hour ends',
        );
      await core.audit({
        ...base,
        outcome: 'refused',
        detail: { channel, purpose: input.purpose, reason: 'rate_limited', limit: name },
      });
      return { ok: false, reason: 'rate_limited', retryAfterMs: decision.retryAfterMs };
    }
  }

  const id = randomId();
  const code = newOneTimeCode(p.codeLength);
  await records.insertChallenge(core.options.db, {
    id,
    accountId,
    methodId: input.methodId,
    purpose: input.purpose,
    channel,
    target,
    // Bound to the challenge id, so two equal codes never have equal hashes.
    codeHash: core.options.box.hmac(`code:${id}:${code}`),
    maxAttempts: p.codeMaxAttempts,
    createdAt: now,
    expiresAt: new Date(now.getTime() + p.codeValidMinutes * 60_000),
  });
  const message = renderVerificationCode({
    language: ctx.language,
    code,
    validMinutes: p.codeValidMinutes,
    organisationName: core.options.config.organisation.name,
  });
  try {
    await core.options.messenger.send(channel === 'sms' ? toSms(message, target) : toEmail(message, target));
  } catch (error) {
    // Nothing half-done: without the message the challenge is useless, so it goes.
    await records.deleteChallenge(core.options.db, id);
    core.options.logger.warn(
      {
        channel,
        to: targetForLog,
        reason: isNyckelError(error) ? error.detail : undefined,
        err: isNyckelError(error) ? undefined : error,
      },
      'a verification code could not be sent',
    );
    await core.audit({ ...base, outcome: 'failure', detail: { channel, purpose: input.purpose, reason: 'not_sent' } });
    return { ok: false, reason: 'not_sent' };
  }
  await core.audit({ ...base, outcome: 'success', detail: { channel, purpose: input.purpose, challengeId: id, to: targetForLog } });
  return { ok: true, challengeId: id };
}

async function verifyChallenge(
  core: SecurityInfoCore,
  accountId: string,
  challengeId: string,
  input: string,
  purposes: readonly Purpose[],
  auditType: string,
): Promise<{ ok: true; challenge: records.ChallengeRecord } | { ok: false; result: CodeCheck }> {
  const now = core.now();
  const fail = async (result: CodeCheck) => ({
    ok: false as const,
    result: await core.fail(auditType, accountId, result, { challengeId }),
  });
  if (typeof challengeId !== 'string' || challengeId.length > 64) return fail({ ok: false, reason: 'not_found' });
  // Count the attempt first, then check (Ory Kratos): a guess always costs one try.
  const challenge = await records.countChallengeAttempt(core.options.db, accountId, challengeId);
  if (challenge === null) {
    const existing = await records.getChallenge(core.options.db, accountId, challengeId);
    return fail({ ok: false, reason: existing === null ? 'not_found' : 'replayed' });
  }
  if (!purposes.includes(challenge.purpose)) return fail({ ok: false, reason: 'not_found' });
  if (challenge.expiresAt.getTime() <= now.getTime()) return fail({ ok: false, reason: 'expired' });
  if (challenge.attempts > challenge.maxAttempts) return fail({ ok: false, reason: 'too_many_attempts', attemptsLeft: 0 });
  const code = normaliseOneTimeCode(input, core.policy.codeLength);
  const matches = constantTimeEqual(core.options.box.hmac(`code:${challenge.id}:${code ?? ''}`), challenge.codeHash) && code !== null;
  if (!matches) {
    const attemptsLeft = Math.max(0, challenge.maxAttempts - challenge.attempts);
    return fail({ ok: false, reason: attemptsLeft === 0 ? 'too_many_attempts' : 'wrong', attemptsLeft });
  }
  // Single use: exactly one of two racing requests flips used_at.
  if (!(await records.consumeChallenge(core.options.db, challenge.id, now))) return fail({ ok: false, reason: 'replayed' });
  return { ok: true, challenge };
}
