// Rotation of the secret-box keys: a new key becomes current and every stored TOTP seed is
// re-encrypted with it in one transaction; old keys stay in the key file (other instances and
// backups may still need them) until a rotation with dropOld, which first checks nothing uses them.

import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { NyckelError } from '../domain/errors.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { listStoredSecrets, reencryptTotpSecrets } from './security-info-store.ts';

export interface RotationReport {
  newKeyId: string;
  methods: number;
  enrollments: number;
  dropped: string[];
}

/** How many stored ciphertexts each key id protects. */
export async function countSecretsByKey(db: Kysely<Database>, box: SecretBox): Promise<Map<string, number>> {
  const counts = new Map<string, number>(box.keyIds.map((kid) => [kid, 0]));
  for (const secret of await listStoredSecrets(db)) {
    const kid = box.keyIdOf(secret);
    counts.set(kid, (counts.get(kid) ?? 0) + 1);
  }
  return counts;
}

export async function rotateSecretKeys(
  deps: { db: Kysely<Database>; store: Store; box: SecretBox; clock: Clock },
  options: { dropOld: boolean; actor: string },
): Promise<RotationReport> {
  const { db, store, box, clock } = deps;
  const oldKeyId = box.currentKeyId;
  // 1. The new key is written to the file before anything is encrypted with it.
  const newKeyId = box.addKey();
  // 2. Every seed moves to the new key, or none does (one transaction).
  let counts: { methods: number; enrollments: number };
  try {
    counts = await reencryptTotpSecrets(db, (secret, binding) => box.encryptWithKey(newKeyId, box.decrypt(secret, binding), binding));
  } catch (error) {
    await store.appendAudit(
      { type: 'secrets.keys_rotated', actor: options.actor, outcome: 'failure', detail: { newKeyId, oldKeyId } },
      clock.now(),
    );
    throw error;
  }
  // 3. Only now does the new key become current for new encryptions.
  box.makeCurrent(newKeyId);
  let dropped: string[] = [];
  if (options.dropOld) {
    const inUse = [...(await countSecretsByKey(db, box))].filter(([kid, n]) => kid !== newKeyId && n > 0);
    if (inUse.length > 0) {
      throw new NyckelError(
        'internal',
        `old keys still protect stored secrets (${inUse.map(([kid, n]) => `${kid}: ${n}`).join(', ')}); nothing was dropped`,
      );
    }
    dropped = box.dropOldKeys();
  }
  await store.appendAudit(
    { type: 'secrets.keys_rotated', actor: options.actor, outcome: 'success', detail: { newKeyId, oldKeyId, ...counts, dropped } },
    clock.now(),
  );
  return { newKeyId, ...counts, dropped };
}
