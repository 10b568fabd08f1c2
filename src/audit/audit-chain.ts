// The audit trail's hash chain: a canonical JSON form of one event and SHA-256 chaining
// `hash = SHA-256(prev_hash || canonical(event))`, and a verifier that walks events in order and
// names the first event that was changed, removed or moved. The store appends with it; the CLI
// verifies the database or an exported JSON-lines file with it.

import { sha256 } from '../security/tokens.ts';

/** The `prev_hash` of the very first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that the chain protects (everything but the hashes themselves). */
export interface ChainableEvent {
  id: number;
  at: Date;
  type: string;
  actor: string | null;
  subject: string | null;
  ip: string | null;
  outcome: string;
  detail: Record<string, unknown>;
}

export interface ChainedEvent extends ChainableEvent {
  prevHash: string;
  hash: string;
}

/**
 * Canonical JSON (RFC 8785 style): object keys sorted by UTF-16 code units, no whitespace,
 * ECMAScript number and string serialisation. One event has exactly one byte form, so the hash
 * does not depend on key order in the database's JSON text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('canonical JSON cannot hold NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}

/** The canonical form of an event. The id is part of it, so an event can't be moved to another place. */
export function canonicalEvent(event: ChainableEvent): string {
  return canonicalJson({
    id: event.id,
    at: event.at.toISOString(),
    type: event.type,
    actor: event.actor,
    subject: event.subject,
    ip: event.ip,
    outcome: event.outcome,
    detail: event.detail,
  });
}

/** `SHA-256(prev_hash || canonical(event))`, hex. */
export function chainHash(prevHash: string, event: ChainableEvent): string {
  return sha256(prevHash + canonicalEvent(event));
}

export type ChainBreakReason = 'changed' | 'removed_or_reordered' | 'out_of_order' | 'truncated';

export interface ChainBreak {
  /** The id of the first event that does not fit (for 'truncated': the last event still present). */
  id: number | null;
  reason: ChainBreakReason;
  /** One plain sentence for an operator. */
  message: string;
}

export type ChainVerdict =
  | { intact: true; count: number; lastHash: string; lastId: number | null }
  | ({ intact: false; count: number } & ChainBreak);

/**
 * Verifies events one at a time, in the order they are given, so a chain of any length can be
 * streamed through it. `startHash` is the hash before the first event (genesis for a full chain,
 * the previous event's hash for an export made with --since).
 */
export class ChainVerifier {
  #prevHash: string;
  #prevId: number | null = null;
  #count = 0;
  #broken: ChainBreak | null = null;

  constructor(startHash: string = GENESIS_HASH) {
    this.#prevHash = startHash;
  }

  /** Checks the next event; returns false once the chain is broken (later events are not checked). */
  add(event: ChainedEvent): boolean {
    if (this.#broken !== null) return false;
    this.#count++;
    if (this.#prevId !== null && event.id <= this.#prevId) {
      this.#broken = {
        id: event.id,
        reason: 'out_of_order',
        message: `event ${event.id} comes after event ${this.#prevId}: the events are out of order`,
      };
      return false;
    }
    // Step 1: it must link to the event before it (catches a deleted, inserted or swapped event).
    if (event.prevHash !== this.#prevHash) {
      const after = this.#prevId === null ? 'the start of the chain' : `event ${this.#prevId}`;
      this.#broken = {
        id: event.id,
        reason: 'removed_or_reordered',
        message: `event ${event.id} does not follow ${after}: an event was removed or rewritten there, or events were reordered`,
      };
      return false;
    }
    // Step 2: the event's own content must give its stored hash (catches an edited field).
    if (chainHash(event.prevHash, event) !== event.hash) {
      this.#broken = { id: event.id, reason: 'changed', message: `event ${event.id} was changed: its content no longer matches its hash` };
      return false;
    }
    this.#prevHash = event.hash;
    this.#prevId = event.id;
    return true;
  }

  /** The verdict so far; pass the chain head the store recorded to also catch removed last events. */
  finish(head?: { lastId: number | null; lastHash: string }): ChainVerdict {
    if (this.#broken !== null) return { intact: false, count: this.#count, ...this.#broken };
    if (head !== undefined && (head.lastHash !== this.#prevHash || head.lastId !== this.#prevId)) {
      return {
        intact: false,
        count: this.#count,
        id: this.#prevId,
        reason: 'truncated',
        message: `the chain ends at ${this.#prevId === null ? 'no event' : `event ${this.#prevId}`} but the recorded head is event ${head.lastId ?? 'none'}: the last events were removed`,
      };
    }
    return { intact: true, count: this.#count, lastHash: this.#prevHash, lastId: this.#prevId };
  }
}

/** One exported line (JSON lines): the event with its hashes, `at` as an ISO 8601 UTC string. */
export function toExportLine(event: ChainedEvent): string {
  return JSON.stringify({
    id: event.id,
    at: event.at.toISOString(),
    type: event.type,
    actor: event.actor,
    subject: event.subject,
    ip: event.ip,
    outcome: event.outcome,
    detail: event.detail,
    prevHash: event.prevHash,
    hash: event.hash,
  });
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses one exported line; throws a RangeError naming what is wrong (bad input, not a broken chain). */
export function parseExportLine(line: string): ChainedEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RangeError('not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RangeError('not a JSON object');
  const v = value as Record<string, unknown>;
  const text = (key: string, nullable: boolean): string | null => {
    const x = v[key];
    if (typeof x === 'string') return x;
    if (nullable && x === null) return null;
    throw new RangeError(`field "${key}" must be a string${nullable ? ' or null' : ''}`);
  };
  if (typeof v.id !== 'number' || !Number.isSafeInteger(v.id) || v.id < 1) throw new RangeError('field "id" must be a positive integer');
  const atText = text('at', false) as string;
  const at = new Date(atText);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== atText)
    throw new RangeError('field "at" must be an ISO 8601 UTC time such as 2026-03-02T08:00:00.000Z');
  const detail = v.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) throw new RangeError('field "detail" must be an object');
  const prevHash = text('prevHash', false) as string;
  const hash = text('hash', false) as string;
  if (!HEX64.test(prevHash) || !HEX64.test(hash)) throw new RangeError('fields "prevHash" and "hash" must be 64 lower-case hex digits');
  return {
    id: v.id,
    at,
    type: text('type', false) as string,
    actor: text('actor', true),
    subject: text('subject', true),
    ip: text('ip', true),
    outcome: text('outcome', false) as string,
    detail: detail as Record<string, unknown>,
    prevHash,
    hash,
  };
}
