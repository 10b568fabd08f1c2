// Storage of passkeys (security methods of kind passkey, with their credential columns) and of
// WebAuthn ceremony challenges, over Kysely on SQLite and PostgreSQL. Used by passkey.ts.

import type { Kysely } from 'kysely';
import type { Database, SecurityMethodsTable } from '../store/schema.ts';
import { affected, type Db, insertMethodIn } from './security-info-store.ts';

export interface PasskeyRecord {
  /** The method id. */
  id: string;
  accountId: string;
  label: string;
  /** base64url WebAuthn credential id. */
  credentialId: string;
  /** base64url COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[];
  /** Extra facts from registration (device type, backed up, AAGUID). */
  data: Record<string, unknown>;
  isDefault: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** A passkey to store: the record's own facts, before it has a default flag or a last use. */
export type NewPasskey = Pick<
  PasskeyRecord,
  'id' | 'accountId' | 'label' | 'credentialId' | 'publicKey' | 'counter' | 'transports' | 'createdAt'
> & {
  data?: Record<string, unknown>;
};

/** The passkey-only columns of a security method row. */
export type PasskeyColumns = Pick<PasskeyRecord, 'credentialId' | 'publicKey' | 'counter' | 'transports' | 'data'>;

function toPasskey(row: SecurityMethodsTable): PasskeyRecord {
  let transports: string[] = [];
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.transports ?? '[]');
    if (Array.isArray(parsed)) transports = parsed.filter((t): t is string => typeof t === 'string');
    const extra: unknown = JSON.parse(row.data);
    if (typeof extra === 'object' && extra !== null && !Array.isArray(extra)) data = extra as Record<string, unknown>;
  } catch {
    // Unreadable JSON only loses the hints; the credential itself still works.
  }
  return {
    id: row.id,
    accountId: row.account_id,
    label: row.label,
    credentialId: row.credential_id ?? '',
    publicKey: row.public_key ?? '',
    counter: Number(row.sign_count ?? 0),
    transports,
    data,
    isDefault: Number(row.is_default) === 1,
    createdAt: new Date(Number(row.created_at)),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)),
  };
}

/** Stores a registered passkey as a security method (the first primary method becomes the default). */
export async function savePasskey(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', passkey: NewPasskey): Promise<PasskeyRecord> {
  return db.transaction().execute(async (trx) => {
    await insertMethodIn(
      trx,
      dialect,
      { id: passkey.id, accountId: passkey.accountId, kind: 'passkey', label: passkey.label, createdAt: passkey.createdAt },
      {
        credentialId: passkey.credentialId,
        publicKey: passkey.publicKey,
        counter: passkey.counter,
        transports: passkey.transports,
        data: passkey.data ?? {},
      },
    );
    const row = await trx.selectFrom('security_methods').selectAll().where('id', '=', passkey.id).executeTakeFirstOrThrow();
    return toPasskey(row);
  });
}

/**
 * savePasskey for a credential that may already be stored: instead of the uniqueness error, the
 * account that holds it. The unique index decides (a check before inserting could race).
 */
export async function savePasskeyOnce(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  passkey: NewPasskey,
): Promise<{ saved: PasskeyRecord } | { heldBy: string }> {
  try {
    return { saved: await savePasskey(db, dialect, passkey) };
  } catch (error) {
    const holder = await findPasskeyByCredentialId(db, passkey.credentialId);
    if (holder !== null) return { heldBy: holder.accountId };
    throw error;
  }
}

export async function listPasskeys(db: Db, accountId: string): Promise<PasskeyRecord[]> {
  const rows = await db
    .selectFrom('security_methods')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('kind', '=', 'passkey')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toPasskey);
}

export async function findPasskeyByCredentialId(db: Db, credentialId: string): Promise<PasskeyRecord | null> {
  const row = await db
    .selectFrom('security_methods')
    .selectAll()
    .where('kind', '=', 'passkey')
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row === undefined ? null : toPasskey(row);
}

/** Stores the signature counter after a sign-in and marks the passkey used. */
export async function updatePasskeyCounter(db: Db, methodId: string, counter: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('security_methods')
    .set({ sign_count: counter, last_used_at: at.getTime() })
    .where('id', '=', methodId)
    .where('kind', '=', 'passkey')
    .executeTakeFirst();
  return affected(result) === 1;
}

// ---- WebAuthn challenges (used by passkey.ts) ----

/** Keeps `challenge` for `bindingKey` until `expiresAt`, replacing any earlier one (only the newest may be answered). */
export async function saveWebauthnChallenge(
  db: Db,
  c: { id: string; bindingKey: string; challenge: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  const values = { id: c.id, challenge: c.challenge, created_at: c.createdAt.getTime(), expires_at: c.expiresAt.getTime(), used_at: null };
  await db
    .insertInto('webauthn_challenges')
    .values({ ...values, binding_key: c.bindingKey })
    .onConflict((oc) => oc.column('binding_key').doUpdateSet(values))
    .execute();
}

/**
 * Uses the challenge kept for `bindingKey`, once: the row is marked used by a conditional UPDATE
 * (`WHERE id = ? AND used_at IS NULL`), so of two racing answers exactly one gets it. Null when
 * there is none, it was used, or it expired.
 */
export async function consumeWebauthnChallenge(db: Db, bindingKey: string, now: Date): Promise<string | null> {
  const row = await db
    .selectFrom('webauthn_challenges')
    .select(['id', 'challenge', 'expires_at'])
    .where('binding_key', '=', bindingKey)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return null;
  const result = await db
    .updateTable('webauthn_challenges')
    .set({ used_at: now.getTime() })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (affected(result) !== 1) return null;
  // Checked after marking it used: an expired challenge is spent either way.
  return Number(row.expires_at) > now.getTime() ? row.challenge : null;
}
