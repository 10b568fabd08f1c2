// Nyckel's own password history for Active Directory accounts: Samba does not check history when
// the service account resets a password, so Nyckel keeps argon2id hashes of the passwords it set
// itself (table directory_password_history, by objectGUID) and refuses their reuse.

import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.ts';
import { type Argon2Params, hashPassword, verifyPassword } from '../../security/password-hashing.ts';
import type { Database } from '../../store/schema.ts';
import { policyViolation } from '../ldap/ldap-errors.ts';

export class OwnPasswordHistory {
  readonly #db: Kysely<Database>;
  readonly #argon2: Argon2Params;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, argon2: Argon2Params, clock: Clock) {
    this.#db = db;
    this.#argon2 = argon2;
    this.#clock = clock;
  }

  /** Refuses a password Nyckel itself set for this account within the last `historySize` passwords. */
  async refuse(key: string, password: string, historySize: number): Promise<void> {
    if (historySize <= 0) return;
    const rows = await this.#db
      .selectFrom('directory_password_history')
      .select(['password_hash'])
      .where('account_key', '=', key)
      .orderBy('id', 'desc')
      .limit(historySize)
      .execute();
    for (const row of rows) {
      if (await verifyPassword(row.password_hash, password)) {
        throw policyViolation(
          { rule: 'in_history', historySize },
          new Error('the password is in the history Nyckel keeps for this account'),
        );
      }
    }
  }

  async remember(key: string, password: string, historySize: number): Promise<void> {
    if (historySize <= 0) return;
    const hash = await hashPassword(password, this.#argon2);
    await this.#db
      .insertInto('directory_password_history')
      .values({ account_key: key, password_hash: hash, created_at: this.#clock.now().getTime() })
      .execute();
    // Keep only the newest `historySize` rows for the account.
    const keep = this.#db
      .selectFrom('directory_password_history')
      .select('id')
      .where('account_key', '=', key)
      .orderBy('id', 'desc')
      .limit(historySize);
    await this.#db.deleteFrom('directory_password_history').where('account_key', '=', key).where('id', 'not in', keep).execute();
  }
}
