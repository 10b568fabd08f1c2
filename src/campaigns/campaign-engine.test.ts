// A campaign over 1,000 accounts on the embedded directory, on SQLite and on a real PostgreSQL:
// marking in batches, notices, sessions ended, progress as users reset and change their
// passwords (through the job's refresh and through Nyckel's change hook), by department, the
// pending list, snapshots, reminders once per threshold, the deadline action (the sign-in block
// and the lock in the directory, resumed after a crash, once per member; the fallback where the
// directory can't lock), cancel, audit.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Directory, DirectoryAccount } from '../directory/directory.ts';
import { isNyckelError, NyckelError } from '../domain/errors.ts';
import { ADMIN, type CampaignWorld, DEPARTMENTS, openCampaignWorld, seedAccounts } from './campaign.test-support.ts';
import { CampaignRunner } from './campaign-runner.ts';
import { StoreCampaignService } from './campaign-service.ts';
import { withPasswordChangeHook } from './change-hook.ts';

const DAY = 86_400_000;
const COUNT = 1_000;
const NEW_PASSWORD = 'Ett-helt-nytt-lösenord-42';

/** A crash: not a NyckelError, so it stops the pass as a dying process would. */
class Crash extends Error {}

/**
 * The directory with lock() counted (every call, by account id), optionally crashing right after
 * the `crashAfter`-th call has landed, and optionally claiming it can't lock.
 */
function lockWatching(directory: Directory, calls: string[], options: { crashAfter?: number; canLock?: boolean } = {}): Directory {
  return new Proxy(directory, {
    get(target, property, receiver) {
      if (property === 'canLock' && options.canLock !== undefined) return options.canLock;
      if (property === 'lock') {
        return async (id: string) => {
          await target.lock(id);
          calls.push(id);
          if (calls.length === options.crashAfter) throw new Crash('killed after a lock');
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Accounts locked in the embedded directory until unlocked (a lockout after failures would have an end). */
async function lockedInDirectory(w: CampaignWorld, ids: string[]): Promise<string[]> {
  const locked: string[] = [];
  for (const id of ids) {
    const state = await w.directory.readState(id);
    if (state.isLocked && state.lockedUntil === null) locked.push(id);
  }
  return locked;
}

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`a campaign over ${COUNT} embedded accounts (${driver})`, () => {
    let w: CampaignWorld;
    let accounts: DirectoryAccount[];
    let campaignId: string;

    before(async () => {
      w = await openCampaignWorld(driver);
      accounts = await seedAccounts(w.directory, COUNT);
      assert.equal(accounts.length, COUNT);
    });
    after(async () => {
      await w?.cleanup();
    });

    const mustChangeCount = async () =>
      Number(
        (
          await w.store.db
            .selectFrom('accounts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('must_change', '=', 1)
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('creates a draft that touches nobody, and refuses bad input field by field', async () => {
      const bad = await w.service.create(
        {
          title: ' ',
          deadline: new Date(w.clock.now().getTime() + 60_000),
          target: { kind: 'department', department: '' },
          channels: [],
          deadlineAction: 'explode' as never,
          reminderDaysBefore: [0],
        },
        ADMIN,
      );
      assert.equal(bad.ok, false);
      assert.deepEqual(!bad.ok && bad.errors.map((e) => `${e.field}:${e.code}`).sort(), [
        'channels:no_channel',
        'deadline:in_past',
        'deadlineAction:invalid',
        'reminderDaysBefore:invalid',
        'target:required',
        'title:required',
      ]);
      const created = await w.service.create(
        {
          title: 'Läckta lösenord mars',
          deadline: new Date(w.clock.now().getTime() + 7 * DAY),
          target: { kind: 'everyone' },
          message: 'Lösenorden från tjänsten X har läckt.',
          channels: ['work_email', 'sms'],
          reminderDaysBefore: [1, 3],
          deadlineAction: 'lock',
        },
        ADMIN,
      );
      assert.ok(created.ok);
      campaignId = created.campaign.id;
      assert.equal(created.campaign.status, 'draft');
      assert.deepEqual(created.campaign.reminderDaysBefore, [3, 1]);
      // Nothing happens before start, even if the job runs.
      await w.runner().runOnce();
      assert.equal(await mustChangeCount(), 0);
      assert.equal((await w.service.progress(campaignId)).total, 0);
      assert.equal(w.messenger.sent.length, 0);
    });

    it('starts once, then marks, ends sessions and notifies everyone exactly once, in batches', async () => {
      // A few signed-in users: their sessions must end.
      for (const a of accounts.slice(0, 5)) {
        await w.store.createSession({
          idHash: `session-${a.id}`,
          accountId: a.id,
          createdAt: w.clock.now(),
          lastSeenAt: w.clock.now(),
          data: {},
          ip: null,
          userAgent: null,
        });
      }
      let woken = 0;
      w.service.onWake(() => woken++);
      assert.equal(await w.service.start(campaignId, ADMIN), true);
      assert.equal(await w.service.start(campaignId, ADMIN), false, 'a second start does nothing');
      assert.equal(woken, 1);
      w.clock.advance(60_000);
      const result = await w.runner({ batchSize: 100 }).runOnce();
      assert.equal(result.resolved, COUNT);
      assert.equal(result.marked, COUNT);
      assert.equal(result.notified, COUNT);
      assert.equal(await mustChangeCount(), COUNT);
      for (const a of accounts.slice(0, 5)) assert.equal(await w.store.getSession(`session-${a.id}`), null);
      const progress = await w.service.progress(campaignId);
      assert.deepEqual(progress, {
        total: COUNT,
        changed: 0,
        pending: COUNT,
        locked: 0,
        skipped: 0,
        marked: COUNT,
        notified: COUNT,
        unreachable: 0,
      });
      // Work e-mail for everyone, SMS for every third (those with a mobile).
      const emails = w.messenger.sent.filter((m) => m.channel === 'email');
      const sms = w.messenger.sent.filter((m) => m.channel === 'sms');
      assert.equal(emails.length, COUNT);
      assert.equal(new Set(emails.map((m) => m.to)).size, COUNT);
      assert.equal(sms.length, Math.ceil(COUNT / 3));
      const first = emails[0];
      assert.ok(first !== undefined && first.channel === 'email');
      assert.match(first.text, /https:\/\/nyckel\.kommun\.example\//);
      assert.match(first.text, /Lösenorden från tjänsten X har läckt\./);
      assert.match(first.subject, /Byt ditt lösenord/);
      // A second pass marks and notifies nobody again.
      const before = w.messenger.sent.length;
      const again = await w.runner().runOnce();
      assert.equal(again.marked + again.notified, 0);
      assert.equal(w.messenger.sent.length, before);
      const batches = await w.store.listAudit({ type: 'campaign.members_marked', limit: 100 });
      assert.equal(batches.length, COUNT / 100);
      assert.equal(
        batches.reduce((sum, e) => sum + Number(e.detail.marked), 0),
        COUNT,
      );
      assert.equal(batches[0]?.actor, ADMIN.accountId);
      assert.ok((await w.service.progressOverTime(campaignId)).length >= 1);
    });

    it('counts users as they reset or change (refresh and the change hook), by department and in the pending list', async () => {
      w.clock.advance(3_600_000);
      // 150 resets by the service (like the reset flow), read back by the job's refresh.
      for (const a of accounts.slice(0, 150)) await w.directory.setPassword(a.id, NEW_PASSWORD);
      // A temporary password from the helpdesk (must change again) is not a change.
      await w.directory.setPassword(accounts[999]?.id as string, NEW_PASSWORD, { mustChange: true });
      assert.equal((await w.service.progress(campaignId)).changed, 0, 'nothing counted before a refresh');
      const changed = await w.runner().refresh((await w.service.get(campaignId)) as never, 5_000);
      assert.equal(changed, 150);
      // 10 changes through Nyckel are counted at once by the hook, without a refresh.
      const hooked = withPasswordChangeHook(w.directory, (id) => w.service.noteChanged(id), w.logger);
      for (const a of accounts.slice(150, 160)) await hooked.setPassword(a.id, NEW_PASSWORD);
      const p = await w.service.progress(campaignId);
      assert.equal(p.changed, 160);
      assert.equal(p.pending, COUNT - 160);
      const byDepartment = await w.service.progressByDepartment(campaignId);
      assert.deepEqual(
        byDepartment.map((d) => d.department),
        [...DEPARTMENTS].sort((a, b) => a.localeCompare(b, 'sv')),
      );
      assert.equal(
        byDepartment.reduce((s, d) => s + d.changed, 0),
        160,
      );
      assert.equal(
        byDepartment.reduce((s, d) => s + d.total, 0),
        COUNT,
      );
      // The first 160 accounts are spread round-robin over the four departments.
      for (const d of byDepartment) assert.equal(d.changed, 40);
      const pending: string[] = [];
      for await (const m of w.service.pending(campaignId)) pending.push(m.username);
      assert.equal(pending.length, COUNT - 160);
      assert.ok(!pending.includes(accounts[0]?.username as string));
      assert.deepEqual(pending, [...pending].sort());
      let paged = 0;
      let cursor: string | null = null;
      do {
        const page = await w.service.pendingPage(campaignId, { pageSize: 300, cursor });
        paged += page.members.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      assert.equal(paged, COUNT - 160);
    });

    it('sends each reminder once per threshold, only to those still pending', async () => {
      const campaign = await w.service.get(campaignId);
      assert.ok(campaign);
      const deadline = campaign.deadline.getTime();
      const sentBefore = w.messenger.sent.length;
      // 3 days before: the first reminder.
      w.clock.set(new Date(deadline - 3 * DAY + 60_000));
      const first = await w.runner().runOnce();
      assert.equal(first.reminders, COUNT - 160);
      const reminders = w.messenger.sent.slice(sentBefore).filter((m) => m.channel === 'email');
      assert.equal(reminders.length, COUNT - 160);
      assert.ok(reminders[0]?.channel === 'email' && /Påminnelse/.test(reminders[0].subject));
      // Run again in the same window: nothing more.
      w.clock.advance(3_600_000);
      assert.equal((await w.runner().runOnce()).reminders, 0);
      // Ten more change; 1 day before: the second reminder to the rest only.
      for (const a of accounts.slice(160, 170)) await w.directory.setPassword(a.id, NEW_PASSWORD);
      w.clock.set(new Date(deadline - DAY + 60_000));
      const second = await w.runner().runOnce();
      assert.equal(second.changed, 10);
      assert.equal(second.reminders, COUNT - 170);
      assert.equal((await w.runner().runOnce()).reminders, 0);
      const rows = await w.store.db
        .selectFrom('campaign_reminders_sent')
        .select(['days_before', (eb) => eb.fn.countAll<number>().as('n')])
        .where('campaign_id', '=', campaignId)
        .groupBy('days_before')
        .orderBy('days_before')
        .execute();
      assert.deepEqual(
        rows.map((r) => [Number(r.days_before), Number(r.n)]),
        [
          [1, COUNT - 170],
          [3, COUNT - 160],
        ],
      );
    });

    it('runs the deadline action once: blocks sign-in and locks the pending in the directory (each once, resumed after a crash), completes, and a later reset lifts both', async () => {
      const campaign = await w.service.get(campaignId);
      assert.ok(campaign);
      // Five change just before the deadline: the last full refresh must see them.
      for (const a of accounts.slice(170, 175)) await w.directory.setPassword(a.id, NEW_PASSWORD);
      w.clock.set(new Date(campaign.deadline.getTime() + 60_000));
      const deps = { store: w.store, messenger: w.messenger, clock: w.clock, logger: w.logger, config: w.config };
      const options = { batchSize: 100, batchPauseMs: 0, refreshBatchSize: 100 };
      // The pass dies right after the 300th lock landed, before it was recorded.
      const calls: string[] = [];
      await assert.rejects(
        new CampaignRunner({ ...deps, directory: lockWatching(w.directory, calls, { crashAfter: 300 }) }, options).runOnce(),
        Crash,
      );
      assert.equal(calls.length, 300);
      assert.equal((await w.service.get(campaignId))?.status, 'running', 'not completed while members are still to lock');
      assert.equal(
        await w.service.isSignInBlocked(accounts[999]?.id as string),
        true,
        'the sign-in block comes before the directory locks',
      );
      const result = await new CampaignRunner({ ...deps, directory: lockWatching(w.directory, calls) }, options).runOnce();
      assert.equal(result.deadlineActions, 1);
      assert.equal(result.directoryLocked, COUNT - 175 - 300 + 1, 'the member left `locking` is recorded, not locked again');
      assert.equal(calls.length, COUNT - 175, 'one lock() per pending member across both passes');
      assert.equal(new Set(calls).size, COUNT - 175, 'nobody locked twice');
      const pendingIds = accounts.slice(175).map((a) => a.id);
      assert.deepEqual(await lockedInDirectory(w, pendingIds), pendingIds, 'every pending member is locked in the directory');
      assert.deepEqual(
        await lockedInDirectory(
          w,
          accounts.slice(0, 175).map((a) => a.id),
        ),
        [],
        'nobody who changed is locked',
      );
      const p = await w.service.progress(campaignId);
      assert.equal(p.changed, 175);
      assert.equal(p.locked, COUNT - 175);
      assert.equal(p.pending, 0);
      assert.equal((await w.service.get(campaignId))?.status, 'completed');
      assert.equal(await w.service.isSignInBlocked(accounts[500]?.id as string), true);
      assert.equal(await w.service.isSignInBlocked(accounts[0]?.id as string), false);
      assert.equal((await w.runner().runOnce()).deadlineActions, 0, 'the action runs once');
      const hooked = withPasswordChangeHook(w.directory, (id) => w.service.noteChanged(id), w.logger);
      await hooked.setPassword(accounts[500]?.id as string, NEW_PASSWORD);
      assert.equal(await w.service.isSignInBlocked(accounts[500]?.id as string), false);
      assert.equal((await w.directory.readState(accounts[500]?.id as string)).isLocked, false, 'the reset unlocked the account');
      assert.equal((await w.directory.authenticate(accounts[500]?.username as string, NEW_PASSWORD)).outcome, 'ok');
      assert.equal((await w.directory.readState(accounts[501]?.id as string)).isLocked, true, 'the others stay locked');
      assert.equal((await w.service.progress(campaignId)).changed, 176);
      const events = await w.store.listAudit({ limit: 200 });
      const types = new Set(events.map((e) => e.type));
      for (const t of [
        'campaign.created',
        'campaign.started',
        'campaign.members_marked',
        'campaign.reminder_sent',
        'campaign.deadline_action',
        'campaign.completed',
      ]) {
        assert.ok(types.has(t), t);
      }
      const action = events.find((e) => e.type === 'campaign.deadline_action');
      assert.equal(action?.detail.locked, COUNT - 175);
      assert.equal(action?.detail.directoryLocked, COUNT - 175);
      assert.equal(action?.detail.directoryLockFailed, 0);
      assert.equal(action?.detail.fallback, undefined, 'a directory that can lock needs no fallback');
      const chart = await w.service.progressOverTime(campaignId);
      assert.ok(chart.length >= 2);
      assert.equal(chart.at(-1)?.changed, 175);
    });

    it('targets a department, and a cancelled campaign marks nobody', async () => {
      const department = await w.service.create(
        {
          title: 'Bara skolan',
          deadline: new Date(w.clock.now().getTime() + 10 * DAY),
          target: { kind: 'department', department: 'skolförvaltningen' },
          channels: ['work_email'],
          deadlineAction: 'none',
        },
        ADMIN,
      );
      assert.ok(department.ok);
      await w.service.start(department.campaign.id, ADMIN);
      await w.runner().runOnce();
      const p = await w.service.progress(department.campaign.id);
      assert.equal(p.total, COUNT / 4);
      w.clock.advance(1_000);
      const cancelled = await w.service.create(
        {
          title: 'Ångrad',
          deadline: new Date(w.clock.now().getTime() + 10 * DAY),
          target: { kind: 'everyone' },
          channels: ['sms'],
          deadlineAction: 'lock',
        },
        ADMIN,
      );
      assert.ok(cancelled.ok);
      assert.equal(await w.service.cancel(cancelled.campaign.id, ADMIN), true);
      assert.equal(await w.service.start(cancelled.campaign.id, ADMIN), false);
      await w.runner().runOnce();
      assert.equal((await w.service.progress(cancelled.campaign.id)).total, 0);
      assert.deepEqual(
        (await w.service.list()).map((c) => c.title),
        ['Ångrad', 'Bara skolan', 'Läckta lösenord mars'],
      );
    });
  });
}

describe('the deadline action `lock`: a directory that cannot lock, a member it refuses, a directory gone mid-way', () => {
  let w: CampaignWorld;
  let accounts: DirectoryAccount[];

  before(async () => {
    w = await openCampaignWorld('sqlite');
    accounts = await seedAccounts(w.directory, 20, 'ejlas');
  });
  after(async () => {
    await w?.cleanup();
  });

  it('is refused at creation with lock_unsupported, and a campaign that has it falls back to the sign-in block', async () => {
    const calls: string[] = [];
    const cannotLock = lockWatching(w.directory, calls, { canLock: false });
    const service = new StoreCampaignService({ store: w.store, directory: cannotLock, clock: w.clock, logger: w.logger });
    const input = {
      title: 'Låsning utan stöd',
      deadline: new Date(w.clock.now().getTime() + 7 * DAY),
      target: { kind: 'everyone' } as const,
      channels: ['work_email' as const],
      deadlineAction: 'lock' as const,
    };
    const refused = await service.create(input, ADMIN);
    assert.deepEqual(!refused.ok && refused.errors, [{ field: 'deadlineAction', code: 'lock_unsupported' }]);
    const blocking = await service.create({ ...input, deadlineAction: 'block_sign_in' }, ADMIN);
    assert.ok(blocking.ok);
    assert.equal(await service.cancel(blocking.campaign.id, ADMIN), true);

    // Created while the directory could lock; the directory changed before the deadline.
    const created = await w.service.create(input, ADMIN);
    assert.ok(created.ok);
    assert.equal(await w.service.start(created.campaign.id, ADMIN), true);
    const runner = () => new CampaignRunner({ ...w, directory: cannotLock }, { batchPauseMs: 0 });
    await runner().runOnce();
    w.clock.set(new Date(created.campaign.deadline.getTime() + 60_000));
    const result = await runner().runOnce();
    assert.equal(result.deadlineActions, 1);
    assert.equal(result.directoryLocked, 0);
    assert.deepEqual(calls, [], 'lock() is never called on a directory that cannot lock');
    assert.deepEqual(
      await lockedInDirectory(
        w,
        accounts.map((a) => a.id),
      ),
      [],
    );
    assert.equal(await w.service.isSignInBlocked(accounts[0]?.id as string), true);
    const actions = await w.store.listAudit({ type: 'campaign.deadline_action', limit: 10 });
    const lockAction = actions.find((e) => e.detail.campaignId === created.campaign.id);
    assert.equal(lockAction?.detail.fallback, 'block_sign_in');
    assert.equal(lockAction?.detail.locked, accounts.length);
  });

  it('a member the directory refuses is recorded as failed and stays blocked; an unreachable directory stops the pass, the next resumes', async () => {
    const members = await seedAccounts(w.directory, 5, 'lasfel');
    const created = await w.service.create(
      {
        title: 'Låsning med fel',
        deadline: new Date(w.clock.now().getTime() + 7 * DAY),
        target: { kind: 'list', text: members.map((m) => m.username).join('\n') },
        channels: ['work_email'],
        deadlineAction: 'lock',
      },
      ADMIN,
    );
    assert.ok(created.ok);
    await w.service.start(created.campaign.id, ADMIN);
    await w.runner().runOnce();
    const [gone, ...rest] = members as [DirectoryAccount, ...DirectoryAccount[]];
    await w.directory.deleteAccount(gone.id);
    w.clock.set(new Date(created.campaign.deadline.getTime() + 60_000));
    // The second lock() finds the directory down before it lands.
    let lockCalls = 0;
    const flaky = new Proxy(w.directory as Directory, {
      get(target, property, receiver) {
        if (property === 'lock') {
          return async (id: string) => {
            lockCalls++;
            if (lockCalls === 2) throw new NyckelError('directory_unavailable', 'connect ECONNREFUSED');
            await target.lock(id);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await assert.rejects(new CampaignRunner({ ...w, directory: flaky }, { batchPauseMs: 0 }).runOnce(), (error: unknown) =>
      isNyckelError(error, 'directory_unavailable'),
    );
    assert.equal((await w.service.get(created.campaign.id))?.status, 'running');
    const result = await w.runner().runOnce();
    assert.equal(result.directoryLocked, 3, 'the member left `locking` and the two not reached yet');
    assert.equal((await w.service.get(created.campaign.id))?.status, 'completed');
    const restIds = rest.map((m) => m.id);
    assert.deepEqual(await lockedInDirectory(w, restIds), restIds);
    const actions = await w.store.listAudit({ type: 'campaign.deadline_action', limit: 10 });
    const action = actions.find((e) => e.detail.campaignId === created.campaign.id);
    assert.equal(action?.detail.directoryLocked, 4);
    assert.equal(action?.detail.directoryLockFailed, 1);
    assert.equal(await w.service.isSignInBlocked(gone.id), true, 'the sign-in block stays where the lock failed');
  });
});
