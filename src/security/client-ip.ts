// Works out the client's IP address. The peer address is the truth unless the peer is a
// configured trusted proxy; only then is Forwarded (RFC 7239) or X-Forwarded-For read, from the right, skipping
// trusted hops, because everything left of the first untrusted hop can be forged by the client
// (OWASP: never trust X-Forwarded-For from an arbitrary peer).

import { BlockList, isIP } from 'node:net';

/** A compiled set of CIDR ranges (IPv4 and IPv6). */
export class CidrSet {
  readonly #list = new BlockList();
  readonly isEmpty: boolean;

  constructor(cidrs: readonly string[]) {
    for (const entry of cidrs) {
      const [address = '', prefixText] = entry.split('/');
      const normalised = normaliseIp(address);
      const family = normalised === null ? 0 : isIP(normalised);
      if (normalised === null || family === 0) throw new Error(`not an IP address or CIDR range: ${entry}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${entry}`);
      this.#list.addSubnet(normalised, prefix, type);
    }
    this.isEmpty = cidrs.length === 0;
  }

  has(ip: string): boolean {
    const normalised = normaliseIp(ip);
    if (normalised === null) return false;
    const family = isIP(normalised);
    if (family === 0) return false;
    return this.#list.check(normalised, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * Cleans an address as sockets and proxies write it: strips brackets, a zone id and a port,
 * and turns IPv4-mapped IPv6 (::ffff:10.0.0.1) into plain IPv4 so one CIDR list covers both.
 * Returns null when the result is not an IP address.
 */
export function normaliseIp(raw: string): string | null {
  let value = raw.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1) return null;
    value = value.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) {
    value = value.slice(0, value.lastIndexOf(':'));
  }
  const zone = value.indexOf('%');
  if (zone !== -1) value = value.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(value);
  if (mapped?.[1] !== undefined) value = mapped[1];
  if (isIP(value) === 0) return null;
  return value.toLowerCase();
}

/**
 * The client address for a request: `peer` is the socket's remote address, `forwardedFor`
 * the X-Forwarded-For header (possibly several, comma-joined). Returns 'unknown' when there is
 * no peer (in-process requests).
 */
export function resolveClientIp(peer: string | null | undefined, forwardedFor: string | null | undefined, trusted: CidrSet): string {
  const peerIp = peer === null || peer === undefined ? null : normaliseIp(peer);
  if (peerIp === null) return 'unknown';
  if (trusted.isEmpty || !trusted.has(peerIp) || forwardedFor === null || forwardedFor === undefined) return peerIp;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  let client = peerIp;
  // Walk from the right: each trusted hop vouches for the one to its left.
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i] as string);
    // A malformed entry can't be attributed; the last trusted hop is the best we know.
    if (hop === null) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}

/**
 * The `for=` addresses of a Forwarded header (RFC 7239), in order, comma-joined like
 * X-Forwarded-For, so resolveClientIp can walk them. An element without `for=`, or with an
 * obfuscated or "unknown" node, becomes an unparseable hop (the walk stops there). Null when
 * there is no header.
 */
export function forwardedForList(forwarded: string | null | undefined): string | null {
  if (forwarded === null || forwarded === undefined || forwarded.trim() === '') return null;
  const hops: string[] = [];
  // Elements are comma-separated, pairs semicolon-separated; quoted values may hold ':' and '[]' (never ',' for an address).
  for (const element of forwarded.split(',')) {
    let address = '-';
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      const value = pair.slice(eq + 1).trim();
      const unquoted = value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
      address = unquoted === '' ? '-' : unquoted;
    }
    hops.push(address);
  }
  return hops.join(',');
}
