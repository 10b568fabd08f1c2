// The Directory contract: one suite of behaviour every adapter must show (embedded, OpenLDAP
// with ppolicy, Active Directory). Each adapter's test file calls directoryContract() with a
// harness around a real backend. Only what the port promises is tested here; adapter
// specifics (how a lock is stored, which attempt answers 'locked') belong in the adapter's tests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ErrorCode, isNyckelError, type NyckelError } from '../domain/errors.ts';
import type { AccountPage, Directory, DirectoryAccount, ListAccountsOptions, PasswordRejection } from './directory.ts';

export interface TestAccountSpec {
  username: string;
  email: string;
  password: string;
  mustChange?: boolean;
  privileged?: boolean;
  disabled?: boolean;
  department?: string;
}

/**
 * What an adapter's test file provides. The directory must be configured with a lockout
 * threshold of at least 2, a password history of at least 2, no minimum password age, and a
 * minimum length no greater than 12.
 */
export interface DirectoryHarness {
  directory: Directory;
  /** Creates an account in the backend with this password and these flags (through the backend's own tools if need be). */
  createAccount(spec: TestAccountSpec): Promise<DirectoryAccount>;
  /** Failed attempts that lock an account (at least 2). */
  lockoutThreshold: number;
  /** The time the directory goes by (a ManualClock, or the system clock for a real server). */
  now(): Date;
  /** Lets time pass for the directory: advances a ManualClock, or waits for a real server. */
  passTime(ms: number): Promise<void>;
  /**
   * Creates a group whose members are these accounts and these groups (references returned by
   * earlier calls), through the backend's own tools. Returns the group's reference: what
   * `listAccounts({ group })` takes and `groupsOf` lists (embedded: the name; LDAP and AD: the DN).
   */
  createGroup(name: string, members: { accounts: DirectoryAccount[]; groups?: string[] }): Promise<string>;
  /** Whether the backend has groups in groups (the embedded directory doesn't). */
  hasNestedGroups: boolean;
  /** A well-formed group reference that names no group. */
  unknownGroup: string;
  /** Whether the backend can lock an account on request; the adapter's `canLock` must say the same. */
  canLock: boolean;
  cleanup(): Promise<void>;
}

// Passwords that satisfy common directory complexity rules (AD: three of four character classes).
const PASSWORD_1 = 'Korrekt-Häst-42-batteri';
const PASSWORD_2 = 'Andra-Lösenordet-77-ok';
const PASSWORD_3 = 'Tredje-Lösenordet-93-ja';
const WRONG = 'Fel-lösenord-00-nej';

/** Awaits a promise that must fail with the given NyckelError code, and returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<NyckelError> {
  try {
    await promise;
  } catch (error) {
    if (!isNyckelError(error, code)) assert.fail(`expected NyckelError '${code}', got ${String((error as Error)?.message ?? error)}`);
    return error;
  }
  assert.fail(`expected NyckelError '${code}', but the call succeeded`);
}

/** The PasswordRejection a policy_violation carries. */
export function rejectionOf(error: NyckelError): PasswordRejection {
  const rejection = error.detail?.rejection as PasswordRejection | undefined;
  assert.ok(rejection !== undefined && typeof rejection.rule === 'string', 'a policy_violation carries detail.rejection');
  return rejection;
}

export function directoryContract(name: string, setup: () => Promise<DirectoryHarness>): void {
  describe(`Directory contract: ${name}`, () => {
    let h: DirectoryHarness;
    let directory: Directory;
    let serial = 0;
    // Unique per run, so a backend that outlives the suite (a real server) doesn't collide.
    const run = Math.random().toString(36).slice(2, 8);

    /** Every page of a listing: the accounts in order and how many pages it took. */
    async function listAll(options: Omit<ListAccountsOptions, 'cursor'>): Promise<{ accounts: DirectoryAccount[]; count: number }> {
      const accounts: DirectoryAccount[] = [];
      let cursor: string | null = null;
      let count = 0;
      do {
        const page: AccountPage = await directory.listAccounts({ ...options, cursor });
        assert.ok(page.accounts.length <= options.pageSize);
        accounts.push(...page.accounts);
        cursor = page.nextCursor;
        count += 1;
        assert.ok(count < 10_000, 'paging ends');
      } while (cursor !== null);
      const ids = accounts.map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length, 'no account is listed twice');
      return { accounts, count };
    }

    /** A fresh account for one test; letters and digits only, valid in every backend. */
    async function account(overrides: Partial<TestAccountSpec> = {}) {
      serial += 1;
      const username = `ct${run}u${serial}`;
      const spec: TestAccountSpec = { username, email: `${username}@example.se`, password: PASSWORD_1, ...overrides };
      const created = await h.createAccount(spec);
      return { ...created, spec };
    }

    before(async () => {
      h = await setup();
      directory = h.directory;
      assert.ok(h.lockoutThreshold >= 2, 'the contract needs a lockout threshold of at least 2');
    });
    after(async () => {
      await h?.cleanup();
    });

    describe('findAccount', () => {
      test('finds by username and by e-mail, ignoring case and surrounding spaces', async () => {
        const a = await account();
        for (const identifier of [
          a.spec.username,
          a.spec.username.toUpperCase(),
          ` ${a.spec.username} `,
          a.spec.email,
          a.spec.email.toUpperCase(),
        ]) {
          const found = await directory.findAccount(identifier);
          assert.equal(found?.id, a.id, `lookup by ${JSON.stringify(identifier)}`);
          assert.equal(found?.username.toLowerCase(), a.spec.username);
          assert.equal(found?.email?.toLowerCase(), a.spec.email);
        }
      });

      test('getAccount returns the same account by id, and null for an unknown id', async () => {
        const a = await account();
        const got = await directory.getAccount(a.id);
        assert.equal(got?.id, a.id);
        assert.equal(got?.username.toLowerCase(), a.spec.username);
        assert.equal(await directory.getAccount(`${a.id}x`), null);
      });

      test('an unknown identifier gives null', async () => {
        assert.equal(await directory.findAccount(`nobody${run}`), null);
        assert.equal(await directory.findAccount(`nobody${run}@example.se`), null);
        assert.equal(await directory.findAccount(''), null);
        assert.equal(await directory.findAccount('   '), null);
      });

      test('identifiers that look like LDAP filter injection find nothing and do not throw', async () => {
        const a = await account();
        const hostile = [
          '*',
          `${a.spec.username.slice(0, 4)}*`,
          `*)(uid=*`,
          `${a.spec.username})(|(uid=*`,
          '*)(|(objectClass=*))',
          '\\',
          '\\2a',
          '(',
          ')',
          `${'a'.repeat(5000)}`,
          'a\u0000b',
          `${a.spec.username}\u0000`,
          "' OR '1'='1",
        ];
        for (const identifier of hostile) {
          assert.equal(await directory.findAccount(identifier), null, `findAccount(${JSON.stringify(identifier.slice(0, 40))})`);
          const result = await directory.authenticate(identifier, PASSWORD_1);
          assert.equal(result.outcome, 'invalid', `authenticate(${JSON.stringify(identifier.slice(0, 40))})`);
          assert.equal(result.account, null);
        }
      });
    });

    describe('authenticate', () => {
      test('the right password gives ok with the account, by username or e-mail', async () => {
        const a = await account();
        const byName = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(byName.outcome, 'ok');
        assert.equal(byName.account?.id, a.id);
        const byEmail = await directory.authenticate(a.spec.email.toUpperCase(), PASSWORD_1);
        assert.equal(byEmail.outcome, 'ok');
        assert.equal(byEmail.account?.id, a.id);
      });

      test('a wrong password gives invalid', async () => {
        const a = await account();
        // A right password between the wrong ones keeps the account below the lockout threshold.
        // Passwords are case-sensitive; an empty password never signs in (an LDAP bind with an
        // empty password is an anonymous bind that "succeeds").
        for (const wrong of [WRONG, PASSWORD_1.toUpperCase(), '']) {
          const result = await directory.authenticate(a.spec.username, wrong);
          assert.equal(result.outcome, 'invalid', `password ${JSON.stringify(wrong)}`);
          assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
        }
      });

      test('an unknown account gives invalid with no account', async () => {
        const result = await directory.authenticate(`nobody${run}`, PASSWORD_1);
        assert.deepEqual(result, { outcome: 'invalid', account: null });
      });

      test('the lockout threshold of failures locks the account; unlock opens it again', async () => {
        const a = await account();
        for (let i = 0; i < h.lockoutThreshold; i++) {
          const attempt = await directory.authenticate(a.spec.username, WRONG);
          assert.ok(attempt.outcome === 'invalid' || attempt.outcome === 'locked', `attempt ${i + 1}: ${attempt.outcome}`);
        }
        const whileLocked = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(whileLocked.outcome, 'locked', 'even the right password is refused while locked');
        assert.equal(whileLocked.account?.id, a.id);
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, true);
        if (state.lockedUntil !== null) assert.ok(state.lockedUntil.getTime() > h.now().getTime(), 'a timed lock ends in the future');

        await directory.unlock(a.id);
        assert.equal((await directory.readState(a.id)).isLocked, false);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
      });

      test('a lock either ends by itself at lockedUntil or lasts until unlocked', async () => {
        const a = await account();
        for (let i = 0; i < h.lockoutThreshold; i++) await directory.authenticate(a.spec.username, WRONG);
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, true);
        const waitMs = state.lockedUntil === null ? 2000 : state.lockedUntil.getTime() - h.now().getTime() + 1000;
        await h.passTime(waitMs);
        const later = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(later.outcome, state.lockedUntil === null ? 'locked' : 'ok');
      });

      test('a right password before the threshold resets the failure count', async () => {
        const a = await account();
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < h.lockoutThreshold - 1; i++) {
            assert.equal((await directory.authenticate(a.spec.username, WRONG)).outcome, 'invalid');
          }
          assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok', `round ${round + 1}`);
        }
        assert.equal((await directory.readState(a.id)).isLocked, false);
      });

      test('an account that must change its password gives must_change for the right password only', async () => {
        const a = await account({ mustChange: true });
        const result = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(result.outcome, 'must_change');
        assert.equal(result.account?.id, a.id);
        assert.equal((await directory.authenticate(a.spec.username, WRONG)).outcome, 'invalid');
      });

      test('a disabled account gives disabled for the right password, never ok', async () => {
        const a = await account({ disabled: true });
        const result = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(result.outcome, 'disabled');
        assert.notEqual((await directory.authenticate(a.spec.username, WRONG)).outcome, 'ok');
        assert.equal((await directory.readState(a.id)).isDisabled, true);
      });
    });

    describe('setPassword and changePassword', () => {
      test('after setPassword the new password works and the old one does not', async () => {
        const a = await account();
        await directory.setPassword(a.id, PASSWORD_2);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'invalid');
      });

      test('setPassword with mustChange makes the next sign-in must_change', async () => {
        const a = await account();
        await directory.setPassword(a.id, PASSWORD_2, { mustChange: true });
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'must_change');
        assert.equal((await directory.readState(a.id)).mustChange, true);
      });

      test('setPassword unlocks a locked account', async () => {
        const a = await account();
        for (let i = 0; i < h.lockoutThreshold; i++) await directory.authenticate(a.spec.username, WRONG);
        assert.equal((await directory.readState(a.id)).isLocked, true);
        await directory.setPassword(a.id, PASSWORD_2);
        assert.equal((await directory.readState(a.id)).isLocked, false);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
      });

      test('setPassword refuses a password shorter than the policy allows', async () => {
        const a = await account();
        const error = await rejectsWith(directory.setPassword(a.id, 'Ab1-'), 'policy_violation');
        assert.ok(['too_short', 'directory_policy'].includes(rejectionOf(error).rule));
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok', 'the old password still works');
      });

      test('changePassword with the right old password changes it and clears must-change', async () => {
        const a = await account({ mustChange: true });
        await directory.changePassword(a.id, PASSWORD_1, PASSWORD_2);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'invalid');
        assert.equal((await directory.readState(a.id)).mustChange, false);
      });

      test('changePassword with a wrong old password gives invalid_credentials and changes nothing', async () => {
        const a = await account();
        await rejectsWith(directory.changePassword(a.id, WRONG, PASSWORD_2), 'invalid_credentials');
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'invalid');
      });

      test('changePassword refuses a recently used password and keeps the current one', async () => {
        const a = await account();
        await directory.changePassword(a.id, PASSWORD_1, PASSWORD_2);
        const error = await rejectsWith(directory.changePassword(a.id, PASSWORD_2, PASSWORD_1), 'policy_violation');
        assert.ok(['in_history', 'directory_policy'].includes(rejectionOf(error).rule), `rule ${rejectionOf(error).rule}`);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
        // A password never used before is accepted.
        await directory.changePassword(a.id, PASSWORD_2, PASSWORD_3);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_3)).outcome, 'ok');
      });

      test('changePassword refuses the current password as the new one', async () => {
        const a = await account();
        const error = await rejectsWith(directory.changePassword(a.id, PASSWORD_1, PASSWORD_1), 'policy_violation');
        assert.ok(['same_as_current', 'in_history', 'directory_policy'].includes(rejectionOf(error).rule));
      });

      test('operations on an unknown id give account_not_found', async () => {
        const a = await account();
        const unknown = `${a.id}x`;
        await rejectsWith(directory.setPassword(unknown, PASSWORD_2), 'account_not_found');
        await rejectsWith(directory.readState(unknown), 'account_not_found');
      });
    });

    describe('account state', () => {
      test('a fresh account reads as usable', async () => {
        const a = await account();
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, false);
        assert.equal(state.lockedUntil, null);
        assert.equal(state.isDisabled, false);
        assert.equal(state.mustChange, false);
        assert.equal(state.isExpired, false);
        assert.equal(state.isPrivileged, false);
        assert.ok(state.passwordChangedAt instanceof Date, 'passwordChangedAt is known after a password is set');
        if (state.passwordExpiresAt !== null) {
          assert.ok(state.passwordExpiresAt.getTime() > state.passwordChangedAt.getTime(), 'expiry comes after the change');
        }
      });

      test('requireChange sets must-change', async () => {
        const a = await account();
        await directory.requireChange(a.id);
        assert.equal((await directory.readState(a.id)).mustChange, true);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'must_change');
      });

      test('a privileged account reads as privileged', async () => {
        const a = await account({ privileged: true });
        assert.equal((await directory.readState(a.id)).isPrivileged, true);
      });
    });

    describe('lock', () => {
      /**
       * Locks the account where the directory can (true); otherwise checks that lock() is refused
       * and left the account as it was (false), so both kinds of adapter assert something.
       */
      async function lockOrRefused(a: DirectoryAccount & { spec: TestAccountSpec }): Promise<boolean> {
        if (h.canLock) {
          await directory.lock(a.id);
          return true;
        }
        await rejectsWith(directory.lock(a.id), 'internal');
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, false, 'a refused lock leaves the account unlocked');
        assert.equal(state.isDisabled, false, 'a refused lock does not disable the account either');
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
        return false;
      }

      test('canLock says what the backend can do', () => {
        assert.equal(directory.canLock, h.canLock);
      });

      test('a locked account refuses even the right password until unlocked; unlock lifts it', async () => {
        const a = await account();
        if (!(await lockOrRefused(a))) return;
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, true);
        assert.equal(state.lockedUntil, null, 'locked until unlocked, not for a while');
        assert.equal(state.isDisabled, false, 'locked, not disabled');
        const signIn = await directory.authenticate(a.spec.username, PASSWORD_1);
        assert.equal(signIn.outcome, 'locked');
        assert.equal(signIn.account?.id, a.id);
        await rejectsWith(directory.changePassword(a.id, PASSWORD_1, PASSWORD_2), 'account_locked');
        await h.passTime(1_500);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'locked', 'the lock does not end by itself');
        await directory.lock(a.id);
        assert.equal((await directory.readState(a.id)).isLocked, true, 'locking again is harmless');

        await directory.unlock(a.id);
        assert.equal((await directory.readState(a.id)).isLocked, false);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_1)).outcome, 'ok');
      });

      test('a reset (setPassword) lifts the lock, as it lifts a lockout', async () => {
        const a = await account();
        if (!(await lockOrRefused(a))) return;
        await directory.setPassword(a.id, PASSWORD_2);
        assert.equal((await directory.readState(a.id)).isLocked, false);
        assert.equal((await directory.authenticate(a.spec.username, PASSWORD_2)).outcome, 'ok');
      });

      test('failed attempts on a locked account do not turn the lock into one that ends by itself', async () => {
        const a = await account();
        if (!(await lockOrRefused(a))) return;
        for (let i = 0; i < h.lockoutThreshold + 1; i++) {
          assert.equal((await directory.authenticate(a.spec.username, WRONG)).outcome, 'locked', `attempt ${i + 1}`);
        }
        const state = await directory.readState(a.id);
        assert.equal(state.isLocked, true);
        assert.equal(state.lockedUntil, null);
      });

      test('lock on an unknown id gives account_not_found (where the directory can lock)', async () => {
        const a = await account();
        if (!(await lockOrRefused(a))) return;
        await rejectsWith(directory.lock(`${a.id}x`), 'account_not_found');
        await rejectsWith(directory.lock(''), 'account_not_found');
      });
    });

    describe('listAccounts', () => {
      test('pages cover every account exactly once', async () => {
        const mine = new Set<string>();
        for (let i = 0; i < 7; i++) mine.add((await account()).id);
        const seen = new Map<string, number>();
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await directory.listAccounts({ pageSize: 3, cursor });
          assert.ok(page.accounts.length <= 3);
          assert.ok(page.accounts.length > 0 || page.nextCursor === null, 'only the last page may be empty');
          for (const found of page.accounts) seen.set(found.id, (seen.get(found.id) ?? 0) + 1);
          cursor = page.nextCursor;
          pages += 1;
          assert.ok(pages < 10_000, 'paging ends');
        } while (cursor !== null);
        for (const id of mine) assert.equal(seen.get(id), 1, `account ${id} listed once`);
        for (const [id, count] of seen) assert.equal(count, 1, `account ${id} listed ${count} times`);
        assert.ok(pages >= 3, 'seven accounts in pages of three take at least three pages');
      });

      test('a page size out of range is refused', async () => {
        await rejectsWith(directory.listAccounts({ pageSize: 0 }), 'invalid_input');
        await rejectsWith(directory.listAccounts({ pageSize: 1001 }), 'invalid_input');
      });

      test('by group: every member (nested ones too where the directory has nesting) once, across pages, and no one else', async () => {
        const direct = [await account(), await account(), await account()];
        const viaSubgroup = [await account(), await account()];
        const outsiders = [await account(), await account()];
        let group: string;
        if (h.hasNestedGroups) {
          const subgroup = await h.createGroup(`ct${run}sub${serial}`, { accounts: viaSubgroup });
          group = await h.createGroup(`ct${run}grp${serial}`, { accounts: direct, groups: [subgroup] });
        } else {
          group = await h.createGroup(`ct${run}grp${serial}`, { accounts: [...direct, ...viaSubgroup] });
        }
        // Outsiders are in some other group, so "has any group" would not pass for "in this group".
        await h.createGroup(`ct${run}other${serial}`, { accounts: outsiders });
        const expected = new Set([...direct, ...viaSubgroup].map((a) => a.id));
        const pages = await listAll({ pageSize: 2, group });
        assert.deepEqual(sortedIds(pages.accounts), [...expected].sort());
        assert.ok(pages.count >= 3, 'five members in pages of two take at least three pages');
        for (const outsider of outsiders) assert.ok(!pages.accounts.some((a) => a.id === outsider.id), 'an outsider is not listed');
      });

      test('by department: an exact match ignoring case, alone or with a group', async () => {
        const department = `Socialförvaltningen ${run}`;
        const inDepartment = [await account({ department }), await account({ department }), await account({ department })];
        const elsewhere = await account({ department: `${department} Nord` });
        const unset = await account();
        const byDepartment = await listAll({ pageSize: 2, department: department.toUpperCase() });
        assert.deepEqual(sortedIds(byDepartment.accounts), sortedIds(inDepartment));
        for (const found of byDepartment.accounts) assert.equal(found.department?.toLowerCase(), department.toLowerCase());
        assert.ok(!byDepartment.accounts.some((a) => a.id === elsewhere.id || a.id === unset.id));

        const group = await h.createGroup(`ct${run}dep${serial}`, { accounts: [inDepartment[0] as DirectoryAccount, elsewhere] });
        const both = await listAll({ pageSize: 5, group, department });
        assert.deepEqual(sortedIds(both.accounts), [inDepartment[0]?.id]);
      });

      test('an unknown group or department gives an empty page, not an error', async () => {
        for (const options of [{ group: h.unknownGroup }, { department: `Ingen sådan förvaltning ${run}` }]) {
          const page = await directory.listAccounts({ pageSize: 10, ...options });
          assert.deepEqual(page, { accounts: [], nextCursor: null }, JSON.stringify(options));
        }
      });

      test('group and department values that look like injection match nothing and do not throw', async () => {
        const member = await account({ department: `Ekonomi ${run}` });
        const group = await h.createGroup(`ct${run}inj${serial}`, { accounts: [member] });
        const hostile = [
          '*',
          ')(uid=*',
          '*)(|(objectClass=*))',
          `${group})(uid=*`,
          `${group}*`,
          `Ekonomi*`,
          '\\',
          '\\2a',
          'a\u0000b',
          `${group}\u0000`,
          'x'.repeat(2000),
          "' OR '1'='1",
        ];
        for (const value of hostile) {
          for (const options of [{ group: value }, { department: value }]) {
            const label = JSON.stringify({ ...options, [Object.keys(options)[0] as string]: value.slice(0, 40) });
            try {
              const page = await directory.listAccounts({ pageSize: 10, ...options });
              assert.deepEqual(page.accounts, [], `nothing listed for ${label}`);
            } catch (error) {
              // Refusing the value outright is fine, as long as it is the domain's 'invalid input'.
              if (!isNyckelError(error, 'invalid_input')) assert.fail(`${label} threw ${String((error as Error).message)}`);
            }
          }
        }
        // The real values still work.
        assert.deepEqual(sortedIds((await listAll({ pageSize: 10, group })).accounts), [member.id]);
      });
    });

    describe('groupsOf', () => {
      test("lists the account's groups, the enclosing group too where groups nest, and not others", async () => {
        const member = await account();
        const outsider = await account();
        const inner = await h.createGroup(`ct${run}inner${serial}`, { accounts: [member] });
        const outer = h.hasNestedGroups ? await h.createGroup(`ct${run}outer${serial}`, { accounts: [], groups: [inner] }) : null;
        const unrelated = await h.createGroup(`ct${run}unrel${serial}`, { accounts: [outsider] });
        const groups = (await directory.groupsOf(member.id)).map(groupKey);
        assert.ok(groups.includes(groupKey(inner)), `the direct group is listed: ${groups.join(' | ')}`);
        if (outer !== null) assert.ok(groups.includes(groupKey(outer)), `the enclosing group is listed: ${groups.join(' | ')}`);
        assert.ok(!groups.includes(groupKey(unrelated)), 'a group the account is not in is not listed');
        assert.equal(new Set(groups).size, groups.length, 'each group once');
        const outsiderGroups = (await directory.groupsOf(outsider.id)).map(groupKey);
        assert.ok(!outsiderGroups.includes(groupKey(inner)) && (outer === null || !outsiderGroups.includes(groupKey(outer))));
      });

      test('an account in no group has none; an unknown id is account_not_found', async () => {
        const loner = await account();
        const groups = (await directory.groupsOf(loner.id)).map(groupKey);
        // A directory may put everyone in a group of its own (AD's primary group is not listed, but be lenient).
        assert.ok(!groups.some((g) => g.includes(`ct${run}`)), `no test group: ${groups.join(' | ')}`);
        await rejectsWith(directory.groupsOf(`${loner.id}x`), 'account_not_found');
      });
    });

    test('ping answers while the directory is reachable', async () => {
      await directory.ping();
    });
  });
}

function sortedIds(accounts: readonly (DirectoryAccount | undefined)[]): string[] {
  return accounts.map((a) => a?.id ?? '').sort();
}

/** Group references compared as the directory compares them: case-insensitively, DNs without spaces after separators. */
function groupKey(reference: string): string {
  return reference.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
}
