// The audit view's queries (/admin/audit): events filtered by type prefix, subject, actor,
// outcome and time, newest first, a page at a time by keyset on the id (stable while new events
// arrive, unlike OFFSET), and a check that the events shown still fit the hash chain.

import { type Kysely, type Selectable, sql } from 'kysely';
import { chainedAuditEventFromRow } from '../store/audit-event-rows.ts';
import type { AuditEventsTable, Database } from '../store/schema.ts';
import type { ChainedAuditEvent } from '../store/store.ts';
import { chainHash, GENESIS_HASH } from './audit-chain.ts';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  /** Events whose type starts with this (e.g. `reset.` or `sign_in`). */
  typePrefix?: string;
  subject?: string;
  actor?: string;
  outcome?: 'success' | 'failure' | 'refused' | 'info';
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
}

export interface AuditPage {
  /** Newest first. */
  events: ChainedAuditEvent[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  olderCursor: number | null;
  /** Pass as `after` for the previous (newer) page; null when there is none. */
  newerCursor: number | null;
}

/** The result of checking a page's events against the chain. */
export type PageChainCheck =
  | { intact: true; checked: number }
  | { intact: false; checked: number; id: number; reason: 'changed' | 'unlinked' };

/** LIKE treats % and _ as wildcards: escape them (and the escape character) in a typed prefix. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export class AuditQueries {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The filtered events, before ordering and paging. */
  #filtered(filter: AuditFilter) {
    let query = this.#db.selectFrom('audit_events');
    if (filter.typePrefix !== undefined && filter.typePrefix !== '') {
      // Types are lower case; lower-casing the prefix makes SQLite's and PostgreSQL's LIKE agree.
      const pattern = likePrefix(filter.typePrefix.toLowerCase());
      query = query.where(sql<boolean>`${sql.ref('type')} like ${pattern} escape '\\'`);
    }
    if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from.getTime());
    if (filter.to !== undefined) query = query.where('at', '<', filter.to.getTime());
    return query;
  }

  /**
   * One page of events matching the filter: the newest ones, those older than `before`, or the
   * page just newer than `after` (each still listed newest first).
   */
  async listPage(filter: AuditFilter, position: { before?: number; after?: number }, pageSize = AUDIT_PAGE_SIZE): Promise<AuditPage> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw new RangeError(`page size must be 1–500, got ${pageSize}`);
    const goingNewer = position.after !== undefined && position.before === undefined;
    let query = this.#filtered(filter).selectAll();
    if (goingNewer) query = query.where('id', '>', position.after as number);
    else if (position.before !== undefined) query = query.where('id', '<', position.before);
    const rows = await query
      .orderBy('id', goingNewer ? 'asc' : 'desc')
      .limit(pageSize)
      .execute();
    if (goingNewer) rows.reverse();
    const events = rows.map(toChained);
    const newest = events[0]?.id;
    const oldest = events.at(-1)?.id;
    const olderCursor = oldest !== undefined && (await this.#hasAny(filter, '<', oldest)) ? oldest : null;
    const newerCursor = newest !== undefined && (await this.#hasAny(filter, '>', newest)) ? newest : null;
    return { events, olderCursor, newerCursor };
  }

  async #hasAny(filter: AuditFilter, direction: '<' | '>', id: number): Promise<boolean> {
    const row = await this.#filtered(filter).select('id').where('id', direction, id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Checks each event shown: its content still gives its hash, and its prev_hash is the hash of the
   * event before it in the whole chain (not only among the filtered ones). Catches an edited event
   * and one removed or inserted just before a shown event; `nyckel audit verify` checks the whole chain.
   */
  async checkChain(events: readonly ChainedAuditEvent[]): Promise<PageChainCheck> {
    const ascending = [...events].sort((a, b) => a.id - b.id);
    let checked = 0;
    for (const event of ascending) {
      checked++;
      if (chainHash(event.prevHash, event) !== event.hash) return { intact: false, checked, id: event.id, reason: 'changed' };
      const previous = await this.#db
        .selectFrom('audit_events')
        .select('hash')
        .where('id', '<', event.id)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const expected = previous?.hash ?? GENESIS_HASH;
      if (event.prevHash !== expected) return { intact: false, checked, id: event.id, reason: 'unlinked' };
    }
    return { intact: true, checked };
  }
}

function toChained(row: Selectable<AuditEventsTable>): ChainedAuditEvent {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.detail);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
  } catch {
    // A detail that is not JSON shows as empty; the chain check then reports the event as changed.
  }
  return chainedAuditEventFromRow(row, detail);
}
