// The expiry reminders job on the embedded directory with a hand-moved clock: each threshold
// crossed sends one reminder (to the work and private addresses and the phone), never twice —
// not on a second run, not with two job instances at once; a missed threshold sends only the
// latest; accounts without expiry, with a new password, or disabled get nothing.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DirectoryAccount } from '../directory/directory.ts';
import type { OutboxEntry } from '../messaging/outbox.ts';
import { addMethod } from '../reports/report.test-support.ts';
import { createTestContext, TEST_PASSWORD, type TestContext } from '../web/test-harness.ts';
import { dueThreshold, type ExpiryReminderDeps, scheduleExpiryReminders, sendExpiryReminders } from './expiry-reminders.ts';
import { JobLock } from './job-lock.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('expiry reminders', () => {
  let ctx: TestContext;
  let deps: ExpiryReminderDeps;
  let start: number;
  let seen = 0;

  /** Messages sent since the last call, oldest first. */
  async function newMessages(): Promise<OutboxEntry[]> {
    const all = (await ctx.services.outbox.read(10_000)).reverse();
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  }

  async function runAt(daysAfterStart: number): Promise<OutboxEntry[]> {
    ctx.clock.advance(start + daysAfterStart * DAY - ctx.clock.now().getTime());
    await sendExpiryReminders(deps);
    return newMessages();
  }

  beforeEach(async () => {
    ctx = await createTestContext({
      directory: { embedded: { maxPasswordAgeDays: 30 } },
      expiryReminders: { enabled: true, daysBefore: [14, 7, 1], channels: ['email', 'sms'] },
      server: { publicUrl: 'https://nyckel.example.se' },
    });
    deps = { ...ctx.services };
    start = ctx.clock.now().getTime();
    seen = 0;
  });

  afterEach(() => ctx.close());

  it('sends each threshold once, to the work and private addresses and the phone, in Swedish', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    // A private address registered as a method.
    await addMethod(ctx.services.store, 'private-mail', ctx.account.id, 'email', {
      label: 'privat',
      target: 'anna@privat.example',
      created_at: start,
    });
    // No password: no expiry date. Disabled: can't sign in anyway.
    await directory.createAccount({
      username: 'bo.berg',
      email: 'bo.berg@example.se',
      displayName: 'Bo Berg',
      department: 'IT',
      mobile: '',
    });
    const dan = await directory.createAccount(
      { username: 'dan.dahl', email: 'dan.dahl@example.se', displayName: 'Dan Dahl', department: 'IT', mobile: '' },
      TEST_PASSWORD,
    );
    await directory.setDisabled(dan.id, true);

    assert.deepEqual(await runAt(10), [], '20 days left: nothing yet');
    const fourteen = await runAt(16 + 1 / 24); // 13 days 23 hours left
    assert.deepEqual(fourteen.map((m) => `${m.channel}:${m.to}`).sort(), [
      'email:anna.andersson@example.se',
      'email:anna@privat.example',
      'sms:+46701234567',
    ]);
    const mail = fourteen.find((m) => m.channel === 'email');
    assert.ok(mail?.channel === 'email');
    assert.equal(mail.subject, 'Ditt lösenord går ut om 14 dagar');
    assert.match(mail.text, /Lösenordet till ditt konto hos .+ går ut om 14 dagar \(1 april 2026\)\./);
    assert.match(mail.text, /https:\/\/nyckel\.example\.se\/account\/password/);
    assert.doesNotMatch(mail.text, /anna\.andersson/, 'no username in the message');

    assert.deepEqual(await runAt(16 + 2 / 24), [], 'the same threshold is not sent twice');
    assert.deepEqual(await runAt(20), [], '10 days left: still the 14-day threshold, already sent');
    const seven = await runAt(23 + 1 / 24);
    assert.equal(seven.length, 3);
    assert.match((seven.find((m) => m.channel === 'sms') as { text: string }).text, /går ut om 7 dagar/);
    const one = await runAt(29 + 1 / 24);
    assert.equal(one.length, 3);
    assert.match((one.find((m) => m.channel === 'sms') as { text: string }).text, /går ut i morgon/);
    assert.deepEqual(await runAt(29 + 12 / 24), []);
    assert.deepEqual(await runAt(31), [], 'expired: no more reminders');

    const events = await ctx.services.store.listAudit({ type: 'expiry_reminder.sent', limit: 10 });
    assert.deepEqual(events.map((e) => [e.subject, e.detail.daysBefore]).reverse(), [
      [ctx.account.id, 14],
      [ctx.account.id, 7],
      [ctx.account.id, 1],
    ]);
  });

  it('sends only the latest missed threshold, and nothing after the password is changed', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    await directory.createAccount(
      { username: 'cia.carlsson', email: 'cia.carlsson@example.se', displayName: 'Cia Carlsson', department: 'IT', mobile: '' },
      TEST_PASSWORD,
    );
    // Anna changes her password on day 20: her new one expires on day 50.
    ctx.clock.advance(20 * DAY);
    await directory.setPassword(ctx.account.id, 'Ett-Helt-Nytt-Lösenord-2026');
    // The job first runs on day 25: Cia has 5 days left and gets the 7-day reminder only (not the 14-day one).
    const first = await runAt(25);
    assert.deepEqual(
      first.map((m) => m.to),
      ['cia.carlsson@example.se'],
    );
    assert.match((first[0] as { subject: string }).subject, /om 5 dagar/);
    assert.deepEqual(await runAt(26), []);
    // Day 36: Anna's new password has 14 days left: a fresh cycle.
    const fresh = await runAt(36 + 1 / 24);
    assert.deepEqual(
      fresh.map((m) => m.to),
      ['anna.andersson@example.se', '+46701234567'],
    );
  });

  it('sends each reminder once with two job instances running at the same time', async () => {
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    const others: DirectoryAccount[] = [];
    for (let i = 0; i < 20; i++)
      others.push(
        await directory.createAccount(
          { username: `user${i}`, email: `user${i}@example.se`, displayName: `User ${i}`, department: 'IT', mobile: '' },
          TEST_PASSWORD,
        ),
      );
    ctx.clock.advance(16 * DAY + HOUR);
    // Two runs of the job itself at once (as if the lease had been lost mid-way): the claims keep it to one each.
    await Promise.all([sendExpiryReminders(deps), sendExpiryReminders(deps)]);
    const messages = await newMessages();
    assert.equal(messages.length, 21 + 1, 'one e-mail per account, plus Anna’s SMS');
    assert.equal(new Set(messages.map((m) => `${m.channel}:${m.to}`)).size, messages.length);
    // Two scheduled instances: only the lease holder walks the directory.
    ctx.clock.advance(7 * DAY);
    const a = scheduleExpiryReminders(deps, 3_600_000, new JobLock(ctx.services.store.db, 'expiry-reminders', ctx.clock, 'instance-a'));
    const b = scheduleExpiryReminders(deps, 3_600_000, new JobLock(ctx.services.store.db, 'expiry-reminders', ctx.clock, 'instance-b'));
    assert.ok(a !== null && b !== null);
    await Promise.all([a.running, b.running]);
    await Promise.all([a.stop(), b.stop()]);
    const second = await newMessages();
    assert.equal(second.length, 22);
    assert.equal(new Set(second.map((m) => `${m.channel}:${m.to}`)).size, 22);
    assert.ok(second.every((m) => (m.channel === 'sms' ? m.text : m.subject).includes('7')));
  });

  it('is off unless enabled, and picks the right threshold', async () => {
    const off = await createTestContext();
    try {
      assert.equal(scheduleExpiryReminders({ ...off.services }), null);
    } finally {
      await off.close();
    }
    assert.equal(dueThreshold([14, 7, 1], 20), null);
    assert.equal(dueThreshold([14, 7, 1], 14), 14);
    assert.equal(dueThreshold([14, 7, 1], 8), 14);
    assert.equal(dueThreshold([1, 14, 7], 7), 7);
    assert.equal(dueThreshold([14, 7, 1], 1), 1);
  });
});
