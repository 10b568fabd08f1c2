// The Store port: everything Nyckel keeps itself (sessions, rate-limit counters, audit
// events, settings; the embedded directory's accounts live in the same database).
// One implementation over Kysely runs the same queries on SQLite and PostgreSQL.

import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface SessionRecord {
  /** SHA-256 of the cookie's secret. */
  idHash: string;
  accountId: string;
  data: Record<string, unknown>;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits counted in the current window, including this one. */
  count: number;
  /** Milliseconds until the window ends (when not allowed: when to try again). */
  retryAfterMs: number;
}

export interface AuditEventInput {
  type: string;
  actor?: string | null;
  subject?: string | null;
  ip?: string | null;
  outcome: 'success' | 'failure' | 'refused' | 'info';
  detail?: Record<string, unknown>;
}

export interface AuditEvent extends Required<Omit<AuditEventInput, 'detail'>> {
  id: number;
  at: Date;
  detail: Record<string, unknown>;
}

/** An audit event as the chain stores it (see src/audit/audit-chain.ts). */
export interface ChainedAuditEvent extends AuditEvent {
  prevHash: string;
  hash: string;
}

/** The last event of the audit chain, as recorded when it was appended. */
export interface AuditChainHead {
  lastId: number | null;
  lastHash: string;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** For adapters that keep their own tables (the embedded directory). */
  readonly db: Kysely<Database>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  /** Updates last-seen time (and data when given). */
  touchSession(idHash: string, at: Date, data?: Record<string, unknown>): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of an account (after a reset, a campaign, sign out everywhere). Returns how many. */
  deleteSessionsOfAccount(accountId: string): Promise<number>;
  /** Removes sessions idle since before `idleBefore` or created before `createdBefore`. */
  purgeSessions(idleBefore: Date, createdBefore: Date): Promise<number>;

  /**
   * Counts one hit against `key` in a fixed window and decides, atomically across
   * instances (the counter lives in the database, not in memory).
   */
  hitRateLimit(key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitDecision>;
  /** Reads without counting. */
  peekRateLimit(key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitDecision>;
  resetRateLimit(key: string): Promise<void>;

  /**
   * Appends an event to the hash chain. Appends are serialised across instances (a lock on the
   * chain head), so the chain stays linear. The audit table has no update or delete here, on purpose.
   */
  appendAudit(event: AuditEventInput, at: Date): Promise<void>;
  listAudit(options: { subject?: string; type?: string; limit: number }): Promise<AuditEvent[]>;
  /** Events with their hashes in chain (id) order: those after `afterId`, at or after `since`. For export and verify. */
  listAuditChain(options: { afterId?: number; since?: Date; limit: number }): Promise<ChainedAuditEvent[]>;
  getAuditChainHead(): Promise<AuditChainHead>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;

  /** Throws NyckelError 'store_unavailable' when the database can't be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
