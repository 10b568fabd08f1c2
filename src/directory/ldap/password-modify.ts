// The LDAP Password Modify extended operation (RFC 3062, OID 1.3.6.1.4.1.4203.1.11.1): the
// request value is a BER SEQUENCE of optional [0] userIdentity, [1] oldPasswd, [2] newPasswd.
// Used instead of writing userPassword directly so the server hashes the password and applies
// its password policy (history, quality) as it would for any client.

import { BerWriter } from 'ldapts';

export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

export function passwordModifyRequestValue(fields: { userIdentity?: string; oldPassword?: string; newPassword: string }): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  if (fields.userIdentity !== undefined) writer.writeString(fields.userIdentity, 0x80);
  if (fields.oldPassword !== undefined) writer.writeString(fields.oldPassword, 0x81);
  writer.writeString(fields.newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}
