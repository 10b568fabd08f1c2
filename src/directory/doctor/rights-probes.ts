// The doctor's proofs of the rights the service account needs on a test account (set a password,
// unlock, require a change), one probe per directory flavour, made without changing anything:
// requests the server must refuse for another reason than access, or (AD) the constructed
// attribute allowedAttributesEffective. The probe values can never be anyone's password.

import { Attribute, Change, type Client } from 'ldapts';
import type { LdapSettings } from '../ldap/ldap-config.ts';
import { attributeValues } from '../ldap/ldap-entry.ts';
import { ldapResultCode } from '../ldap/ldap-errors.ts';
import { type CheckResult, describeError, fail, ok, warn } from './check-result.ts';
import { isLdapsUrl } from './server-checks.ts';

/** The result for the right to write `attribute`: held, or missing with `hint` saying how to grant it. */
function writeRight(need: string, attribute: string, isHeld: boolean, dn: string, settings: LdapSettings, hint: string): CheckResult {
  const title = `right to ${need}`;
  return isHeld ? ok(title, `may write ${attribute}`) : fail(title, `${settings.bindDn} may not write ${attribute} on ${dn}`, hint);
}

const unexpectedAnswer = (title: string, error: unknown, hint: string): CheckResult =>
  fail(title, `unexpected answer: ${describeError(error)}`, hint);

/**
 * OpenLDAP: for each attribute Nyckel writes, a modify that deletes a value the entry does not
 * have. slapd checks the ACL for the whole request first: without write access it answers 50;
 * with it, it goes on and answers 16 (noSuchAttribute) because the value is absent. A modify is
 * atomic (RFC 4511 section 4.6), so the failed request changes nothing, not even modifyTimestamp.
 * (A "no-op" replace of pwdReset with its own value would update modifyTimestamp and
 * modifiersName, and slapd in Debian is built without the No-Op control.)
 */
export async function probeOpenLdapRights(client: Client, dn: string, settings: LdapSettings): Promise<CheckResult[]> {
  const current = await client
    .search(dn, { scope: 'base', attributes: ['pwdReset', 'pwdAccountLockedTime'] })
    .then((r) => r.searchEntries[0])
    .catch(() => undefined);
  const probes = [
    {
      attribute: 'userPassword',
      need: 'set a password (Password Modify)',
      // Not a password anyone has: a fixed marker; the service account can't read userPassword to compare anyway.
      value: 'nyckel-doctor-probe: this value is never stored',
      acl: '=w',
    },
    {
      attribute: 'pwdAccountLockedTime',
      need: 'unlock',
      value: attributeValues(current, 'pwdAccountLockedTime').includes('19700101000000Z') ? '19700101000001Z' : '19700101000000Z',
      acl: 'write',
    },
    {
      attribute: 'pwdReset',
      need: 'require a change',
      value: attributeValues(current, 'pwdReset').includes('FALSE') ? 'TRUE' : 'FALSE',
      acl: 'write',
    },
  ];
  const results: CheckResult[] = [];
  for (const probe of probes) {
    const title = `right to ${probe.need}`;
    try {
      await client.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: probe.attribute, values: [probe.value] }) }),
      );
      // Can't happen for the values chosen; report it rather than hide it.
      results.push(warn(title, `the probe value of ${probe.attribute} was present and has been removed`));
    } catch (error) {
      const code = ldapResultCode(error);
      if (code === 16 || code === 50) {
        const hint = `add an ACL: access to dn.subtree="<people>" attrs=${probe.attribute} by dn.exact="${settings.bindDn}" ${probe.acl} (see docs/directory-openldap.md)`;
        results.push(writeRight(probe.need, probe.attribute, code === 16, dn, settings, hint));
      } else results.push(unexpectedAnswer(title, error, 'see the directory server’s log'));
    }
  }
  return results;
}

/**
 * Active Directory: writing lockoutTime and pwdLastSet is read from the constructed attribute
 * allowedAttributesEffective on the user object. "Reset password" is a control access right,
 * which that attribute does not show (and Samba does not let the service account read the
 * security descriptor), so it is proved with a unicodePwd replace whose value can never be a
 * password: three bytes, neither quoted UTF-16 text nor a 16-byte hash. The access check comes
 * first: without the right the answer is 50; with it the value is refused (53 or 19) and
 * nothing is written (measured on Samba 4.17).
 */
export async function probeActiveDirectoryRights(client: Client, dn: string, settings: LdapSettings, url: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const found = await client.search(dn, { scope: 'base', attributes: ['allowedAttributesEffective'] });
    const allowed = new Set(attributeValues(found.searchEntries[0], 'allowedAttributesEffective').map((v) => v.toLowerCase()));
    for (const [attribute, need] of [
      ['lockoutTime', 'unlock'],
      ['pwdLastSet', 'require a change'],
    ] as const) {
      const hint = `delegate "Write ${attribute}" on user objects of the OU to the service account (see docs/directory-active-directory.md)`;
      results.push(writeRight(need, attribute, allowed.has(attribute.toLowerCase()), dn, settings, hint));
    }
  } catch (error) {
    results.push(
      fail(
        'rights',
        `allowedAttributesEffective cannot be read: ${describeError(error)}`,
        'the service account must read the user objects',
      ),
    );
  }
  const title = 'right to reset the password';
  if (!isLdapsUrl(url)) {
    results.push(fail(title, 'not checked: AD accepts password writes only over ldaps://', 'use ldaps://'));
    return results;
  }
  try {
    await client.modify(
      dn,
      new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from([0x22, 0x00, 0x21])] }) }),
    );
    results.push(fail(title, 'the directory accepted an invalid password value', 'report this: the server did not check the value'));
  } catch (error) {
    const code = ldapResultCode(error);
    if (code === 53 || code === 19) results.push(ok(title, 'has "Reset password" (probe refused for its value, nothing written)'));
    else if (code === 50)
      results.push(
        fail(
          title,
          `${settings.bindDn} lacks "Reset password" on ${dn}`,
          'delegate "Reset password" on user objects of the OU to the service account (see docs/directory-active-directory.md)',
        ),
      );
    else results.push(unexpectedAnswer(title, error, 'see the domain controller’s log'));
  }
  return results;
}
