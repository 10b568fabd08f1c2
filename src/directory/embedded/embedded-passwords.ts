// Passwords in the embedded directory: NFC normalisation, verifying against the stored argon2id
// hash, the length and history rules, replacing a password (a user's own change or a service
// reset) and the table `password_history` that remembers replaced hashes. Used by
// EmbeddedDirectory for signing in and writing passwords, and for createAccount.

import type { Transaction } from 'kysely';
import { NyckelError } from '../../domain/errors.ts';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../../security/password-hashing.ts';
import type { Database } from '../../store/schema.ts';
import type { PasswordRejection } from '../directory.ts';
import {
  type AccountRow,
  activeLockEnd,
  clearExpiredLock,
  countFailure,
  type EmbeddedContext,
  notFound,
  type PasswordPolicySettings,
  rowById,
} from './embedded-account-rows.ts';

/**
 * Passwords are compared after NFC normalisation, so the same password typed on two systems
 * that compose characters differently (å as one code point or a + ring) matches (NIST SP
 * 800-63B §5.1.1.2: normalise before hashing).
 */
export function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

function rejectionMessage(rejection: PasswordRejection): string {
  switch (rejection.rule) {
    case 'too_short':
      return `the password must be at least ${rejection.minLength} characters`;
    case 'too_long':
      return `the password can be at most ${rejection.maxLength} characters`;
    case 'same_as_current':
      return 'the new password is the same as the current one';
    case 'in_history':
      return `the password was used before (the last ${rejection.historySize} passwords can't be reused)`;
    case 'directory_policy':
      return rejection.reason;
  }
}

export function policyViolation(rejection: PasswordRejection): NyckelError {
  return new NyckelError('policy_violation', rejectionMessage(rejection), { detail: { rejection } });
}

export function lengthRejection(policy: PasswordPolicySettings, candidate: string): PasswordRejection | null {
  // Counted in code points, so every character counts as one whatever its encoding (NIST SP 800-63B §5.1.1.2).
  const length = [...candidate].length;
  if (length < policy.minLength) return { rule: 'too_short', minLength: policy.minLength };
  if (length > policy.maxLength) return { rule: 'too_long', maxLength: policy.maxLength };
  return null;
}

/** Verifies against the current hash; an account without a password spends the same time and fails. */
export async function verifyCurrent(context: EmbeddedContext, row: AccountRow, candidate: string): Promise<boolean> {
  if (row.password_hash === null) {
    await dummyVerify(context.settings.argon2);
    return false;
  }
  return verifyPassword(row.password_hash, candidate);
}

/**
 * Upgrades a hash made with older cost parameters while the password is at hand (OWASP:
 * rehash on next sign-in). Only if nobody changed the password meanwhile.
 */
export async function rehashIfOutdated(context: EmbeddedContext, row: AccountRow, candidate: string): Promise<void> {
  if (row.password_hash !== null && needsRehash(row.password_hash, context.settings.argon2)) {
    const upgraded = await hashPassword(candidate, context.settings.argon2);
    await context.db
      .updateTable('accounts')
      .set({ password_hash: upgraded })
      .where('id', '=', row.id)
      .where('password_hash', '=', row.password_hash)
      .execute();
  }
}

async function historyRejection(context: EmbeddedContext, id: string, candidate: string): Promise<PasswordRejection | null> {
  const historySize = context.settings.historySize;
  if (historySize === 0) return null;
  const earlier = await context.db
    .selectFrom('password_history')
    .select('password_hash')
    .where('account_id', '=', id)
    .orderBy('id', 'desc')
    .limit(historySize)
    .execute();
  for (const { password_hash } of earlier) {
    if (await verifyPassword(password_hash, candidate)) return { rule: 'in_history', historySize };
  }
  return null;
}

/**
 * Checks and writes a new password. With `oldPassword` it is the user's own change (the old
 * password must be right, and a wrong one counts toward lockout); without, a service reset.
 * The argon2 work happens outside the transaction (it would hold SQLite's write lock); the
 * write then only succeeds if the hash it checked against is still current, else it retries.
 */
export async function replacePassword(
  context: EmbeddedContext,
  id: string,
  newPassword: string,
  options: { mustChange: boolean; oldPassword: string | null },
): Promise<void> {
  const { db, settings, policy, clock } = context;
  const candidate = normalisePassword(newPassword);
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await rowById(db, id);
    if (row === null) throw notFound(id);
    const now = clock.now().getTime();

    if (options.oldPassword !== null) {
      if (activeLockEnd(row, now) !== null) {
        throw new NyckelError('account_locked', 'the account is locked; the password can be changed after it is unlocked');
      }
      if (row.disabled === 1) throw new NyckelError('account_disabled', 'the account is disabled');
      if (row.locked_until !== null) await clearExpiredLock(db, row.id, now);
      const old = normalisePassword(options.oldPassword);
      if (!(await verifyCurrent(context, row, old))) {
        await countFailure(db, settings, row.id, now);
        throw new NyckelError('invalid_credentials', 'the current password is not right');
      }
      const tooShortOrLong = lengthRejection(policy, candidate);
      if (tooShortOrLong !== null) throw policyViolation(tooShortOrLong);
      if (old === candidate) throw policyViolation({ rule: 'same_as_current' });
    } else {
      const tooShortOrLong = lengthRejection(policy, candidate);
      if (tooShortOrLong !== null) throw policyViolation(tooShortOrLong);
      if (row.password_hash !== null && (await verifyPassword(row.password_hash, candidate))) {
        throw policyViolation({ rule: 'same_as_current' });
      }
    }
    const usedBefore = await historyRejection(context, row.id, candidate);
    if (usedBefore !== null) throw policyViolation(usedBefore);

    const newHash = await hashPassword(candidate, settings.argon2);
    const written = await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('accounts')
        .set({
          password_hash: newHash,
          password_changed_at: now,
          must_change: options.mustChange ? 1 : 0,
          failed_attempts: 0,
          locked_until: null,
        })
        .where('id', '=', row.id)
        .where('password_hash', row.password_hash === null ? 'is' : '=', row.password_hash)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await pushHistory(trx, settings.historySize, row, now);
      return true;
    });
    if (written) return;
  }
  throw new NyckelError('internal', 'the password was changed by someone else at the same time; try again');
}

/** Keeps the replaced hash and trims the history to the newest `historySize` entries. */
async function pushHistory(trx: Transaction<Database>, historySize: number, row: AccountRow, now: number): Promise<void> {
  if (row.password_hash !== null && historySize > 0) {
    await trx.insertInto('password_history').values({ account_id: row.id, password_hash: row.password_hash, created_at: now }).execute();
  }
  await trx
    .deleteFrom('password_history')
    .where('account_id', '=', row.id)
    .where(
      'id',
      'not in',
      trx.selectFrom('password_history').select('id').where('account_id', '=', row.id).orderBy('id', 'desc').limit(historySize),
    )
    .execute();
}
