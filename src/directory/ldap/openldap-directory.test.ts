// Tests for the OpenLDAP adapter against a real slapd with the ppolicy overlay (started by
// test/support/slapd.ts over LDAPS with a CA made for the run): the Directory contract, then
// the OpenLDAP specifics — ppolicy lockout, history, quality, must-change, expiry, plain ldap://
// refusal, failover, a server restart, LDAP injection, and concurrent writes to one account.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, Control } from 'ldapts';
import { type Slapd, type SlapdUserSpec, slapdLdapSettings, startSlapd } from '../../../test/support/slapd.ts';
import { makeTempDir } from '../../../test/support/temp-dir.ts';
import { createServices } from '../../app/services.ts';
import { configSchema } from '../../config/schema.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { createLogger } from '../../observability/logger.ts';
import { directoryContract, rejectionOf, rejectsWith } from '../directory.contract.ts';
import { OpenLdapDirectory } from './openldap-directory.ts';

const PASSWORD_1 = 'Korrekt-Häst-42-batteri';
const PASSWORD_2 = 'Andra-Lösenordet-77-ok';
const PASSWORD_3 = 'Tredje-Lösenordet-93-ja';
const WRONG = 'Fel-lösenord-00-nej';

let shared: Slapd | null = null;
async function sharedSlapd(): Promise<Slapd> {
  shared ??= await startSlapd();
  return shared;
}

after(async () => {
  await shared?.destroy();
});

directoryContract('OpenLDAP (slapd 2.5, ppolicy, LDAPS)', async () => {
  const slapd = await sharedSlapd();
  let groupSerial = 0;
  const directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
  return {
    directory,
    async createAccount(spec) {
      const dn = await slapd.createUser(spec);
      const account = await directory.getAccount(dn);
      assert.ok(account !== null, 'the created account can be read back');
      return account;
    },
    async createGroup(name, members) {
      // Every other group as groupOfUniqueNames, so both group classes are exercised.
      groupSerial += 1;
      return await slapd.createGroup(name, [...members.accounts.map((a) => a.id), ...(members.groups ?? [])], {
        unique: groupSerial % 2 === 0,
      });
    },
    hasNestedGroups: true,
    unknownGroup: `cn=no-such-group,ou=groups,${slapd.baseDn}`,
    canLock: true,
    lockoutThreshold: slapd.policy.maxFailure,
    now: () => new Date(),
    passTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async cleanup() {
      await directory.close();
    },
  };
});

describe('OpenLDAP adapter specifics', () => {
  let slapd: Slapd;
  let directory: OpenLdapDirectory;
  let serial = 0;
  const run = Math.random().toString(36).slice(2, 8);

  async function user(overrides: Partial<SlapdUserSpec> = {}) {
    serial += 1;
    const username = `os${run}u${serial}`;
    const spec: SlapdUserSpec = { username, email: `${username}@example.se`, password: PASSWORD_1, ...overrides };
    const dn = await slapd.createUser(spec);
    return { dn, spec };
  }

  before(async () => {
    slapd = await sharedSlapd();
    directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
  });
  after(async () => {
    await directory.close();
  });

  test('the id is the DN from the search, and attributes are mapped (mobile to E.164)', async () => {
    const u = await user({ displayName: 'Åsa Öberg', mobile: '070-123 45 67', department: 'Socialtjänsten' });
    const found = await directory.findAccount(u.spec.email);
    assert.deepEqual(found, {
      id: u.dn,
      username: u.spec.username,
      email: u.spec.email,
      displayName: 'Åsa Öberg',
      department: 'Socialtjänsten',
      mobile: '+46701234567',
    });
  });

  test('ppolicy locks after pwdMaxFailure failures, even for the right password; unlock opens it', async () => {
    const u = await user();
    for (let i = 0; i < slapd.policy.maxFailure; i++) await directory.authenticate(u.spec.username, WRONG);
    const locked = await slapd.asRoot((c) => c.search(u.dn, { scope: 'base', attributes: ['pwdAccountLockedTime'] }));
    assert.ok(locked.searchEntries[0]?.pwdAccountLockedTime, 'slapd itself set pwdAccountLockedTime');
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'locked');
    const state = await directory.readState(u.dn);
    assert.equal(state.isLocked, true);
    assert.equal(state.lockedUntil, null, 'pwdLockoutDuration 0: locked until unlocked');
    await directory.unlock(u.dn);
    const after = await slapd.asRoot((c) => c.search(u.dn, { scope: 'base', attributes: ['pwdAccountLockedTime', 'pwdFailureTime'] }));
    assert.deepEqual(after.searchEntries[0]?.pwdFailureTime ?? [], [], 'the failure count starts again from zero');
    assert.equal((await directory.authenticate(u.spec.username, WRONG)).outcome, 'invalid', 'one more failure does not lock again');
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'ok');
  });

  test('a lock slapd does not enforce yet (stamped later than its clock) still refuses the right password', async () => {
    // ppolicy lets a bind through while pwdAccountLockedTime is later than slapd's own clock; right
    // after a lock, slapd's clock can be a second behind the stamp it wrote. A stamp a minute
    // ahead makes that second last long enough to test.
    const u = await user();
    const ahead = new Date(Date.now() + 60_000)
      .toISOString()
      .replace(/[-:T]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    await slapd.asRoot((c) =>
      c.modify(u.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [ahead] }) })),
    );
    const result = await directory.authenticate(u.spec.username, PASSWORD_1);
    assert.deepEqual({ outcome: result.outcome, id: result.account?.id }, { outcome: 'locked', id: u.dn });
    assert.equal((await directory.readState(u.dn)).isLocked, true);
  });

  test('a timed lock from the account’s own policy (pwdPolicySubentry) ends by itself at lockedUntil', async () => {
    const timedPolicy = `cn=timed-${run},ou=policies,${slapd.baseDn}`;
    await slapd.asRoot((c) =>
      c.add(timedPolicy, {
        objectClass: ['device', 'pwdPolicy'],
        cn: `timed-${run}`,
        pwdAttribute: 'userPassword',
        pwdMaxFailure: '2',
        pwdLockout: 'TRUE',
        pwdLockoutDuration: '2',
        pwdMaxAge: '0',
      }),
    );
    const u = await user();
    await slapd.asRoot((c) =>
      c.modify(
        u.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdPolicySubentry', values: [timedPolicy] }) }),
      ),
    );
    assert.equal((await directory.readState(u.dn)).passwordExpiresAt, null, 'pwdMaxAge 0: never expires');
    for (let i = 0; i < 2; i++) await directory.authenticate(u.spec.username, WRONG);
    const state = await directory.readState(u.dn);
    assert.equal(state.isLocked, true);
    assert.ok(state.lockedUntil !== null && state.lockedUntil.getTime() > Date.now() && state.lockedUntil.getTime() <= Date.now() + 3000);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'locked');
    const until = state.lockedUntil as Date;
    await new Promise((resolve) => setTimeout(resolve, until.getTime() - Date.now() + 1100));
    assert.equal((await directory.readState(u.dn)).isLocked, false);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'ok');
  });

  test('an administrative lock (000001010000Z) reads as disabled and is never lifted by Nyckel', async () => {
    const u = await user();
    await slapd.asRoot((c) =>
      c.modify(
        u.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
    const state = await directory.readState(u.dn);
    assert.equal(state.isLocked, true);
    assert.equal(state.isDisabled, true);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'locked');
    await rejectsWith(directory.unlock(u.dn), 'account_disabled');
    assert.equal((await directory.readState(u.dn)).isLocked, true);
  });

  test("lock(): Nyckel's own value, held by slapd until unlocked even under a timed policy; an administrative lock stays; pwdLockout off is refused", async () => {
    const lockedTime = async (dn: string) => {
      const entry = (await slapd.asRoot((c) => c.search(dn, { scope: 'base', attributes: ['pwdAccountLockedTime'] }))).searchEntries[0];
      const value = entry?.pwdAccountLockedTime;
      return typeof value === 'string' ? value : null;
    };
    const policy = async (name: string, values: Record<string, string>) => {
      const dn = `cn=${name}-${run},ou=policies,${slapd.baseDn}`;
      await slapd.asRoot((c) =>
        c.add(dn, { objectClass: ['device', 'pwdPolicy'], cn: `${name}-${run}`, pwdAttribute: 'userPassword', pwdMaxAge: '0', ...values }),
      );
      return dn;
    };
    const userUnder = async (policyDn: string) => {
      const u = await user();
      await slapd.asRoot((c) =>
        c.modify(
          u.dn,
          new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdPolicySubentry', values: [policyDn] }) }),
        ),
      );
      return u;
    };
    // Failure locks under this policy end by themselves after 2 s; Nyckel's lock must not.
    const timed = await userUnder(await policy('timedlock', { pwdMaxFailure: '2', pwdLockout: 'TRUE', pwdLockoutDuration: '2' }));
    await directory.lock(timed.dn);
    assert.equal(await lockedTime(timed.dn), '19700101000000Z');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal((await directory.authenticate(timed.spec.username, PASSWORD_1)).outcome, 'locked', 'slapd refuses the bind');
    const state = await directory.readState(timed.dn);
    assert.deepEqual([state.isLocked, state.lockedUntil, state.isDisabled], [true, null, false]);
    await directory.setPassword(timed.dn, PASSWORD_2);
    assert.equal(await lockedTime(timed.dn), null, 'a reset lifts it');
    assert.equal((await directory.authenticate(timed.spec.username, PASSWORD_2)).outcome, 'ok');

    const byAdministrator = await user();
    await slapd.asRoot((c) =>
      c.modify(
        byAdministrator.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
    await directory.lock(byAdministrator.dn);
    assert.equal(await lockedTime(byAdministrator.dn), '000001010000Z', 'not replaced by a lock a reset would lift');
    assert.equal((await directory.readState(byAdministrator.dn)).isDisabled, true);

    // Without pwdLockout slapd ignores pwdAccountLockedTime altogether: lock() says so instead of pretending.
    const noLockout = await userUnder(await policy('nolockout', { pwdLockout: 'FALSE' }));
    await rejectsWith(directory.lock(noLockout.dn), 'config_invalid');
    assert.equal(await lockedTime(noLockout.dn), null);
    assert.equal((await directory.authenticate(noLockout.spec.username, PASSWORD_1)).outcome, 'ok');
    // A stamp left over from an earlier policy: slapd ignores it under pwdLockout FALSE, and so does sign-in.
    await slapd.asRoot((c) =>
      c.modify(
        noLockout.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['20260101000000Z'] }) }),
      ),
    );
    assert.equal((await directory.authenticate(noLockout.spec.username, PASSWORD_1)).outcome, 'ok');
  });

  test('history: slapd refuses a recent password with in_history, for a reset and for a change', async () => {
    const u = await user();
    await directory.setPassword(u.dn, PASSWORD_2);
    const reset = await rejectsWith(directory.setPassword(u.dn, PASSWORD_1), 'policy_violation');
    assert.deepEqual(rejectionOf(reset), { rule: 'in_history', historySize: slapd.policy.inHistory });
    await directory.changePassword(u.dn, PASSWORD_2, PASSWORD_3);
    const change = await rejectsWith(directory.changePassword(u.dn, PASSWORD_3, PASSWORD_2), 'policy_violation');
    assert.equal(rejectionOf(change).rule, 'in_history');
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_3)).outcome, 'ok');
  });

  test('quality: a password under pwdMinLength is refused with the rule and the old one keeps working', async () => {
    const u = await user();
    const error = await rejectsWith(directory.setPassword(u.dn, 'Kort-1'), 'policy_violation');
    assert.deepEqual(rejectionOf(error), { rule: 'too_short', minLength: slapd.policy.minLength });
    assert.match(String(error.detail?.diagnostic), /quality/i, 'the server diagnostic is kept for the log');
    const asUser = await rejectsWith(directory.changePassword(u.dn, PASSWORD_1, 'Kort-2'), 'policy_violation');
    assert.equal(rejectionOf(asUser).rule, 'too_short');
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'ok');
  });

  test('must-change via pwdReset: set by requireChange and by a reset with mustChange, cleared by the user', async () => {
    const u = await user();
    await directory.setPassword(u.dn, PASSWORD_2, { mustChange: true });
    const entry = await slapd.asRoot((c) => c.search(u.dn, { scope: 'base', attributes: ['pwdReset'] }));
    assert.equal(entry.searchEntries[0]?.pwdReset, 'TRUE');
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_2)).outcome, 'must_change');
    await directory.changePassword(u.dn, PASSWORD_2, PASSWORD_3);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_3)).outcome, 'ok');
    // A reset without mustChange leaves no pwdReset behind (ppolicy would add it for an administrator's change).
    await directory.setPassword(u.dn, 'Fjärde-Lösenordet-15-nu');
    assert.equal((await directory.readState(u.dn)).mustChange, false);
    await directory.requireChange(u.dn);
    assert.equal((await directory.readState(u.dn)).mustChange, true);
  });

  test('expiry via pwdMaxAge: an old pwdChangedTime makes the right password expired, a wrong one invalid', async () => {
    const u = await user();
    const fresh = await directory.readState(u.dn);
    assert.ok(fresh.passwordExpiresAt !== null && fresh.passwordChangedAt !== null);
    assert.equal(fresh.passwordExpiresAt.getTime() - fresh.passwordChangedAt.getTime(), slapd.policy.maxAge * 1000);
    // pwdChangedTime is NO-USER-MODIFICATION: the rootdn rewrites it with the Relax Rules control.
    await slapd.asRoot((c) =>
      c.modify(
        u.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdChangedTime', values: ['20200101000000Z'] }) }),
        new Control('1.3.6.1.4.1.4203.666.5.12', { critical: true }),
      ),
    );
    const state = await directory.readState(u.dn);
    assert.equal(state.isExpired, true);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'expired');
    assert.equal((await directory.authenticate(u.spec.username, WRONG)).outcome, 'invalid');
    // A reset renews it.
    await directory.setPassword(u.dn, PASSWORD_2);
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_2)).outcome, 'ok');
  });

  test('over plain ldap:// passwords are not sent unless dangerouslyAllowPlainLdap', async () => {
    const u = await user();
    const plain = new OpenLdapDirectory(slapdLdapSettings(slapd, { urls: [slapd.ldapUrl] }));
    try {
      assert.equal((await plain.findAccount(u.spec.username))?.id, u.dn, 'reads work');
      const error = await rejectsWith(plain.setPassword(u.dn, PASSWORD_2), 'directory_unavailable');
      assert.match(error.message, /unencrypted/);
      await rejectsWith(plain.authenticate(u.spec.username, PASSWORD_1), 'directory_unavailable');
    } finally {
      await plain.close();
    }
    assert.equal((await directory.authenticate(u.spec.username, PASSWORD_1)).outcome, 'ok', 'the password was not changed');
    const allowed = new OpenLdapDirectory(slapdLdapSettings(slapd, { urls: [slapd.ldapUrl], dangerouslyAllowPlainLdap: true }));
    try {
      await allowed.setPassword(u.dn, PASSWORD_2);
      assert.equal((await allowed.authenticate(u.spec.username, PASSWORD_2)).outcome, 'ok');
    } finally {
      await allowed.close();
    }
  });

  test('a certificate from an unknown CA is refused', async () => {
    const untrusted = new OpenLdapDirectory(slapdLdapSettings(slapd, { tls: {} }));
    try {
      await rejectsWith(untrusted.ping(), 'directory_unavailable');
    } finally {
      await untrusted.close();
    }
  });

  test('fails over to the next URL when the first is dead', async () => {
    const u = await user();
    const dead = 'ldaps://127.0.0.1:1';
    const failover = new OpenLdapDirectory(slapdLdapSettings(slapd, { urls: [dead, slapd.ldapsUrl] }));
    try {
      assert.equal((await failover.authenticate(u.spec.username, PASSWORD_1)).outcome, 'ok');
      await failover.setPassword(u.dn, PASSWORD_2);
      assert.equal((await failover.authenticate(u.spec.username, PASSWORD_2)).outcome, 'ok');
    } finally {
      await failover.close();
    }
    const allDead = new OpenLdapDirectory(slapdLdapSettings(slapd, { urls: [dead] }));
    try {
      await rejectsWith(allDead.ping(), 'directory_unavailable');
      await rejectsWith(allDead.findAccount(u.spec.username), 'directory_unavailable');
    } finally {
      await allDead.close();
    }
  });

  test('a wrong service password reads as directory_unavailable, never as the user’s wrong password', async () => {
    const u = await user();
    const misconfigured = new OpenLdapDirectory(slapdLdapSettings(slapd, { bindPassword: 'wrong-service-password' }));
    try {
      const error = await rejectsWith(misconfigured.authenticate(u.spec.username, PASSWORD_1), 'directory_unavailable');
      assert.match(String(error.detail?.hint), /service account/);
    } finally {
      await misconfigured.close();
    }
  });

  test('LDAP injection in every field that reaches a filter finds nothing and throws nothing', async () => {
    const u = await user();
    const hostile = [
      '*',
      '*)(uid=*',
      `${u.spec.username})(|(uid=*`,
      '\\',
      '\\2a',
      'a\u0000b',
      `${u.spec.username}\u0000`,
      'x'.repeat(10_240),
      ')',
      '(',
    ];
    for (const input of hostile) {
      assert.equal(await directory.findAccount(input), null, `findAccount(${JSON.stringify(input.slice(0, 30))})`);
      assert.deepEqual(await directory.authenticate(input, PASSWORD_1), { outcome: 'invalid', account: null });
      assert.equal(await directory.getAccount(input), null, `getAccount(${JSON.stringify(input.slice(0, 30))})`);
    }
    // An id outside the base DN (the service account itself) is not an account.
    assert.equal(await directory.getAccount(slapd.serviceDn), null);
    await rejectsWith(directory.setPassword(slapd.serviceDn, PASSWORD_2), 'account_not_found');
    // A username made of filter characters is matched literally (the escaping doesn't break real names).
    const odd = await user({ username: `odd${run}*(x)` });
    assert.equal((await directory.findAccount(`odd${run}*(x)`))?.id, odd.dn);
    assert.equal(await directory.findAccount(`odd${run}*`), null);
  });

  test('20 concurrent resets of one account all succeed or fail cleanly, and one of them is the password', async () => {
    const u = await user();
    const passwords = Array.from({ length: 20 }, (_, i) => `Samtidigt-${i}-lösenord-${run}`);
    const finished: string[] = [];
    const results = await Promise.allSettled(passwords.map((p) => directory.setPassword(u.dn, p).then(() => finished.push(p))));
    for (const result of results) {
      if (result.status === 'rejected') assert.ok(isNyckelError(result.reason), `a clean NyckelError, got ${String(result.reason)}`);
    }
    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    assert.equal(succeeded, 20, 'serialised per account, every reset succeeds');
    // One write at a time: the reset that finished last is the password now, and no earlier one is.
    assert.equal((await directory.authenticate(u.spec.username, finished.at(-1) as string)).outcome, 'ok');
    assert.equal((await directory.authenticate(u.spec.username, finished.at(0) as string)).outcome, 'invalid');
  });

  test('groups in a cycle: members listed once, groups listed once, and both calls end', async () => {
    const { dn } = await user();
    const a = await slapd.createGroup(`cycle-a-${run}`, [dn]);
    const b = await slapd.createGroup(`cycle-b-${run}`, [a], { unique: true });
    // a ⊃ b ⊃ a: a directory may hold such a loop; following it must stop.
    await slapd.asRoot((client) =>
      client.modify(a, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [b] }) })),
    );
    const members = await directory.listAccounts({ pageSize: 10, group: b });
    assert.deepEqual(
      members.accounts.map((m) => m.id),
      [dn],
    );
    const groups = (await directory.groupsOf(dn)).map((g) => g.toLowerCase()).sort();
    assert.deepEqual(groups, [a, b].map((g) => g.toLowerCase()).sort());
  });

  test('without read on the naming context entry, groupsOf says what to fix instead of "no such account"', async () => {
    const { dn } = await user();
    // The reader account may read people but not the base entry groups are searched from.
    const reader = new OpenLdapDirectory(slapdLdapSettings(slapd, { bindDn: slapd.readerDn, bindPassword: slapd.readerPassword }));
    try {
      const error = await rejectsWith(reader.groupsOf(dn), 'directory_unavailable');
      assert.match(error.message, /cannot read; give it read on that entry/);
    } finally {
      await reader.close();
    }
  });

  test('listAccounts pages through every account under the base DN; a bad cursor is invalid_input', async () => {
    const page = await directory.listAccounts({ pageSize: 1000 });
    assert.ok(page.accounts.length > 0);
    assert.ok(page.accounts.every((a) => a.id.toLowerCase().endsWith(slapd.peopleDn)));
    await rejectsWith(directory.listAccounts({ pageSize: 5, cursor: 'not-a-cursor' }), 'invalid_input');
  });
});

describe('OpenLDAP adapter when slapd stops and comes back', () => {
  let slapd: Slapd;
  let directory: OpenLdapDirectory;

  before(async () => {
    slapd = await startSlapd();
    directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
  });
  after(async () => {
    await directory.close();
    await slapd.destroy();
  });

  test('stopped: directory_unavailable and nothing half-written; restarted: works again', async () => {
    const dn = await slapd.createUser({ username: 'restart1', email: 'restart1@example.se', password: PASSWORD_1 });
    assert.equal((await directory.authenticate('restart1', PASSWORD_1)).outcome, 'ok', 'the pool has live connections');
    await slapd.stop();
    assert.equal(slapd.isRunning(), false);
    await rejectsWith(directory.ping(), 'directory_unavailable');
    await rejectsWith(directory.authenticate('restart1', PASSWORD_1), 'directory_unavailable');
    await rejectsWith(directory.setPassword(dn, PASSWORD_2), 'directory_unavailable');
    await slapd.restart();
    await directory.ping();
    assert.equal((await directory.authenticate('restart1', PASSWORD_1)).outcome, 'ok', 'the refused reset changed nothing');
    await directory.setPassword(dn, PASSWORD_2);
    assert.equal((await directory.authenticate('restart1', PASSWORD_2)).outcome, 'ok');
  });
});

describe('services with directory.type ldap', () => {
  test('builds the OpenLDAP adapter (no embedded directory) and warns at start-up about dangerouslyAllowPlainLdap', async () => {
    const slapd = await sharedSlapd();
    const dir = await makeTempDir('ldap-services');
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const config = configSchema.parse({
      dataDir: dir.path,
      directory: {
        type: 'ldap',
        ldap: {
          urls: [slapd.ldapsUrl],
          bindDn: slapd.serviceDn,
          bindPassword: slapd.servicePassword,
          baseDn: slapd.peopleDn,
          tls: { caFile: slapd.caFile },
          dangerouslyAllowPlainLdap: true,
        },
      },
    });
    const services = await createServices(config, { logger: createLogger('warn', stream) });
    try {
      assert.equal(services.directory.kind, 'ldap');
      assert.equal(services.embeddedDirectory, null);
      await services.directory.ping();
      const warning = lines
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .find((l) => /dangerouslyAllowPlainLdap/.test(l.msg));
      assert.equal(warning?.level, 'warn');
      assert.ok(!lines.some((line) => line.includes(slapd.servicePassword)), 'the service password is never logged');
    } finally {
      await services.close();
      await dir.cleanup();
    }
  });

  test('an LDAP type without its connection settings is a configuration error', () => {
    const result = configSchema.safeParse({ directory: { type: 'ldap' } });
    assert.equal(result.success, false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
    for (const key of ['bindDn', 'bindPassword', 'baseDn', 'urls'])
      assert.ok(paths.includes(`directory.ldap.${key}`), `${key}: ${paths.join(', ')}`);
    assert.equal(configSchema.safeParse({ directory: { ldap: { urls: ['http://x'] } } }).success, false, 'only ldap:// and ldaps:// URLs');
  });
});
