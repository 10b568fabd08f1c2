// A campaign past its deadline with "block sign-in" refuses the old password at sign-in (403,
// a page pointing to the reset, an audit event); accounts outside the campaign, or that
// changed in time, sign in as before; and a new password set through Nyckel lifts the block.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCampaignsOnce } from '../jobs/campaign-job.ts';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from './test-harness.ts';

const DAY = 86_400_000;
const NEW_PASSWORD = 'Nytt-Fjällräv-Lösenord-2026';

describe('sign-in blocked after a campaign deadline', () => {
  let ctx: TestContext;
  let otherId: string;
  before(async () => {
    ctx = await createTestContext({ rateLimits: { signInPerIp: { limit: 1000 }, signInPerAccount: { limit: 1000 } } });
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory);
    const other = await directory.createAccount(
      { username: 'olle.outside', email: 'olle@example.se', displayName: 'Olle Utanför', department: 'Kultur' },
      TEST_PASSWORD,
    );
    otherId = other.id;
    const { campaigns, clock } = ctx.services;
    const created = await campaigns.create(
      {
        title: 'Läckta lösenord',
        deadline: new Date(clock.now().getTime() + 3 * DAY),
        target: { kind: 'department', department: 'IT' },
        message: '',
        channels: ['work_email'],
        reminderDaysBefore: [],
        deadlineAction: 'block_sign_in',
      },
      { accountId: 'admin', username: 'admin', ip: '127.0.0.1' },
    );
    assert.ok(created.ok, JSON.stringify(created));
    assert.equal(await campaigns.start(created.campaign.id, { accountId: 'admin', username: 'admin', ip: '127.0.0.1' }), true);
    await runCampaignsOnce(ctx.services, { engine: { batchPauseMs: 0 } });
    ctx.clock.advance(3 * DAY + 60_000);
    await runCampaignsOnce(ctx.services, { engine: { batchPauseMs: 0 } });
  });
  after(() => ctx.close());

  it('refuses the old password with the reset page and an audit event, before any session', async () => {
    assert.equal(await ctx.services.campaigns.isSignInBlocked(ctx.account.id), true);
    const browser = new TestBrowser(ctx.app);
    const res = await browser.signIn('anna.andersson', TEST_PASSWORD);
    assert.equal(res.status, 403);
    assert.match(res.body, /Du behöver välja ett nytt lösenord/);
    assert.match(res.body, /href="\/reset"/);
    assert.equal((await browser.get('/account')).status, 303, 'no session was started');
    const [event] = await ctx.services.store.listAudit({ subject: ctx.account.id, type: 'sign_in', limit: 1 });
    assert.equal(event?.outcome, 'refused');
    assert.equal(event?.detail.reason, 'campaign_deadline');
  });

  it('still says only "wrong username or password" for a wrong password (nothing about the campaign)', async () => {
    const res = await new TestBrowser(ctx.app).signIn('anna.andersson', 'not the password');
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.body, /Datumet har passerat/);
    assert.match(res.body, /Fel användarnamn eller lösenord/);
  });

  it('lets accounts outside the campaign sign in', async () => {
    assert.equal(await ctx.services.campaigns.isSignInBlocked(otherId), false);
    const res = await new TestBrowser(ctx.app).signIn('olle.outside', TEST_PASSWORD);
    assert.equal(res.status, 303);
    assert.notEqual(res.location, '/sign-in');
  });

  it('is lifted by a new password set through Nyckel (the reset)', async () => {
    await ctx.services.directory.setPassword(ctx.account.id, NEW_PASSWORD);
    assert.equal(await ctx.services.campaigns.isSignInBlocked(ctx.account.id), false);
    const res = await new TestBrowser(ctx.app).signIn('anna.andersson', NEW_PASSWORD);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account');
  });
});
