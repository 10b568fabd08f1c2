// SecurityInfoService sending codes within limits: the resend cooldown, the SMS rate limits
// (per number, account, IP or sender key, and the hourly budget), and nothing left behind when
// a message can't be sent. Set-up in security-info-service.test-support.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DirectoryAccount } from '../directory/directory.ts';
import { ctx, securityInfoSuite } from './security-info-service.test-support.ts';
import * as records from './security-info-store.ts';

securityInfoSuite((f) => {
  it('holds the resend cooldown', async () => {
    const account = await f.newAccount();
    const service = f.service();
    assert.equal((await service.startPhoneEnrollment(account.id, '0701112233', ctx)).ok, true);
    f.clock.advance(20_000);
    assert.deepEqual(await service.startPhoneEnrollment(account.id, '070 111 22 33', ctx), {
      ok: false,
      reason: 'cooldown',
      retryAfterMs: 40_000,
    });
    f.clock.advance(40_000);
    assert.equal((await service.startPhoneEnrollment(account.id, '0701112233', ctx)).ok, true);
  });

  it('counts SMS per sender key instead of per address when one is given (helpdesk agents behind one NAT)', async () => {
    f.clock.set('2026-03-04T10:00:00Z');
    const service = f.service({ securityInfo: { resendCooldownSeconds: 0 }, rateLimits: { smsPerIp: { limit: 1 } } });
    const send = async (number: string, senderKey?: string) => {
      const account = await f.newAccount();
      const result = await service.startPhoneEnrollment(account.id, number, {
        ...ctx,
        ip: '10.9.0.1',
        ...(senderKey === undefined ? {} : { senderKey }),
      });
      return result.ok ? 'sent' : result.reason;
    };
    assert.equal(await send('0703000001'), 'sent');
    assert.equal(await send('0703000002'), 'rate_limited');
    // Two agents on the same office address each have their own allowance, and each is still limited.
    assert.equal(await send('0703000003', 'helpdesk:agent-1'), 'sent');
    assert.equal(await send('0703000004', 'helpdesk:agent-2'), 'sent');
    assert.equal(await send('0703000005', 'helpdesk:agent-1'), 'rate_limited');
  });

  it('rate-limits SMS per number, per account, per IP and by the global hourly budget', async () => {
    f.clock.set('2026-03-03T10:00:00Z');
    const service = f.service({
      securityInfo: { resendCooldownSeconds: 0 },
      rateLimits: {
        smsPerNumber: { limit: 2 },
        smsPerAccount: { limit: 2 },
        smsPerIp: { limit: 3 },
        smsGlobalPerHour: 7,
        codeSendPerAccount: { limit: 50 },
      },
    });
    const accounts = new Map<string, DirectoryAccount>();
    const send = async (who: string, number: string, ip: string): Promise<string> => {
      let account = accounts.get(who);
      if (account === undefined) {
        account = await f.newAccount();
        accounts.set(who, account);
      }
      const result = await service.startPhoneEnrollment(account.id, number, { ...ctx, ip });
      return result.ok ? 'sent' : result.reason;
    };
    const limitOf = async (who: string) => {
      const events = await f.store.listAudit({ subject: accounts.get(who)?.id as string, type: 'security_info.code_sent', limit: 1 });
      return events[0]?.detail.limit;
    };
    // Per number: different accounts and addresses sending to one number share its limit.
    assert.equal(await send('a', '0702000001', '10.0.0.1'), 'sent');
    assert.equal(await send('b', '0702000001', '10.0.0.2'), 'sent');
    assert.equal(await send('c', '0702000001', '10.0.0.3'), 'rate_limited');
    assert.equal(await limitOf('c'), 'smsPerNumber');
    // Per account.
    assert.equal(await send('a', '0702000002', '10.0.0.4'), 'sent');
    assert.equal(await send('a', '0702000003', '10.0.0.5'), 'rate_limited');
    assert.equal(await limitOf('a'), 'smsPerAccount');
    // Per IP.
    assert.equal(await send('d', '0702000004', '10.0.0.6'), 'sent');
    assert.equal(await send('e', '0702000005', '10.0.0.6'), 'sent');
    assert.equal(await send('f', '0702000006', '10.0.0.6'), 'sent');
    assert.equal(await send('g', '0702000007', '10.0.0.6'), 'rate_limited');
    assert.equal(await limitOf('g'), 'smsPerIp');
    // Global budget: 6 sent so far this hour, 7 allowed.
    assert.equal(await send('h', '0702000008', '10.0.0.7'), 'sent');
    assert.equal(await send('i', '0702000009', '10.0.0.8'), 'rate_limited');
    assert.equal(await limitOf('i'), 'smsGlobalPerHour');
    // E-mail codes don't spend the SMS budget.
    const mail = await f.newAccount();
    assert.equal((await service.startEmailEnrollment(mail.id, 'budget@mail.example', ctx)).ok, true);
    // The next hour has a new budget.
    f.clock.set('2026-03-03T11:00:00Z');
    assert.equal(await send('j', '0702000010', '10.0.0.9'), 'sent');
    // The per-account limit across channels (codeSendPerAccount) holds for e-mail too.
    const strict = f.service({ securityInfo: { resendCooldownSeconds: 0 }, rateLimits: { codeSendPerAccount: { limit: 1 } } });
    const k = await f.newAccount();
    assert.equal((await strict.startEmailEnrollment(k.id, 'k1@mail.example', ctx)).ok, true);
    const second = await strict.startEmailEnrollment(k.id, 'k2@mail.example', ctx);
    assert.equal(second.ok === false && second.reason === 'rate_limited' && second.retryAfterMs > 0, true);
  });

  it('leaves nothing behind when the message cannot be sent', async () => {
    const account = await f.newAccount();
    const service = f.service();
    f.messenger.failing = true;
    try {
      assert.deepEqual(await service.startPhoneEnrollment(account.id, '0704445566', ctx), { ok: false, reason: 'not_sent' });
    } finally {
      f.messenger.failing = false;
    }
    assert.equal(await records.lastChallengeSentAt(f.store.db, account.id, '+46704445566'), null, 'no challenge left behind');
    assert.equal(await service.hasMethods(account.id), false);
    assert.equal((await service.startPhoneEnrollment(account.id, '0704445566', ctx)).ok, true, 'no cooldown from a message never sent');
  });
});
