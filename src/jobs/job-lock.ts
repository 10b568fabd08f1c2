// A lease in the store, so a scheduled job runs on one instance at a time however many are
// running. One row per job name holds the current holder and when its lease ends; taking the
// lease is one atomic statement (INSERT … ON CONFLICT DO NOTHING, else UPDATE … WHERE the lease
// has run out or is already ours), so two instances can never both hold it.
// Leases are measured on each instance's clock: keep the servers' clocks in sync (NTP), and keep
// the lease well longer than the expected skew.

import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { randomId } from '../security/tokens.ts';
import type { Database } from '../store/schema.ts';

const NAME_MAX = 128;

/** Who this process is, as a lock holder: readable for an operator, unique per process. */
export function defaultHolderId(): string {
  return `${hostname().slice(0, 60)}:${process.pid}:${randomId().slice(0, 8)}`;
}

export class JobLock {
  readonly name: string;
  readonly holder: string;
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, name: string, clock: Clock, holder: string = defaultHolderId()) {
    if (name.length === 0 || name.length > NAME_MAX) throw new RangeError(`a job lock name must be 1–${NAME_MAX} characters`);
    if (holder.length === 0 || holder.length > NAME_MAX) throw new RangeError(`a job lock holder must be 1–${NAME_MAX} characters`);
    this.#db = db;
    this.name = name;
    this.holder = holder;
    this.#clock = clock;
  }

  /** Takes the lease for `ttlMs` if it is free, run out, or already ours (then it is extended). */
  async acquire(ttlMs: number): Promise<boolean> {
    const now = this.#clock.now().getTime();
    const expiresAt = now + checkTtl(ttlMs);
    const inserted = await this.#db
      .insertInto('job_locks')
      .values({ name: this.name, holder: this.holder, acquired_at: now, expires_at: expiresAt })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    // The row exists: take it over only if its lease ran out or it is ours. The condition is in
    // the UPDATE itself, so of two instances racing for an expired lease only one matches.
    const updated = await this.#db
      .updateTable('job_locks')
      .set({ holder: this.holder, acquired_at: now, expires_at: expiresAt })
      .where('name', '=', this.name)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('holder', '=', this.holder)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Extends a lease we hold; false when it is no longer ours (it ran out and another instance took it). */
  async renew(ttlMs: number): Promise<boolean> {
    const now = this.#clock.now().getTime();
    const updated = await this.#db
      .updateTable('job_locks')
      .set({ expires_at: now + checkTtl(ttlMs) })
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Gives the lease up (only if it is ours), so another instance can take over at once. */
  async release(): Promise<void> {
    await this.#db.deleteFrom('job_locks').where('name', '=', this.name).where('holder', '=', this.holder).execute();
  }
}

function checkTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`a lease must be a positive integer of ms, got ${ttlMs}`);
  return ttlMs;
}
