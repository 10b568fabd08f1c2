// Security identifiers (SIDs) as AD sends them (binary objectSid, MS-DTYP 2.4.2.2) and the
// well-known groups whose members Nyckel treats as privileged whatever adminCount says: Samba
// does not run AdminSDHolder/SDProp, so a new member of Domain Admins never gets adminCount=1 there.

/** S-1-5-21-… text form of a binary SID; null when the bytes aren't a SID. */
export function sidToString(sid: Buffer): string | null {
  if (sid.length < 8) return null;
  const revision = sid.readUInt8(0);
  const count = sid.readUInt8(1);
  if (revision !== 1 || sid.length !== 8 + count * 4) return null;
  // The identifier authority is a 48-bit big-endian number.
  const authority = sid.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(sid.readUInt32LE(8 + i * 4)));
  return parts.join('-');
}

/** Builtin groups (S-1-5-32-…) protected by AdminSDHolder (MS-ADTS 3.1.1.6.1.2). */
const BUILTIN_PROTECTED = ['544', '548', '549', '550', '551'];
/** Domain-relative RIDs of protected groups: Domain Admins, Schema Admins, Enterprise Admins, Key Admins, Enterprise Key Admins. */
export const PROTECTED_DOMAIN_RIDS = ['512', '518', '519', '526', '527'];

/** The SIDs of the protected groups in a domain. */
export function protectedGroupSids(domainSid: string): string[] {
  return [...BUILTIN_PROTECTED.map((rid) => `S-1-5-32-${rid}`), ...PROTECTED_DOMAIN_RIDS.map((rid) => `${domainSid}-${rid}`)];
}
