// A campaign over 1,000 accounts in a real OpenLDAP (slapd with ppolicy): members found by
// walking the directory, marked must-change (pwdReset) in batches, notified, and the progress
// numbers checked as users are reset by the service and change their own passwords, read back
// by the job's refresh (pwdReset cleared, pwdChangedTime after the mark). The store is SQLite.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Slapd, slapdLdapSettings, startSlapd } from '../../test/support/slapd.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import type { DirectoryAccount } from '../directory/directory.ts';
import { OpenLdapDirectory } from '../directory/ldap/openldap-directory.ts';
import { ManualClock, systemClock } from '../domain/clock.ts';
import { createLogger } from '../observability/logger.ts';
import { migrateToLatest, openDatabase } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { ADMIN, campaignTestConfig, DEPARTMENTS, RecordingMessenger } from './campaign.test-support.ts';
import { CampaignRunner } from './campaign-runner.ts';
import { StoreCampaignService } from './campaign-service.ts';

// Twice the test slapd's sizelimit (500): the service account pages past it (size.prtotal=unlimited,
// as docs/directory-openldap.md asks).
const COUNT = 1000;
const DAY = 86_400_000;
const START_PASSWORD = 'Startlosen-2026';

describe(`a campaign over ${COUNT} accounts in a real slapd`, () => {
  let slapd: Slapd;
  let directory: OpenLdapDirectory;
  let store: KyselyStore;
  let cleanupDir: () => Promise<void>;
  let accounts: DirectoryAccount[];

  before(async () => {
    slapd = await startSlapd();
    const started = performance.now();
    await slapd.asRoot(async (client) => {
      for (let i = 0; i < COUNT; i++) {
        const n = String(i + 1).padStart(5, '0');
        await client.add(`uid=ldap${n},${slapd.peopleDn}`, {
          objectClass: ['inetOrgPerson'],
          uid: `ldap${n}`,
          cn: `Anställd ${n}`,
          sn: n,
          displayName: `Anställd ${n}`,
          mail: `ldap${n}@kommun.example`,
          departmentNumber: DEPARTMENTS[i % DEPARTMENTS.length] as string,
          userPassword: START_PASSWORD,
        });
      }
    });
    process.stdout.write(`# ${COUNT} slapd entries added in ${Math.round(performance.now() - started)} ms\n`);
    directory = new OpenLdapDirectory(slapdLdapSettings(slapd));
    const dir = await makeTempDir('campaign-slapd');
    cleanupDir = dir.cleanup;
    const open = openDatabase({ driver: 'sqlite', path: `${dir.path}/nyckel.db` });
    await migrateToLatest(open);
    store = new KyselyStore(open.db, open.dialect);
    accounts = [];
    let cursor: string | null = null;
    do {
      const page = await directory.listAccounts({ pageSize: 500, cursor });
      accounts.push(...page.accounts.filter((a) => a.username.startsWith('ldap')));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.equal(accounts.length, COUNT);
  });
  after(async () => {
    await directory?.close();
    await store?.close();
    await cleanupDir?.();
    await slapd?.destroy();
  });

  it('marks everyone, then counts resets and own changes, by department', { timeout: 300_000 }, async () => {
    const logger = createLogger('silent');
    const messenger = new RecordingMessenger();
    const service = new StoreCampaignService({ store, directory, clock: systemClock, logger });
    const runner = new CampaignRunner(
      { store, directory, messenger, clock: systemClock, logger, config: campaignTestConfig() },
      { batchSize: 100, batchPauseMs: 0 },
    );
    const created = await service.create(
      {
        title: 'LDAP-läckan',
        deadline: new Date(Date.now() + 7 * DAY),
        target: { kind: 'everyone' },
        channels: ['work_email'],
        deadlineAction: 'none',
      },
      ADMIN,
    );
    assert.ok(created.ok);
    const id = created.campaign.id;
    await service.start(id, ADMIN);
    const started = performance.now();
    const result = await runner.runOnce();
    process.stdout.write(`# slapd: start to all marked and notified in ${Math.round(performance.now() - started)} ms\n`);
    const progress = await service.progress(id);
    // Everyone in the people OU: the test's accounts, plus the fixtures slapd comes with.
    assert.ok(progress.total >= COUNT);
    assert.equal(result.marked + result.skipped, progress.total);
    assert.equal(progress.marked, progress.total - progress.skipped);
    assert.equal(progress.pending, progress.marked);
    for (const a of accounts.slice(0, 50)) assert.equal((await directory.readState(a.id)).mustChange, true, a.username);
    const mailed = new Set(messenger.sent.map((m) => m.to));
    for (const a of accounts) assert.ok(mailed.has(a.email as string), a.username);

    // 100 reset by the service, 20 change their own (old and new password).
    for (const a of accounts.slice(0, 100)) await directory.setPassword(a.id, `Nytt-losen-${a.username}-1`);
    for (const a of accounts.slice(100, 120)) await directory.changePassword(a.id, START_PASSWORD, `Eget-losen-${a.username}-2`);
    // Another 10 get a temporary password from the helpdesk: still to change.
    for (const a of accounts.slice(120, 130)) await directory.setPassword(a.id, `Tillfalligt-${a.username}-3`, { mustChange: true });
    const campaign = await service.get(id);
    assert.ok(campaign);
    // The job's own run may have left the refresh mid-way: finish that pass, then one whole pass.
    let changed = 0;
    for (let wholePasses = 0; wholePasses < 2; ) {
      changed += await runner.refresh(campaign, 400);
      const row = await store.db.selectFrom('campaigns').select('refresh_cursor').where('id', '=', id).executeTakeFirstOrThrow();
      if (row.refresh_cursor === null) wholePasses++;
    }
    assert.equal(changed, 120);
    const after = await service.progress(id);
    assert.equal(after.changed, 120);
    assert.equal(after.pending, progress.pending - 120);
    const byDepartment = await service.progressByDepartment(id);
    for (const department of DEPARTMENTS) assert.equal(byDepartment.find((d) => d.department === department)?.changed, 30, department);
    assert.equal((await directory.readState(accounts[125]?.id as string)).mustChange, true);
    const pending = new Set<string>();
    for await (const m of service.pending(id)) pending.add(m.username);
    assert.ok(!pending.has('ldap00001'));
    assert.ok(pending.has('ldap00121'));
  });

  it('at the deadline, `lock` locks the pending in slapd (not the one who changed), and a reset unlocks', async () => {
    const logger = createLogger('silent');
    // The job's time is moved past the deadline; slapd's own times stay real.
    const clock = new ManualClock(new Date());
    const service = new StoreCampaignService({ store, directory, clock, logger });
    const runner = new CampaignRunner(
      { store, directory, messenger: new RecordingMessenger(), clock, logger, config: campaignTestConfig() },
      { batchSize: 4, batchPauseMs: 0 },
    );
    const members = accounts.slice(-10);
    const created = await service.create(
      {
        title: 'LDAP-låsningen',
        deadline: new Date(clock.now().getTime() + 7 * DAY),
        target: { kind: 'list', text: members.map((a) => a.username).join('\n') },
        channels: ['work_email'],
        deadlineAction: 'lock',
      },
      ADMIN,
    );
    assert.ok(created.ok);
    await service.start(created.campaign.id, ADMIN);
    assert.equal((await runner.runOnce()).marked, 10);
    const [changer, locked, ...rest] = members as [DirectoryAccount, DirectoryAccount, ...DirectoryAccount[]];
    await directory.setPassword(changer.id, 'Bytt-i-tid-2026-ok');
    clock.set(new Date(created.campaign.deadline.getTime() + 60_000));
    const result = await runner.runOnce();
    assert.equal((await service.get(created.campaign.id))?.status, 'completed');
    // The campaign above (deadline action none) reaches its deadline too, and locks nobody.
    assert.equal(result.directoryLocked, 9);
    for (const a of [locked, ...rest]) {
      const state = await directory.readState(a.id);
      assert.deepEqual([state.isLocked, state.lockedUntil, state.isDisabled], [true, null, false], a.username);
    }
    assert.equal((await directory.authenticate(locked.username, START_PASSWORD)).outcome, 'locked', 'slapd refuses the bind');
    assert.equal((await directory.readState(changer.id)).isLocked, false, 'the one who changed in time is not locked');
    await directory.setPassword(locked.id, 'Efter-laset-2026-ok');
    assert.equal((await directory.authenticate(locked.username, 'Efter-laset-2026-ok')).outcome, 'ok', 'a reset unlocks');
  });
});
