// Reading and changing LDAP entries as ldapts returns them: attribute names compared
// case-insensitively (servers answer in their own spelling), values as text, modifications, and
// GeneralizedTime. Shared by the OpenLDAP adapter and the group look-ups.

import { Attribute, Change, type Entry } from 'ldapts';

/** Every value of an attribute, as text (an absent attribute gives none). */
export function attributeValues(entry: Entry | undefined, attribute: string): string[] {
  if (entry === undefined) return [];
  const wanted = attribute.toLowerCase();
  const raw = Object.entries(entry).find(([name]) => name !== 'dn' && name.toLowerCase() === wanted)?.[1];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value)));
}

/** The first value of an attribute; null when it is absent or empty. */
export function firstValue(entry: Entry, attribute: string): string | null {
  const first = attributeValues(entry, attribute)[0];
  return first === undefined || first === '' ? null : first;
}

export function replace(type: string, values: string[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

export function remove(type: string): Change {
  return new Change({ operation: 'delete', modification: new Attribute({ type }) });
}

/** LDAP GeneralizedTime (RFC 4517 3.3.13) as ppolicy writes it: YYYYMMDDHHMMSS[.fff]Z. */
export function parseGeneralizedTime(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(value);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}
