// The directory checks against real servers: Samba as an Active Directory domain controller (the
// delegated service account, Administrator as a privileged account, an account without any
// delegation) and slapd for the certificate expiry dates. The Samba DC is shared machine-wide
// through the harness's lock file, as in the adapter's own tests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { type SambaDc, useSambaDc } from '../../test/support/samba.ts';
import { type Slapd, slapdDirectoryConfig, startSlapd } from '../../test/support/slapd.ts';
import { configSchema } from '../config/schema.ts';
import { openDatabase } from '../store/database.ts';
import { ActiveDirectory } from './active-directory/active-directory.ts';
import { type CheckResult, checkLdapDirectory } from './directory-doctor.ts';
import { resolveLdapSettings } from './ldap/ldap-config.ts';
import { OpenLdapDirectory } from './ldap/openldap-directory.ts';

const find = (results: CheckResult[], title: string | RegExp) =>
  results.find((r) => (typeof title === 'string' ? r.title === title : title.test(r.title)));

describe('directory doctor against Samba AD', () => {
  let dc: SambaDc;
  const plainDn = () => `CN=doctor-plain,CN=Users,${dc.baseDn}`;
  const plainPassword = 'Plain-Doctor-2026!x';

  before(async () => {
    dc = await useSambaDc();
    await dc.createUser({ username: 'doctor.anna', email: 'doctor.anna@example.test', password: 'Anna-Doctor-2026!x' });
    // An ordinary domain user: it can read the directory but holds no delegation at all.
    const admin = await dc.admin();
    await admin.add(plainDn(), [
      new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
      new Attribute({ type: 'sAMAccountName', values: ['doctor-plain'] }),
      new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${plainPassword}"`, 'utf16le')] }),
    ]);
    await admin.modify(plainDn(), [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }),
    ]);
  });
  after(async () => {
    await dc?.stop();
  });

  async function run(testAccount: string, service?: { dn: string; password: string }) {
    const config = configSchema.parse({
      directory: {
        type: 'active-directory',
        ldap: {
          urls: [dc.url],
          bindDn: service?.dn ?? dc.serviceDn,
          bindPassword: service?.password ?? dc.servicePassword,
          baseDn: dc.baseDn,
          tls: { caFile: dc.caFile },
        },
        privilegedGroups: [dc.privilegedGroupDn],
      },
    });
    const settings = resolveLdapSettings(config.directory, 'active-directory');
    const store = openDatabase({ driver: 'sqlite', path: ':memory:' });
    const directory = new ActiveDirectory({ settings, db: store.db, argon2: config.directory.embedded.argon2 });
    try {
      return await checkLdapDirectory(settings, directory, { testAccount });
    } finally {
      await directory.close();
      await store.db.destroy();
    }
  }

  test('the delegated service account passes every check on an ordinary user', async () => {
    const results = await run('doctor.anna');
    assert.deepEqual(
      results.filter((r) => r.status === 'fail'),
      [],
    );
    assert.match(find(results, /service account bind$/)?.detail ?? '', /bound as CN=nyckel-service/);
    assert.match(
      find(results, 'found by')?.detail ?? '',
      /sAMAccountName \(doctor\.anna\), userPrincipalName \(doctor\.anna@example\.test\), mail/,
    );
    assert.equal(find(results, 'privileged')?.status, 'ok');
    assert.deepEqual(find(results, 'right to unlock'), { status: 'ok', title: 'right to unlock', detail: 'may write lockoutTime' });
    assert.equal(find(results, 'right to require a change')?.status, 'ok');
    assert.match(find(results, 'right to reset the password')?.detail ?? '', /has "Reset password"/);
    // The probe changed nothing: the user still signs in with the same password.
    const { Client } = await import('ldapts');
    const { readFileSync } = await import('node:fs');
    const client = new Client({ url: dc.url, tlsOptions: { ca: [readFileSync(dc.caFile)] } });
    try {
      await client.bind(`CN=doctor.anna,${dc.usersOu}`, 'Anna-Doctor-2026!x');
    } finally {
      await client.unbind();
    }
  });

  test('Administrator is reported privileged', async () => {
    const results = await run('Administrator');
    const privileged = find(results, 'privileged');
    assert.equal(privileged?.status, 'warn');
    assert.match(privileged?.detail ?? '', /^yes: self-service refuses this account/);
    // The delegation covers OU=Staff only: no right on Administrator, which is how it should be.
    assert.deepEqual(find(results, 'right to reset the password'), {
      status: 'ok',
      title: 'right to reset the password',
      detail: 'not held on this privileged account, as it should be',
    });
    assert.deepEqual(
      results.filter((r) => r.status === 'fail'),
      [],
    );
  });

  test('a service account without delegation fails every right, with how to delegate it', async () => {
    const results = await run('doctor.anna', { dn: plainDn(), password: plainPassword });
    assert.equal(find(results, /service account bind$/)?.status, 'ok');
    for (const title of ['right to unlock', 'right to require a change', 'right to reset the password']) {
      const result = find(results, title);
      assert.equal(result?.status, 'fail', title);
      assert.match(result?.hint ?? '', /^delegate .* \(see docs\/directory-active-directory\.md\)$/);
    }
    assert.match(find(results, 'right to reset the password')?.detail ?? '', /lacks "Reset password" on CN=doctor\.anna,OU=Staff/);
    assert.ok(results.every((r) => !`${r.detail} ${r.hint ?? ''}`.includes(plainPassword)));
  });
});

describe('directory doctor: certificate expiry against slapd', () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.destroy();
  });

  async function runAt(now: Date) {
    const config = configSchema.parse({
      directory: {
        type: 'ldap',
        ldap: {
          urls: [slapd.ldapsUrl],
          bindDn: slapd.serviceDn,
          bindPassword: slapd.servicePassword,
          baseDn: slapd.peopleDn,
          tls: { caFile: slapd.caFile },
        },
      },
    });
    const settings = resolveLdapSettings(config.directory, 'openldap');
    const directory = new OpenLdapDirectory(settings, {});
    try {
      return await checkLdapDirectory(settings, directory, { now: () => now });
    } finally {
      await directory.close();
    }
  }

  test('an expired server certificate fails, one expiring within 30 days warns', async () => {
    const soon = find(await runAt(new Date()), /certificate expiry$/);
    assert.equal(soon?.status, 'warn');
    const later = find(await runAt(new Date(Date.now() + 5 * 24 * 3600 * 1000)), /certificate expiry$/);
    assert.equal(later?.status, 'fail');
    assert.match(later?.detail ?? '', /^expired on \d{4}-\d\d-\d\d$/);
    assert.equal(later?.hint, 'renew the directory server’s certificate');
  });

  test('account listing passes when the service account may page past the size limit', async () => {
    assert.equal(find(await runAt(new Date()), 'account listing')?.status, 'ok');
  });

  test('the user filter counts accounts up to the cap', async () => {
    await slapd.createUser({ username: 'berit', email: 'berit@nyckel.test', password: 'Berits-lösen-1234' });
    await slapd.createUser({ username: 'carl', email: 'carl@nyckel.test', password: 'Carls-lösen-1234' });
    assert.equal(find(await runAt(new Date()), 'user filter')?.detail, '(objectClass=inetOrgPerson) finds 2 account(s)');
  });
});

describe('directory doctor: slapd whose size limit stops the listing', () => {
  test('account listing fails and names the limits line', async () => {
    const slapd = await startSlapd({ sizeLimit: 2, unlimitedServiceListing: false });
    try {
      for (const name of ['dora', 'erik', 'frida']) {
        await slapd.createUser({ username: name, email: `${name}@nyckel.test`, password: 'Ett-lösen-för-test-1' });
      }
      const settings = resolveLdapSettings(configSchema.parse({ directory: slapdDirectoryConfig(slapd) }).directory, 'openldap');
      const directory = new OpenLdapDirectory(settings, {});
      try {
        const listing = find(await checkLdapDirectory(settings, directory), 'account listing');
        assert.equal(listing?.status, 'fail');
        assert.match(listing?.detail ?? '', /size\.prtotal=unlimited/);
        assert.match(listing?.hint ?? '', /directory-openldap\.md/);
      } finally {
        await directory.close();
      }
    } finally {
      await slapd.destroy();
    }
  });
});
