// Storage of security info over Kysely (the same queries on SQLite and PostgreSQL): methods,
// pending authenticator enrolments, sent codes, recovery codes, temporary passes (passkeys:
// passkey-store.ts). Everything that must hold under concurrency
// (one default, single use, attempts) is decided by one conditional statement or a transaction.

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SecurityMethodsTable } from '../store/schema.ts';
import type { PasskeyColumns } from './passkey-store.ts';
import type { MethodKind } from './security-info.ts';

export type Db = Kysely<Database> | Transaction<Database>;

export const METHOD_KINDS: readonly MethodKind[] = ['totp', 'sms', 'email', 'passkey', 'recovery_codes'];

/** Recovery codes are a fallback, not a method of their own: they never count toward policy or become the default. */
export function isPrimaryKind(kind: MethodKind): boolean {
  return kind !== 'recovery_codes';
}

export interface MethodRecord {
  id: string;
  accountId: string;
  kind: MethodKind;
  label: string;
  /** E.164 or e-mail address; null for the other kinds. */
  target: string | null;
  /** The TOTP seed as the secret box wrote it. */
  secret: string | null;
  isDefault: boolean;
  totpLastStep: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface NewMethod {
  id: string;
  accountId: string;
  kind: MethodKind;
  label: string;
  target?: string | null;
  secret?: string | null;
  totpLastStep?: number | null;
  createdAt: Date;
}

function toMethod(row: SecurityMethodsTable): MethodRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind as MethodKind,
    label: row.label,
    target: row.target,
    secret: row.secret,
    isDefault: Number(row.is_default) === 1,
    totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    createdAt: new Date(Number(row.created_at)),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)),
  };
}

export const affected = (result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number =>
  Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n);

/** On PostgreSQL, lock the account's method rows for the rest of the transaction (SQLite transactions are already serial). */
async function lockAccountMethods(trx: Transaction<Database>, dialect: 'sqlite' | 'postgres', accountId: string): Promise<void> {
  if (dialect === 'postgres')
    await trx.selectFrom('security_methods').select('id').where('account_id', '=', accountId).forUpdate().execute();
}

// ---- methods ----

export async function listMethodRecords(db: Db, accountId: string): Promise<MethodRecord[]> {
  const rows = await db
    .selectFrom('security_methods')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toMethod);
}

export async function getMethodRecord(db: Db, accountId: string, methodId: string): Promise<MethodRecord | null> {
  const row = await db
    .selectFrom('security_methods')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', methodId)
    .executeTakeFirst();
  return row === undefined ? null : toMethod(row);
}

/** Inserts within `trx`; the first primary method of an account becomes its default. */
export async function insertMethodIn(
  trx: Transaction<Database>,
  dialect: 'sqlite' | 'postgres',
  method: NewMethod,
  passkey?: PasskeyColumns,
): Promise<MethodRecord> {
  await lockAccountMethods(trx, dialect, method.accountId);
  const hasDefault = await trx
    .selectFrom('security_methods')
    .select('id')
    .where('account_id', '=', method.accountId)
    .where('is_default', '=', 1)
    .executeTakeFirst();
  const isDefault = isPrimaryKind(method.kind) && hasDefault === undefined;
  await trx
    .insertInto('security_methods')
    .values({
      id: method.id,
      account_id: method.accountId,
      kind: method.kind,
      label: method.label,
      target: method.target ?? null,
      secret: method.secret ?? null,
      is_default: isDefault ? 1 : 0,
      totp_last_step: method.totpLastStep ?? null,
      credential_id: passkey?.credentialId ?? null,
      public_key: passkey?.publicKey ?? null,
      sign_count: passkey?.counter ?? null,
      transports: passkey === undefined ? null : JSON.stringify(passkey.transports),
      data: JSON.stringify(passkey?.data ?? {}),
      created_at: method.createdAt.getTime(),
      last_used_at: null,
    })
    .execute();
  const row = await trx.selectFrom('security_methods').selectAll().where('id', '=', method.id).executeTakeFirstOrThrow();
  return toMethod(row);
}

export async function insertMethod(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', method: NewMethod): Promise<MethodRecord> {
  return db.transaction().execute((trx) => insertMethodIn(trx, dialect, method));
}

export type RemoveOutcome = { outcome: 'removed'; method: MethodRecord } | { outcome: 'not_found' } | { outcome: 'refused' };

/**
 * Removes a method unless that leaves fewer than `minPrimary` primary methods. A removed default
 * passes to the oldest remaining primary method. Recovery codes go with their method.
 */
export async function removeMethodRecord(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  accountId: string,
  methodId: string,
  minPrimary: number,
): Promise<RemoveOutcome> {
  return db.transaction().execute(async (trx): Promise<RemoveOutcome> => {
    await lockAccountMethods(trx, dialect, accountId);
    const methods = await listMethodRecords(trx, accountId);
    const method = methods.find((m) => m.id === methodId);
    if (method === undefined) return { outcome: 'not_found' };
    const primaryLeft = methods.filter((m) => m.id !== methodId && isPrimaryKind(m.kind));
    if (isPrimaryKind(method.kind) && primaryLeft.length < minPrimary) return { outcome: 'refused' };
    await trx.deleteFrom('security_methods').where('id', '=', methodId).execute();
    if (method.kind === 'recovery_codes') await trx.deleteFrom('recovery_codes').where('method_id', '=', methodId).execute();
    const next = primaryLeft[0];
    if (method.isDefault && next !== undefined)
      await trx.updateTable('security_methods').set({ is_default: 1 }).where('id', '=', next.id).execute();
    return { outcome: 'removed', method };
  });
}

/** Makes `methodId` the account's only default. False when there is no such primary method. */
export async function setDefaultMethod(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  accountId: string,
  methodId: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockAccountMethods(trx, dialect, accountId);
    const method = await getMethodRecord(trx, accountId, methodId);
    if (method === null || !isPrimaryKind(method.kind)) return false;
    // Clear first: the partial unique index allows only one default at any moment.
    await trx
      .updateTable('security_methods')
      .set({ is_default: 0 })
      .where('account_id', '=', accountId)
      .where('is_default', '=', 1)
      .execute();
    await trx.updateTable('security_methods').set({ is_default: 1 }).where('id', '=', methodId).execute();
    return true;
  });
}

export async function touchMethod(db: Db, methodId: string, at: Date): Promise<void> {
  await db.updateTable('security_methods').set({ last_used_at: at.getTime() }).where('id', '=', methodId).execute();
}

/**
 * Records `step` as the last accepted TOTP step, only if it is later than the one stored. One
 * statement, so two requests with the same code can't both pass. False = replay.
 */
export async function acceptTotpStep(db: Db, methodId: string, step: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('security_methods')
    .set({ totp_last_step: step, last_used_at: at.getTime() })
    .where('id', '=', methodId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return affected(result) === 1;
}

// ---- pending authenticator enrolments ----

export interface TotpEnrollmentRecord {
  id: string;
  accountId: string;
  secret: string;
  label: string;
  createdAt: Date;
  expiresAt: Date;
}

export async function insertTotpEnrollment(db: Db, record: TotpEnrollmentRecord): Promise<void> {
  await db
    .insertInto('totp_enrollments')
    .values({
      id: record.id,
      account_id: record.accountId,
      secret: record.secret,
      label: record.label,
      created_at: record.createdAt.getTime(),
      expires_at: record.expiresAt.getTime(),
    })
    .execute();
}

/** The pending enrolment (expired ones too: the caller says "expired"), or null when unknown or another account's. */
export async function getTotpEnrollment(db: Db, accountId: string, id: string): Promise<TotpEnrollmentRecord | null> {
  const row = await db
    .selectFrom('totp_enrollments')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (row === undefined) return null;
  return {
    id: row.id,
    accountId: row.account_id,
    secret: row.secret,
    label: row.label,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
  };
}

/** Turns a pending enrolment into a method, once: the enrolment row is deleted in the same transaction. Null if it was gone. */
export async function completeTotpEnrollmentRecord(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  enrollmentId: string,
  method: NewMethod,
): Promise<MethodRecord | null> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('totp_enrollments')
      .where('id', '=', enrollmentId)
      .where('account_id', '=', method.accountId)
      .executeTakeFirst();
    if (affected(deleted) !== 1) return null;
    return insertMethodIn(trx, dialect, method);
  });
}

export interface PurgeCounts {
  enrollments: number;
  challenges: number;
  passes: number;
  webauthnChallenges: number;
}

/**
 * Removes what can no longer be used: expired enrolments, code challenges and passes, and
 * WebAuthn challenges that expired or were answered (the purge job calls this).
 */
export async function purgeExpired(db: Db, now: Date): Promise<PurgeCounts> {
  const ms = now.getTime();
  const enrollments = await db.deleteFrom('totp_enrollments').where('expires_at', '<=', ms).executeTakeFirst();
  const challenges = await db.deleteFrom('code_challenges').where('expires_at', '<=', ms).executeTakeFirst();
  const passes = await db.deleteFrom('temporary_passes').where('expires_at', '<=', ms).executeTakeFirst();
  const webauthnChallenges = await db
    .deleteFrom('webauthn_challenges')
    .where((eb) => eb.or([eb('expires_at', '<=', ms), eb('used_at', 'is not', null)]))
    .executeTakeFirst();
  return {
    enrollments: affected(enrollments),
    challenges: affected(challenges),
    passes: affected(passes),
    webauthnChallenges: affected(webauthnChallenges),
  };
}

// ---- one-time code challenges ----

export type ChallengePurpose = 'enroll_sms' | 'enroll_email' | 'sign_in' | 'reset' | 'caller_verification';

export interface ChallengeRecord {
  id: string;
  accountId: string;
  methodId: string | null;
  purpose: ChallengePurpose;
  channel: 'sms' | 'email';
  target: string;
  codeHash: string;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export async function insertChallenge(db: Db, c: Omit<ChallengeRecord, 'attempts' | 'usedAt'>): Promise<void> {
  await db
    .insertInto('code_challenges')
    .values({
      id: c.id,
      account_id: c.accountId,
      method_id: c.methodId,
      purpose: c.purpose,
      channel: c.channel,
      target: c.target,
      code_hash: c.codeHash,
      attempts: 0,
      max_attempts: c.maxAttempts,
      created_at: c.createdAt.getTime(),
      expires_at: c.expiresAt.getTime(),
      used_at: null,
    })
    .execute();
}

export async function deleteChallenge(db: Db, id: string): Promise<void> {
  await db.deleteFrom('code_challenges').where('id', '=', id).execute();
}

/** When the account last had a code sent to `target` (for the resend cooldown), or null. */
export async function lastChallengeSentAt(db: Db, accountId: string, target: string): Promise<Date | null> {
  const row = await db
    .selectFrom('code_challenges')
    .select((eb) => eb.fn.max('created_at').as('latest'))
    .where('account_id', '=', accountId)
    .where('target', '=', target)
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? null : new Date(Number(row.latest));
}

function toChallenge(row: Database['code_challenges']): ChallengeRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    methodId: row.method_id,
    purpose: row.purpose as ChallengePurpose,
    channel: row.channel as 'sms' | 'email',
    target: row.target,
    codeHash: row.code_hash,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    usedAt: row.used_at === null ? null : new Date(Number(row.used_at)),
  };
}

export async function getChallenge(db: Db, accountId: string, id: string): Promise<ChallengeRecord | null> {
  const row = await db
    .selectFrom('code_challenges')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row === undefined ? null : toChallenge(row);
}

/**
 * Counts one attempt BEFORE the code is checked (Ory Kratos' rule: a failed check that crashes
 * halfway still counts). Returns the challenge after counting, or null when it is unknown or used.
 */
export async function countChallengeAttempt(db: Db, accountId: string, id: string): Promise<ChallengeRecord | null> {
  const row = await db
    .updateTable('code_challenges')
    .set({ attempts: sql<number>`${sql.ref('attempts')} + 1` })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? null : toChallenge(row);
}

/** Marks the challenge used; true for exactly one caller even when several race. */
export async function consumeChallenge(db: Db, id: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('code_challenges')
    .set({ used_at: at.getTime() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return affected(result) === 1;
}

// ---- recovery codes ----

/** Replaces the account's recovery codes (and their method row) with a new set, in one transaction. */
export async function replaceRecoveryCodes(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  method: NewMethod,
  codeHashes: readonly string[],
): Promise<MethodRecord> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('account_id', '=', method.accountId).execute();
    await trx.deleteFrom('security_methods').where('account_id', '=', method.accountId).where('kind', '=', 'recovery_codes').execute();
    const record = await insertMethodIn(trx, dialect, method);
    await trx
      .insertInto('recovery_codes')
      .values(
        codeHashes.map((code_hash) => ({
          account_id: method.accountId,
          method_id: method.id,
          code_hash,
          created_at: method.createdAt.getTime(),
          used_at: null,
        })),
      )
      .execute();
    return record;
  });
}

/** All of the account's current recovery codes, used ones too (so a second use reads as a replay, not a typo). */
export async function listRecoveryCodes(
  db: Db,
  accountId: string,
): Promise<{ id: number; methodId: string; codeHash: string; usedAt: Date | null }[]> {
  const rows = await db
    .selectFrom('recovery_codes')
    .select(['id', 'method_id', 'code_hash', 'used_at'])
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    methodId: r.method_id,
    codeHash: r.code_hash,
    usedAt: r.used_at === null ? null : new Date(Number(r.used_at)),
  }));
}

export async function countUnusedRecoveryCodes(db: Db, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function consumeRecoveryCode(db: Db, id: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: at.getTime() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return affected(result) === 1;
}

// ---- temporary passes ----

export interface PassRecord {
  id: string;
  accountId: string;
  passHash: string;
  singleUse: boolean;
  issuedBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  useCount: number;
}

export async function insertPass(db: Db, pass: Omit<PassRecord, 'usedAt' | 'useCount'>): Promise<void> {
  await db
    .insertInto('temporary_passes')
    .values({
      id: pass.id,
      account_id: pass.accountId,
      pass_hash: pass.passHash,
      single_use: pass.singleUse ? 1 : 0,
      issued_by: pass.issuedBy,
      created_at: pass.createdAt.getTime(),
      expires_at: pass.expiresAt.getTime(),
      used_at: null,
      use_count: 0,
    })
    .execute();
}

/** The account's passes, expired and used ones too (the caller tells the user which it was). */
export async function listPasses(db: Db, accountId: string): Promise<PassRecord[]> {
  const rows = await db.selectFrom('temporary_passes').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    passHash: r.pass_hash,
    singleUse: Number(r.single_use) === 1,
    issuedBy: r.issued_by,
    createdAt: new Date(Number(r.created_at)),
    expiresAt: new Date(Number(r.expires_at)),
    usedAt: r.used_at === null ? null : new Date(Number(r.used_at)),
    useCount: Number(r.use_count),
  }));
}

/** Records a redemption; a single-use pass is redeemed by exactly one caller. */
export async function redeemPassRecord(db: Db, pass: PassRecord, at: Date): Promise<boolean> {
  let query = db
    .updateTable('temporary_passes')
    .set({ used_at: sql<number>`coalesce(${sql.ref('used_at')}, ${at.getTime()})`, use_count: sql<number>`${sql.ref('use_count')} + 1` })
    .where('id', '=', pass.id)
    .where('expires_at', '>', at.getTime());
  if (pass.singleUse) query = query.where('used_at', 'is', null);
  return affected(await query.executeTakeFirst()) === 1;
}

// ---- key rotation ----

/**
 * Re-encrypts every stored TOTP seed (methods and pending enrolments) in one transaction:
 * either every seed moves to the new key or none does.
 */
export async function reencryptTotpSecrets(
  db: Kysely<Database>,
  reencrypt: (secret: string, binding: { accountId: string; methodId: string }) => string,
): Promise<{ methods: number; enrollments: number }> {
  return db.transaction().execute(async (trx) => {
    const methods = await trx
      .selectFrom('security_methods')
      .select(['id', 'account_id', 'secret'])
      .where('secret', 'is not', null)
      .execute();
    for (const m of methods) {
      const secret = reencrypt(m.secret as string, { accountId: m.account_id, methodId: m.id });
      await trx.updateTable('security_methods').set({ secret }).where('id', '=', m.id).execute();
    }
    const enrollments = await trx.selectFrom('totp_enrollments').select(['id', 'account_id', 'secret']).execute();
    for (const e of enrollments) {
      const secret = reencrypt(e.secret, { accountId: e.account_id, methodId: e.id });
      await trx.updateTable('totp_enrollments').set({ secret }).where('id', '=', e.id).execute();
    }
    return { methods: methods.length, enrollments: enrollments.length };
  });
}

/** Every stored ciphertext, for counting by key id. */
export async function listStoredSecrets(db: Db): Promise<string[]> {
  const methods = await db.selectFrom('security_methods').select('secret').where('secret', 'is not', null).execute();
  const enrollments = await db.selectFrom('totp_enrollments').select('secret').execute();
  return [...methods.map((m) => m.secret as string), ...enrollments.map((e) => e.secret)];
}
