// Listing every account page by page on a server that can't sort (slapd without the sssvlv
// overlay, and uid has no ordering rule): a walk's sorted DN list is made once, at its start, and
// kept for its later pages, so a walk reads each DN once. The opaque cursor is the last DN key
// returned, so a page can be asked for on any connection or instance (one without the walk's list
// makes it again). Also the error for slapd's size limit, which bounds a paged search's total.

import { type Clock, systemClock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import { ldapResultCode, toDirectoryError } from './ldap-errors.ts';
import { dnKey } from './ldap-groups.ts';

/** A walk's DN list: keys (dnKey) sorted by code unit, and the DN of each as the server wrote it. */
export interface Listing {
  keys: string[];
  dns: Map<string, string>;
  madeAt: number;
}

/** How long a walk's DN list serves its later pages (a walk of 100,000 accounts takes a few minutes). */
const LISTING_TTL_MS = 10 * 60_000;
/** A few walks at once (a campaign, a report, the reminders); the oldest goes first. */
const MAX_LISTINGS = 8;

/** The DN lists of walks under way, by what they list (filter and group). */
export class DnListings {
  readonly #kept = new Map<string, Listing>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** The kept list for `id`, or a new one from `listDns` when a walk starts, none is kept, or it is old. */
  async get(id: string, isStart: boolean, listDns: () => Promise<string[]>): Promise<Listing> {
    const now = this.#clock.now().getTime();
    const kept = this.#kept.get(id);
    if (!isStart && kept !== undefined && now - kept.madeAt < LISTING_TTL_MS) return kept;
    const dns = new Map((await listDns()).map((dn) => [dnKey(dn), dn]));
    const listing = { keys: [...dns.keys()].sort(), dns, madeAt: now };
    this.#kept.delete(id);
    this.#kept.set(id, listing);
    for (const oldest of this.#kept.keys()) {
      if (this.#kept.size <= MAX_LISTINGS) break;
      this.#kept.delete(oldest);
    }
    return listing;
  }
}

/** The index of the first key after `after` in sorted `keys` (binary search); 0 without a cursor. */
export function firstAfter(keys: readonly string[], after: string | null): number {
  if (after === null) return 0;
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((keys[middle] as string) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * slapd's size limit also bounds the total of a paged search (`size.prtotal`, by default the hard
 * limit, 500 in many set-ups): say which line lets the service account list every account.
 */
export function listingError(error: unknown): NyckelError {
  if (ldapResultCode(error) !== 4) return toDirectoryError('list accounts', error);
  return new NyckelError(
    'directory_unavailable',
    'the directory stopped listing accounts at its size limit; let the service account list them all with ' +
      '`limits dn.exact="<service account DN>" size.prtotal=unlimited` in the database section (docs/directory-openldap.md, 3. ACLs)',
    { cause: error, detail: { operation: 'list accounts', ldapCode: 4 } },
  );
}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new NyckelError('invalid_input', 'the page cursor is not valid');
}
