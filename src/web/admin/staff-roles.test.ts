// Staff roles from config: by username (case-insensitive), by group name or DN, admin implies
// helpdesk, and the directory is asked for groups only when a role is granted by group.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import type { DirectoryAccount } from '../../directory/directory.ts';
import { anyStaffConfigured, staffRolesOf } from './staff-roles.ts';

const account = (username: string): DirectoryAccount => ({
  id: `id-${username}`,
  username,
  email: null,
  displayName: username,
  department: null,
  mobile: null,
});

function config(roles: unknown) {
  return configSchema.parse({ admin: { roles } });
}

describe('staff roles', () => {
  it('grants by username, case-insensitively, without asking the directory', async () => {
    const cfg = config({ helpdesk: { users: ['Leila.Ahmadi'] }, admin: { users: ['karin.holm'] } });
    const noDirectory = async () => assert.fail('groups were looked up although no role is granted by group');
    assert.deepEqual([...(await staffRolesOf(cfg, account('leila.ahmadi'), noDirectory))], ['helpdesk']);
    assert.deepEqual([...(await staffRolesOf(cfg, account('KARIN.HOLM'), noDirectory))].sort(), ['admin', 'helpdesk']);
    assert.equal((await staffRolesOf(cfg, account('anna.lindqvist'), noDirectory)).size, 0);
  });

  it('grants by group name or exact DN, and a DN elsewhere in the tree does not match a different DN', async () => {
    const cfg = config({
      helpdesk: { groups: ['IT-support'] },
      admin: { groups: ['cn=Nyckel admins,ou=Groups,dc=example,dc=org'] },
    });
    const groups = (list: string[]) => async () => list;
    assert.deepEqual([...(await staffRolesOf(cfg, account('a'), groups(['it-support'])))], ['helpdesk']);
    assert.deepEqual([...(await staffRolesOf(cfg, account('b'), groups(['CN=IT-Support,OU=Groups,DC=example,DC=org'])))], ['helpdesk']);
    assert.deepEqual([...(await staffRolesOf(cfg, account('c'), groups(['CN=Nyckel admins,OU=Groups,DC=example,DC=org'])))].sort(), [
      'admin',
      'helpdesk',
    ]);
    assert.equal((await staffRolesOf(cfg, account('d'), groups(['cn=Nyckel admins,ou=Other,dc=example,dc=org']))).size, 0);
    assert.equal((await staffRolesOf(cfg, account('e'), groups([]))).size, 0);
  });

  it('knows when no staff is configured at all', () => {
    assert.equal(anyStaffConfigured(config({})), false);
    assert.equal(anyStaffConfigured(config({ admin: { groups: ['x'] } })), true);
  });

  it('refuses malformed role config with the key path', () => {
    const result = configSchema.safeParse({ admin: { roles: { helpdesk: { users: [''] }, auditor: {} } } });
    assert.equal(result.success, false);
    const paths = (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
    assert.ok(
      paths.some((p) => p.startsWith('admin.roles')),
      paths.join(', '),
    );
  });
});
