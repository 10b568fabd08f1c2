// Tests for the demo organisation and its seeding, in-process against a real SQLite store.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../../test/support/temp-dir.ts';
import { createServices, type Services } from '../app/services.ts';
import { configSchema } from '../config/schema.ts';
import { parseNewAccount } from '../directory/embedded/account-input.ts';
import { createLogger } from '../observability/logger.ts';
import { DEMO_ADMIN_GROUP, DEMO_ALL_STAFF_GROUP, DEMO_EMAIL_DOMAIN, DEMO_HELPDESK_GROUP, demoEmployees } from './demo-organisation.ts';
import { DEMO_SEEDED_SETTING, demoSummary, describeDemo, seedDemo } from './seed.ts';

const departments = ['Socialtjänsten', 'Skola och förskola', 'Samhällsbyggnad', 'IT-avdelningen', 'Kommunledningskontoret'];

describe('the demo organisation', () => {
  it('has about twelve valid employees across the five departments', () => {
    assert.ok(demoEmployees.length >= 12 && demoEmployees.length <= 14);
    assert.deepEqual([...new Set(demoEmployees.map((e) => e.department))].sort(), [...departments].sort());
    for (const employee of demoEmployees) {
      const parsed = parseNewAccount({
        username: employee.username,
        email: employee.email,
        displayName: employee.displayName,
        department: employee.department,
        mobile: employee.mobile,
        groups: [...employee.groups],
      });
      assert.ok(parsed.ok, `${employee.username}: ${JSON.stringify(parsed)}`);
      assert.equal(parsed.value.username, employee.username, 'usernames are already normalised');
    }
  });

  it('uses only reserved addresses and PTS fiction numbers, each once', () => {
    for (const employee of demoEmployees) {
      assert.ok(employee.email.endsWith(`@${DEMO_EMAIL_DOMAIN}`), employee.email);
      const match = /^\+467017406(\d\d)$/.exec(employee.mobile);
      assert.ok(match !== null && Number(match[1]) >= 5 && Number(match[1]) <= 99, employee.mobile);
    }
    for (const key of ['username', 'email', 'mobile', 'password'] as const) {
      assert.equal(new Set(demoEmployees.map((e) => e[key])).size, demoEmployees.length, `${key} values are unique`);
    }
  });

  it('has passwords of at least 12 characters and one account in each special state', () => {
    for (const employee of demoEmployees) assert.ok([...employee.password].length >= 12, employee.username);
    assert.equal(demoEmployees.filter((e) => e.privileged).length, 1);
    assert.equal(demoEmployees.filter((e) => e.mustChange).length, 1);
    assert.equal(demoEmployees.filter((e) => e.disabled).length, 1);
  });

  it('describeDemo lists every username with its password', () => {
    const text = describeDemo(demoSummary());
    assert.match(text, /^Demo kommun: /);
    for (const employee of demoEmployees) {
      assert.match(text, new RegExp(`^ {2}${employee.username.replaceAll('.', '\\.')} +${employee.password} +`, 'm'));
    }
  });
});

describe('seedDemo', () => {
  let temp: TempDir;
  let services: Services;
  beforeEach(async () => {
    temp = await makeTempDir('demo-seed');
    const config = configSchema.parse({
      dataDir: temp.path,
      demo: true,
      directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1 } } },
    });
    services = await createServices(config, { logger: createLogger('silent') });
  });
  async function close() {
    await services.close();
    await temp.cleanup();
  }

  it('creates every account in its state, once', async () => {
    try {
      const first = await seedDemo(services, { actor: 'cli' });
      assert.equal(first?.created, demoEmployees.length);
      assert.notEqual(await services.store.getSetting(DEMO_SEEDED_SETTING), null);
      assert.equal(await services.embeddedDirectory?.countAccounts(), demoEmployees.length);

      for (const employee of demoEmployees) {
        const result = await services.directory.authenticate(employee.username, employee.password);
        const expected = employee.disabled ? 'disabled' : employee.mustChange ? 'must_change' : 'ok';
        assert.equal(result.outcome, expected, employee.username);
        const account = await services.directory.findAccount(employee.email);
        assert.equal(account?.username, employee.username);
        const state = await services.directory.readState(account?.id as string);
        assert.equal(state.isPrivileged, employee.privileged === true, employee.username);
        assert.deepEqual(
          (await services.directory.groupsOf(account?.id as string)).sort(),
          [...employee.groups].sort(),
          `${employee.username}'s groups`,
        );
      }
      const byGroup = async (group: string) =>
        (await services.directory.listAccounts({ pageSize: 100, group })).accounts.map((a) => a.username);
      assert.equal((await byGroup(DEMO_ALL_STAFF_GROUP)).length, demoEmployees.length, 'everyone is in the all-staff group');
      assert.deepEqual(await byGroup(DEMO_HELPDESK_GROUP.toUpperCase()), ['leila.ahmadi']);
      assert.deepEqual(await byGroup(DEMO_ADMIN_GROUP), ['karin.holm']);

      assert.equal(await seedDemo(services), null, 'a second seeding does nothing');
      assert.equal(await services.embeddedDirectory?.countAccounts(), demoEmployees.length);
      const events = await services.store.listAudit({ type: 'demo.seeded', limit: 10 });
      assert.equal(events.length, 1);
      assert.equal(events[0]?.actor, 'cli');
    } finally {
      await close();
    }
  });

  it('leaves an existing account with a demo username alone', async () => {
    try {
      const directory = services.embeddedDirectory;
      assert.ok(directory);
      await directory.createAccount({ username: 'anna.lindqvist', displayName: 'Someone Else' });
      const summary = await seedDemo(services);
      assert.equal(summary?.created, demoEmployees.length - 1);
      assert.equal((await directory.findAccount('anna.lindqvist'))?.displayName, 'Someone Else');
      assert.equal(await directory.countAccounts(), demoEmployees.length);
    } finally {
      await close();
    }
  });
});
