// The OpenLDAP adapter against a slapd whose size limit is smaller than the directory: listing
// every account needs `limits … size.prtotal=unlimited` for the service account, and without it
// the adapter says which line to add instead of returning a short list.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type Slapd, slapdLdapSettings, startSlapd } from '../../../test/support/slapd.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { OpenLdapDirectory } from './openldap-directory.ts';

describe("OpenLDAP listAccounts beyond slapd's size limit", () => {
  // sizelimit 20 stands in for a production directory's 500: the same rule, fewer entries to add.
  const SIZE_LIMIT = 20;
  const COUNT = 57;
  const started: Slapd[] = [];
  after(async () => {
    for (const slapd of started) await slapd.destroy();
  });

  async function slapdWith(unlimitedServiceListing: boolean): Promise<Slapd> {
    const slapd = await startSlapd({ sizeLimit: SIZE_LIMIT, unlimitedServiceListing });
    started.push(slapd);
    await slapd.asRoot(async (client) => {
      for (let i = 0; i < COUNT; i++) {
        const uid = `many${String(i).padStart(3, '0')}`;
        await client.add(`uid=${uid},${slapd.peopleDn}`, {
          objectClass: ['inetOrgPerson'],
          uid,
          cn: uid,
          sn: uid,
          mail: `${uid}@example.se`,
        });
      }
    });
    return slapd;
  }

  async function listAll(directory: OpenLdapDirectory, pageSize: number): Promise<string[]> {
    const usernames: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await directory.listAccounts({ pageSize, cursor });
      assert.ok(page.accounts.length <= pageSize);
      usernames.push(...page.accounts.map((a) => a.username));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return usernames;
  }

  test('with size.prtotal=unlimited for the service account, every page in DN order, none twice', async () => {
    const slapd = await slapdWith(true);
    const directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
    try {
      const expected = Array.from({ length: COUNT }, (_, i) => `many${String(i).padStart(3, '0')}`);
      for (const pageSize of [1, 7, SIZE_LIMIT, 1000]) {
        const listed = (await listAll(directory, pageSize)).filter((u) => u.startsWith('many'));
        assert.deepEqual(listed, expected, `pages of ${pageSize}`);
      }
      // A cursor from one instance continues on another, which has no list of the walk yet.
      const first = await directory.listAccounts({ pageSize: 10 });
      const other = new OpenLdapDirectory(slapdLdapSettings(slapd));
      try {
        assert.ok(first.nextCursor !== null);
        const next = await other.listAccounts({ pageSize: 10, cursor: first.nextCursor });
        const everyone = await listAll(directory, 1000);
        assert.deepEqual(
          [...first.accounts, ...next.accounts].map((a) => a.username),
          everyone.slice(0, 20),
        );
      } finally {
        await other.close();
      }
      const department = await directory.listAccounts({ pageSize: 5, department: 'no-such-department' });
      assert.deepEqual(department, { accounts: [], nextCursor: null });
    } finally {
      await directory.close();
    }
  });

  test('without it, a clear directory_unavailable that names the limits line to add', async () => {
    const slapd = await slapdWith(false);
    const directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
    try {
      const error = await directory.listAccounts({ pageSize: 5 }).then(
        () => null,
        (caught: unknown) => caught,
      );
      assert.ok(isNyckelError(error) && error.code === 'directory_unavailable', String(error));
      assert.match(error.message, /size limit/);
      assert.match(error.message, /size\.prtotal=unlimited/);
    } finally {
      await directory.close();
    }
  });
});
