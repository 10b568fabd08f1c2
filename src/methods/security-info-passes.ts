// Temporary access passes in SecurityInfoService: issued by the helpdesk or the CLI for at most
// a week, stored as HMACs, redeemed once (or until they expire when issued reusable), with
// redemptions counted before checking. The pass format is in temporary-pass.ts.

import { NyckelError } from '../domain/errors.ts';
import { constantTimeEqual, randomId } from '../security/tokens.ts';
import type { CodeCheck } from './security-info.ts';
import type { SecurityInfoCore } from './security-info-core.ts';
import * as records from './security-info-store.ts';
import { newTemporaryPass, normaliseTemporaryPass } from './temporary-pass.ts';

/** A pass may be issued for at most a week: it is a way in, not a standing credential. */
export const MAX_PASS_MINUTES = 7 * 24 * 60;

export async function issuePass(
  core: SecurityInfoCore,
  accountId: string,
  options: { singleUse: boolean; validMinutes: number; issuedBy: string },
): Promise<string> {
  if (!Number.isInteger(options.validMinutes) || options.validMinutes < 1 || options.validMinutes > MAX_PASS_MINUTES) {
    throw new NyckelError('invalid_input', `a pass is valid for 1 to ${MAX_PASS_MINUTES} minutes`);
  }
  const now = core.now();
  const pass = newTemporaryPass();
  const id = randomId();
  await records.insertPass(core.options.db, {
    id,
    accountId,
    passHash: core.options.box.hmac(`pass:${normaliseTemporaryPass(pass)}`),
    singleUse: options.singleUse,
    issuedBy: options.issuedBy,
    createdAt: now,
    expiresAt: new Date(now.getTime() + options.validMinutes * 60_000),
  });
  await core.audit({
    type: 'security_info.pass_issued',
    actor: options.issuedBy,
    subject: accountId,
    outcome: 'success',
    detail: { passId: id, singleUse: options.singleUse, validMinutes: options.validMinutes },
  });
  return pass;
}

export async function redeemPass(core: SecurityInfoCore, accountId: string, pass: string): Promise<CodeCheck> {
  const now = core.now();
  const limited = await core.countCheck('pass', accountId);
  if (limited !== null) return limited;
  const normalised = normaliseTemporaryPass(pass);
  const hash = core.options.box.hmac(`pass:${normalised ?? ''}`);
  const passes = await records.listPasses(core.options.db, accountId);
  let match: records.PassRecord | undefined;
  for (const p of passes) if (constantTimeEqual(p.passHash, hash) && normalised !== null) match = p;
  if (match === undefined)
    return core.fail('security_info.pass_redeemed', accountId, { ok: false, reason: passes.length === 0 ? 'not_found' : 'wrong' });
  if (match.expiresAt.getTime() <= now.getTime())
    return core.fail('security_info.pass_redeemed', accountId, { ok: false, reason: 'expired' });
  if (!(await records.redeemPassRecord(core.options.db, match, now)))
    return core.fail('security_info.pass_redeemed', accountId, { ok: false, reason: 'replayed' });
  await core.resetChecks('pass', accountId);
  await core.audit({
    type: 'security_info.pass_redeemed',
    subject: accountId,
    outcome: 'success',
    detail: { passId: match.id, singleUse: match.singleUse },
  });
  return { ok: true };
}
