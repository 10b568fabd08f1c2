// The campaign job: started campaigns are picked up at once (the start wakes the job), two
// instances scheduled on one store mark and notify each account once between them (the lease,
// and the per-member transitions under it), and stopping gives the lease up.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, type CampaignWorld, openCampaignWorld, seedAccounts } from '../campaigns/campaign.test-support.ts';
import { scheduleCampaigns } from './campaign-job.ts';
import { JobLock } from './job-lock.ts';

const DAY = 86_400_000;
const COUNT = 120;

async function settle(schedules: Array<{ readonly running: Promise<void> | null }>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const under = schedules.map((s) => s.running).filter((r) => r !== null);
    if (under.length === 0) return;
    await Promise.all(under);
  }
}

describe('the campaign job', () => {
  let w: CampaignWorld;
  before(async () => {
    w = await openCampaignWorld('sqlite');
    await seedAccounts(w.directory, COUNT);
  });
  after(async () => {
    await w?.cleanup();
  });

  it('runs a started campaign at once, on one of two instances, notifying each account once', async () => {
    const deps = {
      store: w.store,
      directory: w.directory,
      messenger: w.messenger,
      clock: w.clock,
      logger: w.logger,
      config: w.config,
      campaigns: w.service,
    };
    const hour = 3_600_000;
    const a = scheduleCampaigns(
      deps,
      hour,
      { batchSize: 10, batchPauseMs: 1 },
      new JobLock(w.store.db, 'campaigns', w.clock, 'instance-a'),
    );
    const b = scheduleCampaigns(
      deps,
      hour,
      { batchSize: 10, batchPauseMs: 1 },
      new JobLock(w.store.db, 'campaigns', w.clock, 'instance-b'),
    );
    await settle([a, b]);
    const created = await w.service.create(
      {
        title: 'Jobbet',
        deadline: new Date(w.clock.now().getTime() + 3 * DAY),
        target: { kind: 'everyone' },
        channels: ['work_email'],
        deadlineAction: 'none',
      },
      ADMIN,
    );
    assert.ok(created.ok);
    assert.equal(await w.service.start(created.campaign.id, ADMIN), true);
    // Woken by the start, not by the (hour-long) interval.
    assert.ok(a.running !== null || b.running !== null);
    await settle([a, b]);
    const p = await w.service.progress(created.campaign.id);
    assert.equal(p.marked, COUNT);
    assert.equal(p.notified, COUNT);
    const perRecipient = new Map<string, number>();
    for (const m of w.messenger.sent) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    assert.equal(perRecipient.size, COUNT);
    assert.ok([...perRecipient.values()].every((n) => n === 1));
    const holders = await w.store.db.selectFrom('job_locks').select('holder').where('name', '=', 'campaigns').execute();
    assert.equal(holders.length, 1);
    await a.stop();
    await b.stop();
    assert.equal((await w.store.db.selectFrom('job_locks').select('holder').where('name', '=', 'campaigns').execute()).length, 0);
    // Stopped: a start wakes nothing.
    const later = await w.service.create(
      {
        title: 'Efter stopp',
        deadline: new Date(w.clock.now().getTime() + 3 * DAY),
        target: { kind: 'everyone' },
        channels: ['work_email'],
        deadlineAction: 'none',
      },
      ADMIN,
    );
    assert.ok(later.ok);
    await w.service.start(later.campaign.id, ADMIN);
    assert.equal(a.running, null);
    assert.equal((await w.service.progress(later.campaign.id)).total, 0);
  });
});
