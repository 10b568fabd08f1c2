// Rows of audit_events as the events the rest of Nyckel reads: the store's listings and the
// audit view's pages map them the same way and differ only in how they read the detail column.

import type { Selectable } from 'kysely';
import type { AuditEventsTable } from './schema.ts';
import type { AuditEvent, ChainedAuditEvent } from './store.ts';

/** The event in a row, with its detail as the caller parsed it. Number(): PostgreSQL returns bigint columns as strings. */
export function auditEventFromRow(row: Selectable<AuditEventsTable>, detail: Record<string, unknown>): AuditEvent {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)),
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    ip: row.ip,
    outcome: row.outcome as AuditEvent['outcome'],
    detail,
  };
}

/** The event with the hashes that chain it to the one before. */
export function chainedAuditEventFromRow(row: Selectable<AuditEventsTable>, detail: Record<string, unknown>): ChainedAuditEvent {
  return { ...auditEventFromRow(row, detail), prevHash: row.prev_hash, hash: row.hash };
}
