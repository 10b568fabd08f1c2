// The settings both LDAP adapters (OpenLDAP and Active Directory) work from: the validated
// `directory.ldap` configuration with the defaults that depend on the kind of directory filled in.

import type { Config } from '../../config/schema.ts';

export type LdapFlavour = 'openldap' | 'active-directory';

export interface LdapAttributeMap {
  username: string;
  displayName: string;
  mail: string;
  mobile: string;
  department: string;
}

export interface LdapSettings {
  flavour: LdapFlavour;
  urls: string[];
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** A filter from the configuration (trusted input), ANDed into every account search; null for none. */
  userFilter: string | null;
  identifierAttributes: string[];
  attributes: LdapAttributeMap;
  disabledFilter: string | null;
  tls: { caFile: string | null; rejectUnauthorized: boolean };
  timeoutMs: number;
  poolSize: number;
  dangerouslyAllowPlainLdap: boolean;
  ppolicyDn: string | null;
  privilegedGroups: string[];
}

const defaults: Record<LdapFlavour, { identifierAttributes: string[]; attributes: LdapAttributeMap; userFilter: string }> = {
  openldap: {
    identifierAttributes: ['uid', 'mail'],
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', mobile: 'mobile', department: 'departmentNumber' },
    userFilter: '(objectClass=inetOrgPerson)',
  },
  'active-directory': {
    identifierAttributes: ['sAMAccountName', 'userPrincipalName', 'mail'],
    attributes: { username: 'sAMAccountName', displayName: 'displayName', mail: 'mail', mobile: 'mobile', department: 'department' },
    // Person accounts only: computers are users too in AD.
    userFilter: '(&(objectCategory=person)(objectClass=user))',
  },
};

/** Fills in the defaults for this kind of directory. */
export function resolveLdapSettings(directory: Config['directory'], flavour: LdapFlavour): LdapSettings {
  const ldap = directory.ldap;
  const base = defaults[flavour];
  return {
    flavour,
    urls: [...ldap.urls],
    bindDn: ldap.bindDn,
    bindPassword: ldap.bindPassword,
    baseDn: ldap.baseDn,
    userFilter: ldap.userFilter ?? base.userFilter,
    identifierAttributes: ldap.identifierAttributes ?? base.identifierAttributes,
    attributes: {
      username: ldap.attributes.username ?? base.attributes.username,
      displayName: ldap.attributes.displayName ?? base.attributes.displayName,
      mail: ldap.attributes.mail ?? base.attributes.mail,
      mobile: ldap.attributes.mobile ?? base.attributes.mobile,
      department: ldap.attributes.department ?? base.attributes.department,
    },
    disabledFilter: ldap.disabledFilter ?? null,
    tls: { caFile: ldap.tls.caFile ?? null, rejectUnauthorized: ldap.tls.rejectUnauthorized },
    timeoutMs: ldap.timeoutMs,
    poolSize: ldap.poolSize,
    dangerouslyAllowPlainLdap: ldap.dangerouslyAllowPlainLdap,
    ppolicyDn: ldap.ppolicyDn ?? null,
    privilegedGroups: [...directory.privilegedGroups],
  };
}
