// Recovery codes in SecurityInfoService: a set of 10 generated, shown once and stored as HMACs
// (a new set replaces the old), and the recovery-code second step, each code usable once. The
// code format is in recovery-codes.ts.

import { constantTimeEqual, randomId } from '../security/tokens.ts';
import { newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes.ts';
import type { CodeCheck } from './security-info.ts';
import type { SecurityInfoCore } from './security-info-core.ts';
import { notifyChange } from './security-info-notices.ts';
import * as records from './security-info-store.ts';

export async function generateRecoveryCodes(core: SecurityInfoCore, accountId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  const hadCodes = (await records.listMethodRecords(core.options.db, accountId)).some((m) => m.kind === 'recovery_codes');
  const method = await records.replaceRecoveryCodes(
    core.options.db,
    core.options.dialect,
    { id: randomId(), accountId, kind: 'recovery_codes', label: '', createdAt: core.now() },
    codes.map((c) => hashRecoveryCode(core, normaliseRecoveryCode(c) as string)),
  );
  await core.audit({
    type: 'security_info.recovery_codes_generated',
    subject: accountId,
    outcome: 'success',
    detail: { methodId: method.id, replaced: hadCodes },
  });
  await notifyChange(core, accountId, 'added', 'recovery_codes', { exclude: null });
  return codes;
}

export async function verifyRecoveryCode(core: SecurityInfoCore, accountId: string, code: string): Promise<CodeCheck> {
  const limited = await core.countCheck('second-step', accountId);
  if (limited !== null) return limited;
  const normalised = normaliseRecoveryCode(code);
  const stored = await records.listRecoveryCodes(core.options.db, accountId);
  if (stored.length === 0) return core.fail('second_step.recovery_code', accountId, { ok: false, reason: 'not_found' });
  const hash = hashRecoveryCode(core, normalised ?? '');
  // Compare with every code (no early exit), so timing says nothing about which one matched.
  let match: (typeof stored)[number] | undefined;
  for (const row of stored) if (constantTimeEqual(row.codeHash, hash) && normalised !== null) match = row;
  if (match === undefined) return core.fail('second_step.recovery_code', accountId, { ok: false, reason: 'wrong' });
  if (match.usedAt !== null || !(await records.consumeRecoveryCode(core.options.db, match.id, core.now()))) {
    return core.fail('second_step.recovery_code', accountId, { ok: false, reason: 'replayed' });
  }
  await records.touchMethod(core.options.db, match.methodId, core.now());
  await core.resetChecks('second-step', accountId);
  const remaining = await records.countUnusedRecoveryCodes(core.options.db, accountId);
  await core.audit({ type: 'second_step.recovery_code', subject: accountId, outcome: 'success', detail: { remaining } });
  return { ok: true };
}

function hashRecoveryCode(core: SecurityInfoCore, normalised: string): string {
  return core.options.box.hmac(`recovery:${normalised}`);
}
