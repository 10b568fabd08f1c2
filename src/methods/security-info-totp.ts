// The authenticator app in SecurityInfoService: enrolment (a seed sealed in the secret box and
// a pending enrolment that expires, confirmed by one code) and the TOTP second step with
// replays refused. The TOTP arithmetic itself is in totp.ts.

import { randomId } from '../security/tokens.ts';
import { qrCodeSvg } from './qr-code.ts';
import type { CodeCheck, SecurityMethod, TotpEnrollment } from './security-info.ts';
import type { SecurityInfoCore } from './security-info-core.ts';
import { notifyChange } from './security-info-notices.ts';
import * as records from './security-info-store.ts';
import { groupSecret, matchTotpStep, newTotpSecret, totpUri } from './totp.ts';

const ENROLLMENT_MINUTES = 15;

export async function startTotpEnrollment(core: SecurityInfoCore, accountId: string, accountLabel: string): Promise<TotpEnrollment> {
  const now = core.now();
  const enrollmentId = randomId();
  const secret = newTotpSecret();
  // The enrolment id becomes the method id, so the ciphertext's binding stays valid when it completes.
  const sealed = core.options.box.encrypt(secret, { accountId, methodId: enrollmentId });
  await records.insertTotpEnrollment(core.options.db, {
    id: enrollmentId,
    accountId,
    secret: sealed,
    label: '',
    createdAt: now,
    expiresAt: new Date(now.getTime() + ENROLLMENT_MINUTES * 60_000),
  });
  const issuer = core.options.config.organisation.name;
  const otpauthUri = totpUri({ issuer, accountLabel, secret });
  const title = core.options.config.i18n.defaultLanguage === 'sv' ? 'QR-kod för autentiseringsappen' : 'QR code for the authenticator app';
  await core.audit({ type: 'security_info.totp_enrollment_started', subject: accountId, outcome: 'info', detail: { enrollmentId } });
  return { enrollmentId, secretGrouped: groupSecret(secret), otpauthUri, qrSvg: qrCodeSvg(otpauthUri, title) };
}

export async function completeTotpEnrollment(
  core: SecurityInfoCore,
  accountId: string,
  enrollmentId: string,
  code: string,
): Promise<CodeCheck & { method?: SecurityMethod }> {
  const now = core.now();
  const limited = await core.countCheck('totp-enroll', accountId);
  if (limited !== null) return limited;
  const enrollment = await records.getTotpEnrollment(core.options.db, accountId, enrollmentId);
  if (enrollment === null) return core.fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'not_found' });
  if (enrollment.expiresAt.getTime() <= now.getTime())
    return core.fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'expired' });
  const secret = core.options.box.decrypt(enrollment.secret, { accountId, methodId: enrollment.id });
  const step = matchTotpStep(secret, code, now, core.policy.totpDriftSteps);
  if (step === null) return core.fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'wrong' });
  const method = await records.completeTotpEnrollmentRecord(core.options.db, core.options.dialect, enrollment.id, {
    id: enrollment.id,
    accountId,
    kind: 'totp',
    label: enrollment.label,
    secret: enrollment.secret,
    // The code just used to confirm can't be used again to sign in.
    totpLastStep: step,
    createdAt: now,
  });
  if (method === null) return core.fail('security_info.totp_enrolled', accountId, { ok: false, reason: 'replayed' });
  await core.resetChecks('totp-enroll', accountId);
  await core.audit({ type: 'security_info.totp_enrolled', subject: accountId, outcome: 'success', detail: { methodId: method.id } });
  await notifyChange(core, accountId, 'added', 'totp', { exclude: null });
  return { ok: true, method: await core.view(method) };
}

export async function verifyTotp(core: SecurityInfoCore, accountId: string, code: string): Promise<CodeCheck & { methodId?: string }> {
  const now = core.now();
  const limited = await core.countCheck('second-step', accountId);
  if (limited !== null) return limited;
  const methods = (await records.listMethodRecords(core.options.db, accountId)).filter((m) => m.kind === 'totp' && m.secret !== null);
  if (methods.length === 0) return core.fail('second_step.totp', accountId, { ok: false, reason: 'not_found' });
  for (const method of methods) {
    const secret = core.options.box.decrypt(method.secret as string, { accountId, methodId: method.id });
    const step = matchTotpStep(secret, code, now, core.policy.totpDriftSteps);
    if (step === null) continue;
    // RFC 6238 section 5.2: the verifier must not accept a second attempt for the same step.
    if (!(await records.acceptTotpStep(core.options.db, method.id, step, now))) {
      return core.fail('second_step.totp', accountId, { ok: false, reason: 'replayed' }, { methodId: method.id });
    }
    await core.resetChecks('second-step', accountId);
    await core.audit({ type: 'second_step.totp', subject: accountId, outcome: 'success', detail: { methodId: method.id } });
    return { ok: true, methodId: method.id };
  }
  return core.fail('second_step.totp', accountId, { ok: false, reason: 'wrong' });
}
