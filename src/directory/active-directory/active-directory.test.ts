// Tests for the Active Directory adapter against a real Samba AD DC (test/support/samba.ts):
// the Directory contract unchanged, then what is particular to AD: complexity and length
// refusals (0000052D with Samba's reason), lockout at the threshold and unlock by lockoutTime 0,
// must-change by pwdLastSet 0 (773), disabled accounts (533), privileged accounts (adminCount,
// protected and configured groups), Nyckel's own history on resets, LDAP injection, the
// delegation's limits, and the directory going away and coming back. All AD tests live in this
// one file because only one DC can run per machine.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { SAMBA_POLICY, type SambaDc, useSambaDc } from '../../../test/support/samba.ts';
import { makeTempDir } from '../../../test/support/temp-dir.ts';
import { createServices } from '../../app/services.ts';
import { configSchema } from '../../config/schema.ts';
import { migrateToLatest, type OpenDatabase, openDatabase } from '../../store/database.ts';
import { directoryContract, rejectionOf, rejectsWith, type TestAccountSpec } from '../directory.contract.ts';
import { resolveLdapSettings } from '../ldap/ldap-config.ts';
import { ActiveDirectory, type ActiveDirectorySettings } from './active-directory.ts';

// Cheap argon2 for the history hashes keeps the suite fast; the cost doesn't change behaviour.
const cheapArgon2 = { memoryKiB: 8192, iterations: 1, parallelism: 1 };
const PASSWORD_1 = 'Korrekt-Häst-42-batteri';
const PASSWORD_2 = 'Andra-Lösenordet-77-ok';
const PASSWORD_3 = 'Tredje-Lösenordet-93-ja';
const WRONG = 'Fel-lösenord-00-nej';

let dc: SambaDc;
const run = Math.random().toString(36).slice(2, 7);
let serial = 0;

before(async () => {
  dc = await useSambaDc();
});
after(async () => {
  await dc?.stop();
});

interface Fixture {
  directory: ActiveDirectory;
  open: OpenDatabase;
  cleanup(): Promise<void>;
}

async function makeDirectory(
  overrides: { activeDirectory?: Partial<ActiveDirectorySettings>; baseDn?: string; timeoutMs?: number } = {},
): Promise<Fixture> {
  dc ??= await useSambaDc();
  const dir = await makeTempDir('active-directory');
  const open = openDatabase({ driver: 'sqlite', path: join(dir.path, 'nyckel.db') });
  await migrateToLatest(open);
  const config = configSchema.parse({
    directory: {
      type: 'active-directory',
      ldap: {
        urls: [dc.url],
        bindDn: dc.serviceDn,
        bindPassword: dc.servicePassword,
        baseDn: overrides.baseDn ?? dc.baseDn,
        // Verified against the test CA: the same TLS checks as production.
        tls: { caFile: dc.caFile },
        timeoutMs: overrides.timeoutMs ?? 5000,
      },
      activeDirectory: {
        ...(overrides.activeDirectory?.policyHints === undefined ? {} : { policyHints: overrides.activeDirectory.policyHints }),
        ...(overrides.activeDirectory?.ownHistorySize == null ? {} : { ownHistorySize: overrides.activeDirectory.ownHistorySize }),
      },
      privilegedGroups: [dc.privilegedGroupDn],
    },
  });
  const directory = new ActiveDirectory({
    settings: resolveLdapSettings(config.directory, 'active-directory'),
    activeDirectory: {
      policyHints: config.directory.activeDirectory.policyHints,
      ownHistorySize: config.directory.activeDirectory.ownHistorySize ?? null,
    },
    db: open.db,
    argon2: cheapArgon2,
  });
  return {
    directory,
    open,
    async cleanup() {
      await directory.close();
      await open.db.destroy();
      await dir.cleanup();
    },
  };
}

/** A fresh user in the delegated OU. */
async function user(directory: ActiveDirectory, overrides: Partial<TestAccountSpec> = {}) {
  serial += 1;
  const username = `ad${run}u${serial}`;
  const spec = { username, email: `${username}@example.se`, password: PASSWORD_1, ...overrides };
  const dn = await dc.createUser(spec);
  const account = await directory.getAccount(dn);
  assert.ok(account !== null, 'the created user is found by its DN');
  return { ...account, spec };
}

async function adminRead(dn: string, attribute: string): Promise<string | undefined> {
  const entry = (await (await dc.admin()).search(dn, { scope: 'base', attributes: [attribute] })).searchEntries[0];
  const value = entry?.[attribute];
  return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
}

directoryContract('Active Directory (Samba AD DC)', async () => {
  const fixture = await makeDirectory();
  return {
    directory: fixture.directory,
    async createAccount(spec) {
      const dn = await dc.createUser(spec);
      const account = await fixture.directory.getAccount(dn);
      assert.ok(account !== null);
      return account;
    },
    async createGroup(name, members) {
      return await dc.createGroup(name, [...members.accounts.map((a) => a.id), ...(members.groups ?? [])]);
    },
    hasNestedGroups: true,
    unknownGroup: `CN=No Such Group ${run},CN=Users,${dc.baseDn}`,
    canLock: false,
    lockoutThreshold: SAMBA_POLICY.lockoutThreshold,
    now: () => new Date(),
    passTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    cleanup: fixture.cleanup,
  };
});

describe('Active Directory specifics (Samba AD DC)', () => {
  let fixture: Fixture;
  let directory: ActiveDirectory;
  before(async () => {
    fixture = await makeDirectory();
    directory = fixture.directory;
  });
  after(async () => {
    await fixture?.cleanup();
  });

  describe('password policy (0000052D)', () => {
    test('a password without three character classes is refused with the complexity reason', async () => {
      const a = await user(directory);
      const error = await rejectsWith(directory.setPassword(a.id, 'enbartsmåbokstäver'), 'policy_violation');
      const rejection = rejectionOf(error);
      assert.equal(rejection.rule, 'directory_policy');
      assert.match(rejection.rule === 'directory_policy' ? rejection.reason : '', /complexity/);
      assert.match(String(error.detail?.diagnostic), /^0000052D/);
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok', 'nothing was changed');
    });

    test('a short password is refused as too_short with the domain minimum', async () => {
      const a = await user(directory);
      const error = await rejectsWith(directory.changePassword(a.id, PASSWORD_1, 'Ab1-x'), 'policy_violation');
      assert.deepEqual(rejectionOf(error), { rule: 'too_short', minLength: SAMBA_POLICY.minLength });
    });

    test('a password longer than AD can hold is refused before it is sent', async () => {
      const a = await user(directory);
      const error = await rejectsWith(directory.setPassword(a.id, `Aa1-${'x'.repeat(300)}`), 'policy_violation');
      assert.deepEqual(rejectionOf(error), { rule: 'too_long', maxLength: 256 });
    });
  });

  describe('lockout and unlock', () => {
    test('the threshold attempt locks (775 from then on), even the right password is refused, lockoutTime 0 unlocks', async () => {
      const a = await user(directory);
      for (let i = 1; i < SAMBA_POLICY.lockoutThreshold; i++)
        assert.equal((await directory.authenticate(a.spec.username, WRONG)).outcome, 'invalid');
      // The attempt that reaches the threshold sets lockoutTime; Samba answers it with 52e or 775.
      const last = await directory.authenticate(a.spec.username, WRONG);
      assert.ok(last.outcome === 'invalid' || last.outcome === 'locked', last.outcome);
      const lockoutTime = await adminRead(a.id, 'lockoutTime');
      assert.ok(lockoutTime !== undefined && lockoutTime !== '0', 'lockoutTime is set at the threshold');
      const next = await directory.authenticate(a.spec.username, WRONG);
      assert.deepEqual([next.outcome, next.account?.id], ['locked', a.id]);
      const state = await directory.readState(a.id);
      assert.equal(state.isLocked, true);
      assert.equal(state.lockedUntil, null, 'a lockout duration of "forever" lasts until unlocked');
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'locked');

      await directory.unlock(a.id);
      assert.equal(await adminRead(a.id, 'lockoutTime'), '0');
      assert.equal((await directory.readState(a.id)).isLocked, false);
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
    });
  });

  describe('must change (pwdLastSet 0, data 773)', () => {
    test('requireChange writes pwdLastSet 0; only the right password tells must_change; a change clears it', async () => {
      const a = await user(directory);
      await directory.requireChange(a.id);
      assert.equal(await adminRead(a.id, 'pwdLastSet'), '0');
      const state = await directory.readState(a.id);
      assert.equal(state.mustChange, true);
      assert.equal(state.isExpired, false, 'must-change is not reported as expiry');
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'must_change');
      assert.equal((await directory.authenticate(a.spec.username, WRONG)).outcome, 'invalid');
      // The user can't bind with a must-change password; the change goes through as AD's change operation.
      await directory.changePassword(a.id, PASSWORD_1, PASSWORD_2);
      assert.notEqual(await adminRead(a.id, 'pwdLastSet'), '0');
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
    });

    test('a wrong old password on a must-change account is invalid_credentials', async () => {
      const a = await user(directory, { mustChange: true });
      await rejectsWith(directory.changePassword(a.id, WRONG, PASSWORD_2), 'invalid_credentials');
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'must_change');
    });
  });

  describe('disabled accounts (data 533)', () => {
    test('the right password gives disabled, a wrong one invalid, and the state says disabled', async () => {
      const a = await user(directory, { disabled: true });
      const right = await directory.authenticate(a.spec.username, PASSWORD_1);
      assert.deepEqual([right.outcome, right.account?.id], ['disabled', a.id]);
      assert.deepEqual(await directory.authenticate(a.spec.username, WRONG), { outcome: 'invalid', account: null });
      assert.equal((await directory.readState(a.id)).isDisabled, true);
    });

    test('an expired account (accountExpires in the past, data 701) reads and signs in as disabled', async () => {
      const a = await user(directory);
      const admin = await dc.admin();
      await admin.modify(a.id, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'accountExpires', values: ['1'] }) }),
      ]);
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'disabled');
      assert.equal((await directory.readState(a.id)).isDisabled, true);
    });
  });

  describe('privileged accounts', () => {
    test('Administrator (adminCount=1) is privileged', async () => {
      const administrator = await directory.findAccount('Administrator');
      assert.ok(administrator !== null);
      assert.equal(await adminRead(administrator.id, 'adminCount'), '1');
      assert.equal((await directory.readState(administrator.id)).isPrivileged, true);
    });

    test('a member of Domain Admins is privileged though Samba never sets its adminCount', async () => {
      const a = await user(directory);
      assert.equal((await directory.readState(a.id)).isPrivileged, false);
      const admin = await dc.admin();
      await admin.modify(`CN=Domain Admins,CN=Users,${dc.baseDn}`, [
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [a.id] }) }),
      ]);
      assert.equal(await adminRead(a.id, 'adminCount'), undefined);
      assert.equal((await directory.readState(a.id)).isPrivileged, true);
    });

    test('a member of a group nested in a configured privileged group is privileged', async () => {
      const a = await user(directory);
      const admin = await dc.admin();
      const nested = `CN=nested${run},${dc.usersOu}`;
      await admin.add(nested, { objectClass: ['top', 'group'], sAMAccountName: `nested${run}`, member: [a.id] });
      await admin.modify(dc.privilegedGroupDn, [
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [nested] }) }),
      ]);
      assert.equal((await directory.readState(a.id)).isPrivileged, true);
    });

    test('the delegated service account cannot reset Administrator (outside its OU): directory_unavailable with a hint', async () => {
      const administrator = await directory.findAccount('Administrator');
      assert.ok(administrator !== null);
      const error = await rejectsWith(directory.setPassword(administrator.id, PASSWORD_3), 'directory_unavailable');
      assert.match(String(error.detail?.hint), /lacks a right/);
    });
  });

  describe("Nyckel's own history on resets (Samba doesn't check it)", () => {
    test('a reset to a password Nyckel set before is refused as in_history; Samba itself would accept it', async () => {
      const a = await user(directory);
      await directory.setPassword(a.id, PASSWORD_2);
      await directory.setPassword(a.id, PASSWORD_3);
      const error = await rejectsWith(directory.setPassword(a.id, PASSWORD_2), 'policy_violation');
      assert.deepEqual(rejectionOf(error), { rule: 'in_history', historySize: SAMBA_POLICY.historyLength });
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_3)).outcome, 'ok', 'the current password is kept');
      const rows = await fixture.open.db.selectFrom('directory_password_history').select(['password_hash']).execute();
      assert.ok(rows.length >= 2 && rows.every((row) => row.password_hash.startsWith('$argon2id$')), 'only argon2id hashes are kept');
      assert.ok(rows.every((row) => !row.password_hash.includes(PASSWORD_2)));

      // The same reset straight to Samba as an administrator goes through: the DC doesn't check history here.
      const admin = await dc.admin();
      await admin.modify(a.id, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${PASSWORD_2}"`, 'utf16le')] }),
        }),
      ]);
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
    });

    test('the own history keeps only ownHistorySize passwords', async () => {
      const small = await makeDirectory({ activeDirectory: { ownHistorySize: 1 } });
      try {
        const a = await user(small.directory);
        await small.directory.setPassword(a.id, PASSWORD_2);
        await rejectsWith(small.directory.setPassword(a.id, PASSWORD_2), 'policy_violation');
        await small.directory.setPassword(a.id, PASSWORD_3);
        await small.directory.setPassword(a.id, PASSWORD_2);
        assert.equal((await small.directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
        const rows = await small.open.db.selectFrom('directory_password_history').select('id').execute();
        assert.equal(rows.length, 1);
      } finally {
        await small.cleanup();
      }
    });

    test('the policy hints control is refused by Samba and reported as a set-up problem, nothing changed', async () => {
      const hinted = await makeDirectory({ activeDirectory: { policyHints: true } });
      try {
        const a = await user(hinted.directory);
        const error = await rejectsWith(hinted.directory.setPassword(a.id, PASSWORD_2), 'directory_unavailable');
        assert.match(String(error.detail?.hint), /policyHints/);
        assert.equal((await hinted.directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
      } finally {
        await hinted.cleanup();
      }
    });
  });

  describe('LDAP injection in every value that reaches a filter', () => {
    test('wildcards and filter syntax match nothing by sAMAccountName, userPrincipalName or mail', async () => {
      const a = await user(directory);
      const upn = `${a.spec.username}@example.test`;
      assert.equal((await directory.findAccount(upn))?.id, a.id, 'the UPN itself is an identifier');
      for (const hostile of [
        `${a.spec.username.slice(0, 5)}*`,
        `*${a.spec.username.slice(3)}`,
        `${upn.slice(0, 6)}*@example.test`,
        `*@example.test`,
        `*@example.se`,
        `${a.spec.username})(sAMAccountName=*`,
        `*)(mail=*`,
        `${a.spec.email})(|(objectClass=*)`,
        `${a.spec.username}\\2a`,
        `${a.spec.username}\u0000)(objectClass=*`,
        `x${'*'.repeat(300)}`,
      ]) {
        assert.equal(await directory.findAccount(hostile), null, `findAccount(${JSON.stringify(hostile.slice(0, 40))})`);
        assert.deepEqual(await directory.authenticate(hostile, PASSWORD_1), { outcome: 'invalid', account: null });
      }
    });

    test('ids that are not DNs below the base name no account and touch nothing', async () => {
      const a = await user(directory);
      for (const id of [
        '*',
        `CN=*,${dc.usersOu}`,
        `${a.id})(objectClass=*`,
        `CN=Administrator,CN=Users,DC=other,DC=test`,
        '',
        'x'.repeat(2000),
      ]) {
        assert.equal(await directory.getAccount(id), null, `getAccount(${JSON.stringify(id.slice(0, 40))})`);
        await rejectsWith(directory.unlock(id), 'account_not_found');
        await rejectsWith(directory.setPassword(id, PASSWORD_2), 'account_not_found');
      }
    });

    test('a forged listAccounts cursor with filter syntax is either refused or matched literally', async () => {
      const forged = Buffer.from(JSON.stringify({ after: '*)(objectClass=*' }), 'utf8').toString('base64url');
      const page = await directory.listAccounts({ pageSize: 5, cursor: forged });
      assert.ok(
        page.accounts.every((account) => account.username > '*)('),
        'the page starts after the literal value',
      );
      await rejectsWith(directory.listAccounts({ pageSize: 5, cursor: 'not-a-cursor' }), 'invalid_input');
    });
  });

  test('an unknown account costs about as much time as a known one with a wrong password', async () => {
    const a = await user(directory);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      let started = performance.now();
      await directory.authenticate(a.spec.username, WRONG);
      known.push(performance.now() - started);
      started = performance.now();
      await directory.authenticate(`nobody${run}x${i}`, WRONG);
      unknown.push(performance.now() - started);
      if (i % 3 === 2) await directory.unlock(a.id);
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
    // Both do one search and one failed bind on a fresh TLS connection; the DC answers a DN that
    // doesn't exist faster (no badPwdCount write), which the adapter pads to the typical failure.
    const report = `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`;
    assert.ok(median(unknown) > median(known) * 0.6, report);
    assert.ok(median(unknown) < median(known) * 3, report);
  });
});

test('createServices builds the Active Directory adapter from directory.type active-directory', async () => {
  const dir = await makeTempDir('ad-services');
  const config = configSchema.parse({
    dataDir: dir.path,
    log: { level: 'silent' },
    directory: {
      type: 'active-directory',
      ldap: { urls: [dc.url], bindDn: dc.serviceDn, bindPassword: dc.servicePassword, baseDn: dc.usersOu, tls: { caFile: dc.caFile } },
      privilegedGroups: [dc.privilegedGroupDn],
    },
  });
  const services = await createServices(config);
  try {
    assert.equal(services.directory.kind, 'active-directory');
    assert.equal(services.embeddedDirectory, null);
    serial += 1;
    const username = `ad${run}svc${serial}`;
    const dn = await dc.createUser({ username, email: `${username}@example.se`, password: PASSWORD_1 });
    assert.equal((await services.directory.findAccount(username))?.id, dn);
    // The own history lives in the migrated store.
    await services.directory.setPassword(dn, PASSWORD_2);
    await rejectsWith(services.directory.setPassword(dn, PASSWORD_2), 'policy_violation');
    // Administrator is outside the configured base DN: not an account of this directory.
    assert.equal(await services.directory.findAccount('Administrator'), null);
  } finally {
    await services.close();
    await dir.cleanup();
  }
});

describe('Active Directory when the DC goes away (runs last: it stops Samba)', () => {
  test('every operation gives directory_unavailable while Samba is stopped, and works again after it restarts', async () => {
    const fixture = await makeDirectory({ timeoutMs: 1000 });
    try {
      const { directory } = fixture;
      const a = await user(directory);
      await directory.ping();
      await dc.stopDaemon();
      await rejectsWith(directory.ping(), 'directory_unavailable');
      await rejectsWith(directory.findAccount(a.spec.username), 'directory_unavailable');
      await rejectsWith(directory.authenticate(a.spec.username, PASSWORD_1), 'directory_unavailable');
      await rejectsWith(directory.authenticate(`nobody${run}`, PASSWORD_1), 'directory_unavailable');
      await rejectsWith(directory.setPassword(a.id, PASSWORD_2), 'directory_unavailable');
      await rejectsWith(directory.readState(a.id), 'directory_unavailable');
      await rejectsWith(directory.listAccounts({ pageSize: 10 }), 'directory_unavailable');
      await dc.startDaemon();
      // The pool drops the dead connections and reconnects.
      await directory.ping();
      assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok', 'nothing was half-written');
    } finally {
      await fixture.cleanup();
    }
  });
});
