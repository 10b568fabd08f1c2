// SecurityInfoService end to end over a real store (SQLite file and real PostgreSQL), the
// embedded directory, the outbox messenger and a real secret box; time from a ManualClock;
// authenticator codes from Debian's oathtool.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { oathtool } from '../../test/support/oathtool.ts';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { type Config, configSchema } from '../config/schema.ts';
import type { DirectoryAccount } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { ManualClock } from '../domain/clock.ts';
import { isNyckelError, NyckelError } from '../domain/errors.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { type OutboxEntry, OutboxMessenger } from '../messaging/outbox.ts';
import { createLogger } from '../observability/logger.ts';
import { SecretBox } from '../security/secret-box.ts';
import { migrateToLatest, openDatabase, type StoreTarget } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import * as passkeyRecords from './passkey-store.ts';
import { SecurityInfoService } from './security-info-service.ts';
import * as records from './security-info-store.ts';

/** The outbox, plus a switch that makes the gateway fail as a real one would. */
class SwitchableMessenger implements Messenger {
  failing = false;
  readonly outbox: OutboxMessenger;
  constructor(outbox: OutboxMessenger) {
    this.outbox = outbox;
  }
  async send(message: OutgoingMessage): Promise<void> {
    if (this.failing)
      throw new NyckelError('message_not_sent', 'gateway down', {
        detail: { channel: message.channel, provider: 'test', reason: 'server_error', attempts: 3 },
      });
    await this.outbox.send(message);
  }
  async to(target: string): Promise<OutboxEntry[]> {
    return (await this.outbox.read(1000)).filter((m) => m.to === target);
  }
  async lastCodeTo(target: string): Promise<string> {
    const [latest] = await this.to(target);
    const text = latest === undefined ? '' : latest.channel === 'sms' ? latest.text : latest.text;
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    assert.ok(code, `no code was sent to ${target}`);
    return code;
  }
}

interface Fixture {
  clock: ManualClock;
  messenger: SwitchableMessenger;
  store: KyselyStore;
  directory: EmbeddedDirectory;
  box: SecretBox;
  service(overrides?: Record<string, unknown>): SecurityInfoService;
  newAccount(email?: string): Promise<DirectoryAccount>;
  cleanup(): Promise<void>;
}

let accountCounter = 0;

async function makeFixture(target: StoreTarget, dir: string, cleanupDb: () => Promise<void>): Promise<Fixture> {
  const open = openDatabase(target);
  await migrateToLatest(open);
  const store = new KyselyStore(open.db, open.dialect);
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const base = configSchema.parse({});
  const directory = new EmbeddedDirectory(open.db, base.directory.embedded, base.passwordPolicy, clock);
  const messenger = new SwitchableMessenger(new OutboxMessenger(join(dir, 'outbox.jsonl'), clock));
  const box = SecretBox.open({ kind: 'file', path: join(dir, 'secret-keys.json') });
  const logger = createLogger('silent');
  return {
    clock,
    messenger,
    store,
    directory,
    box,
    service(overrides = {}) {
      const config: Config = configSchema.parse({ organisation: { name: 'Eslövs kommun' }, ...overrides });
      return new SecurityInfoService({ db: open.db, dialect: open.dialect, store, directory, messenger, box, clock, logger, config });
    },
    async newAccount(email) {
      accountCounter++;
      return directory.createAccount({
        username: `user${accountCounter}`,
        displayName: `User ${accountCounter}`,
        email: email ?? `user${accountCounter}@kommun.example`,
      });
    },
    async cleanup() {
      await store.close();
      await cleanupDb();
    },
  };
}

const ctx = { ip: '198.51.100.7', language: 'sv' as const };

function securityInfoSuite(name: string, open: () => Promise<Fixture>): void {
  describe(`SecurityInfoService on ${name}`, () => {
    let f: Fixture;
    before(async () => {
      f = await open();
    });
    after(async () => {
      await f.cleanup();
    });

    it('enrols an authenticator app with an oathtool code, across a restart, and refuses replays', async () => {
      const account = await f.newAccount();
      const started = await f.service().startTotpEnrollment(account.id, account.username);
      assert.match(started.secretGrouped, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
      assert.match(started.otpauthUri, /^otpauth:\/\/totp\/Esl%C3%B6vs%20kommun:user\d+\?/);
      assert.match(started.qrSvg, /^<svg role="img" aria-label="QR-kod för autentiseringsappen"/);
      assert.match(started.qrSvg, /<title>QR-kod för autentiseringsappen<\/title>/);

      // A new service instance (a restart, or another instance) finishes the enrolment.
      const service = f.service();
      assert.deepEqual(await service.completeTotpEnrollment(account.id, started.enrollmentId, '000000'), { ok: false, reason: 'wrong' });
      const code = oathtool(started.secretGrouped, f.clock.now());
      const done = await service.completeTotpEnrollment(account.id, started.enrollmentId, code);
      assert.equal(done.ok, true);
      assert.equal(done.method?.kind, 'totp');
      assert.equal(done.method?.isDefault, true, 'the first method becomes the default');
      assert.equal(done.method?.maskedTarget, null);
      assert.deepEqual(await service.completeTotpEnrollment(account.id, started.enrollmentId, code), { ok: false, reason: 'not_found' });

      // The code that confirmed the enrolment can't sign in; the next step's code can, once.
      assert.deepEqual(await service.verifyTotp(account.id, code), { ok: false, reason: 'replayed' });
      f.clock.advance(30_000);
      const next = oathtool(started.secretGrouped, f.clock.now());
      assert.deepEqual(await service.verifyTotp(account.id, next), { ok: true, methodId: done.method?.id });
      assert.deepEqual(await service.verifyTotp(account.id, next), { ok: false, reason: 'replayed' });

      // Drift: a code one step old is accepted (if not used), two steps old is not.
      f.clock.advance(60_000);
      const current = oathtool(started.secretGrouped, f.clock.now());
      f.clock.advance(30_000);
      assert.equal((await service.verifyTotp(account.id, current)).ok, true, 'one step late');
      const late = oathtool(started.secretGrouped, f.clock.now());
      f.clock.advance(60_000);
      assert.deepEqual(await service.verifyTotp(account.id, late), { ok: false, reason: 'wrong' }, 'two steps late');

      // The seed is stored encrypted, bound to the account and method.
      const [stored] = await records.listMethodRecords(f.store.db, account.id);
      assert.match(stored?.secret ?? '', /^v1\./);
      assert.ok(!(stored?.secret ?? '').includes(started.secretGrouped.replaceAll(' ', '')));
    });

    it('expires a pending enrolment after 15 minutes and keeps enrolments per account', async () => {
      const account = await f.newAccount();
      const other = await f.newAccount();
      const service = f.service();
      const started = await service.startTotpEnrollment(account.id, account.username);
      const code = oathtool(started.secretGrouped, f.clock.now());
      assert.deepEqual(await service.completeTotpEnrollment(other.id, started.enrollmentId, code), { ok: false, reason: 'not_found' });
      f.clock.advance(15 * 60_000);
      assert.deepEqual(
        await service.completeTotpEnrollment(account.id, started.enrollmentId, oathtool(started.secretGrouped, f.clock.now())),
        {
          ok: false,
          reason: 'expired',
        },
      );
      assert.equal(await service.hasMethods(account.id), false);
    });

    it('stops authenticator guessing after codeMaxAttempts checks', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const started = await service.startTotpEnrollment(account.id, account.username);
      assert.equal(
        (await service.completeTotpEnrollment(account.id, started.enrollmentId, oathtool(started.secretGrouped, f.clock.now()))).ok,
        true,
      );
      f.clock.advance(30_000);
      for (let i = 0; i < 5; i++) assert.equal((await service.verifyTotp(account.id, '000000')).ok, false);
      const right = oathtool(started.secretGrouped, f.clock.now());
      assert.deepEqual(await service.verifyTotp(account.id, right), { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 });
      f.clock.advance(10 * 60_000);
      f.clock.advance(30_000);
      assert.equal(
        (await service.verifyTotp(account.id, oathtool(started.secretGrouped, f.clock.now()))).ok,
        true,
        'allowed again after the window',
      );
    });

    it('enrols a phone: parses the number, sends a code without the username, counts attempts', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const sent = await service.startPhoneEnrollment(account.id, '070-123 45 67', ctx);
      assert.equal(sent.ok, true);
      assert.ok(sent.ok);
      const [sms] = await f.messenger.to('+46701234567');
      assert.equal(sms?.channel, 'sms');
      assert.ok(sms?.channel === 'sms' && !sms.text.includes(account.username), 'no username next to a code');
      const code = await f.messenger.lastCodeTo('+46701234567');
      const wrong = code === '111111' ? '222222' : '111111';
      assert.deepEqual(await service.completeCodeEnrollment(account.id, sent.challengeId, wrong), {
        ok: false,
        reason: 'wrong',
        attemptsLeft: 4,
      });
      const done = await service.completeCodeEnrollment(account.id, sent.challengeId, code);
      assert.equal(done.ok, true);
      assert.equal(done.method?.kind, 'sms');
      assert.equal(done.method?.maskedTarget, '+46 70 *** ** 67');
      assert.deepEqual(await service.completeCodeEnrollment(account.id, sent.challengeId, code), { ok: false, reason: 'replayed' });
      assert.deepEqual(await service.completeCodeEnrollment(account.id, 'no-such-id', code), { ok: false, reason: 'not_found' });
    });

    it('refuses landlines, foreign and invalid numbers with the reason', async () => {
      const account = await f.newAccount();
      const service = f.service();
      assert.deepEqual(await service.startPhoneEnrollment(account.id, '046-35 50 00', ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'not_mobile',
      });
      assert.deepEqual(await service.startPhoneEnrollment(account.id, '+47 412 34 567', ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'country_not_allowed',
      });
      assert.deepEqual(await service.startPhoneEnrollment(account.id, 'call me', ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'invalid',
      });
    });

    it('refuses an expired code and a code after too many attempts', async () => {
      const account = await f.newAccount();
      const service = f.service({ securityInfo: { resendCooldownSeconds: 0 } });
      const first = await service.startPhoneEnrollment(account.id, '0701234500', ctx);
      assert.ok(first.ok);
      const code = await f.messenger.lastCodeTo('+46701234500');
      f.clock.advance(10 * 60_000);
      assert.deepEqual(await service.completeCodeEnrollment(account.id, first.challengeId, code), { ok: false, reason: 'expired' });

      const second = await service.startPhoneEnrollment(account.id, '0701234500', ctx);
      assert.ok(second.ok);
      const code2 = await f.messenger.lastCodeTo('+46701234500');
      const wrong = code2 === '000000' ? '999999' : '000000';
      for (let left = 4; left >= 1; left--) {
        assert.deepEqual(await service.completeCodeEnrollment(account.id, second.challengeId, wrong), {
          ok: false,
          reason: 'wrong',
          attemptsLeft: left,
        });
      }
      assert.deepEqual(await service.completeCodeEnrollment(account.id, second.challengeId, wrong), {
        ok: false,
        reason: 'too_many_attempts',
        attemptsLeft: 0,
      });
      assert.deepEqual(await service.completeCodeEnrollment(account.id, second.challengeId, code2), {
        ok: false,
        reason: 'too_many_attempts',
        attemptsLeft: 0,
      });
      assert.equal(await service.hasMethods(account.id), false);
    });

    it('lets exactly one of two simultaneous verifications of one code through', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const sent = await service.startEmailEnrollment(account.id, 'private.one@mail.example', ctx);
      assert.ok(sent.ok);
      const method = await service.completeCodeEnrollment(
        account.id,
        sent.challengeId,
        await f.messenger.lastCodeTo('private.one@mail.example'),
      );
      assert.ok(method.ok && method.method);
      f.clock.advance(61_000);
      const challenge = await service.sendCode(account.id, method.method.id, 'sign_in', ctx);
      assert.ok(challenge.ok);
      const code = await f.messenger.lastCodeTo('private.one@mail.example');
      const results = await Promise.all([
        service.verifySentCode(account.id, challenge.challengeId, code),
        service.verifySentCode(account.id, challenge.challengeId, code),
        service.verifySentCode(account.id, challenge.challengeId, code),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'replayed'));
      // A sign-in challenge can't complete an enrolment, and an enrolment challenge can't sign in.
      assert.deepEqual(await service.completeCodeEnrollment(account.id, challenge.challengeId, code), { ok: false, reason: 'replayed' });
    });

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

    it("refuses the account's work address as private e-mail and notifies the other channels on changes", async () => {
      const account = await f.newAccount('Anna.Work@kommun.example');
      const service = f.service();
      assert.deepEqual(await service.startEmailEnrollment(account.id, ' anna.work@KOMMUN.example ', ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'work_address',
      });
      assert.deepEqual(await service.startEmailEnrollment(account.id, 'not an address', ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'invalid',
      });
      assert.deepEqual(await service.startEmailEnrollment(account.id, `${'a'.repeat(250)}@x.se`, ctx), {
        ok: false,
        reason: 'invalid_target',
        detail: 'too_long',
      });

      const phone = await service.startPhoneEnrollment(account.id, '0705556677', ctx);
      assert.ok(phone.ok);
      const phoneMethod = await service.completeCodeEnrollment(account.id, phone.challengeId, await f.messenger.lastCodeTo('+46705556677'));
      assert.ok(phoneMethod.ok && phoneMethod.method);
      const sentToPhone = (await f.messenger.to('+46705556677')).length;

      const mail = await service.startEmailEnrollment(account.id, 'Anna.Private@mail.example', ctx);
      assert.ok(mail.ok);
      const mailMethod = await service.completeCodeEnrollment(
        account.id,
        mail.challengeId,
        await f.messenger.lastCodeTo('anna.private@mail.example'),
      );
      assert.ok(mailMethod.ok && mailMethod.method);
      assert.equal(mailMethod.method.maskedTarget, 'a***@mail.example');
      assert.equal(mailMethod.method.isDefault, false, 'the phone stays the default');

      const toPhone = await f.messenger.to('+46705556677');
      assert.equal(toPhone.length, sentToPhone + 1, 'the phone heard about the new address');
      assert.match(toPhone[0]?.channel === 'sms' ? toPhone[0].text : '', /En ny inloggningsmetod \(e-postadress\) har lagts till/);
      const toMail = await f.messenger.to('anna.private@mail.example');
      assert.equal(toMail.length, 1, 'the new address got only its code, no notice about itself');

      // Removing the phone tells the phone and the address.
      assert.equal(await service.removeMethod(account.id, phoneMethod.method.id), true);
      assert.match(
        (await f.messenger.to('+46705556677'))[0]?.channel === 'sms'
          ? ((await f.messenger.to('+46705556677'))[0] as { text: string }).text
          : '',
        /har tagits bort/,
      );
      assert.equal((await f.messenger.to('anna.private@mail.example')).length, 2);
      const methods = await service.listMethods(account.id);
      assert.deepEqual(
        methods.map((m) => [m.kind, m.isDefault]),
        [['email', true]],
        'the default passed to the remaining method',
      );
    });

    it('refuses to remove the last method while policy requires one, and keeps exactly one default', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const first = await service.startTotpEnrollment(account.id, account.username);
      const totp = await service.completeTotpEnrollment(account.id, first.enrollmentId, oathtool(first.secretGrouped, f.clock.now()));
      assert.ok(totp.ok && totp.method);
      assert.equal(await service.removeMethod(account.id, totp.method.id), false, 'the last method stays');
      const codes = await service.generateRecoveryCodes(account.id);
      assert.equal(codes.length, 10);
      assert.equal(await service.removeMethod(account.id, totp.method.id), false, 'recovery codes alone do not satisfy the policy');

      const second = await service.startTotpEnrollment(account.id, account.username);
      const totp2 = await service.completeTotpEnrollment(account.id, second.enrollmentId, oathtool(second.secretGrouped, f.clock.now()));
      assert.ok(totp2.ok && totp2.method);
      await service.setDefault(account.id, totp2.method.id);
      let methods = await service.listMethods(account.id);
      assert.deepEqual(
        methods.filter((m) => m.isDefault).map((m) => m.id),
        [totp2.method.id],
      );
      const recovery = methods.find((m) => m.kind === 'recovery_codes');
      assert.equal(recovery?.remaining, 10);
      await assert.rejects(service.setDefault(account.id, recovery?.id ?? ''), (e: unknown) => isNyckelError(e, 'not_found'));
      await assert.rejects(service.setDefault(account.id, 'nope'), (e: unknown) => isNyckelError(e, 'not_found'));
      assert.equal(await service.removeMethod(account.id, totp2.method.id), true);
      methods = await service.listMethods(account.id);
      assert.deepEqual(
        methods.filter((m) => m.isDefault).map((m) => m.id),
        [totp.method.id],
      );
      assert.equal(await service.removeMethod(account.id, 'nope'), false);

      // With a policy that requires nothing, the last method can go.
      const relaxed = f.service({ securityInfo: { registrationRequired: false, secondStep: 'when_registered' } });
      assert.equal(await relaxed.removeMethod(account.id, totp.method.id), true);
      assert.equal(
        await f
          .service({ securityInfo: { registrationRequired: false, secondStep: 'always' } })
          .removeMethod(account.id, recovery?.id ?? ''),
        true,
      );
      assert.equal(await relaxed.hasMethods(account.id), false);
    });

    it('issues 10 recovery codes, each usable once, replaced by regeneration', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const codes = await service.generateRecoveryCodes(account.id);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) assert.match(code, /^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
      const first = codes[0] as string;
      assert.deepEqual(await service.verifyRecoveryCode(account.id, first.toLowerCase().replace('-', ' ')), { ok: true });
      assert.deepEqual(await service.verifyRecoveryCode(account.id, first), { ok: false, reason: 'replayed' });
      assert.deepEqual(await service.verifyRecoveryCode(account.id, 'AAAAA-AAAAA'), { ok: false, reason: 'wrong' });
      assert.equal((await service.listMethods(account.id)).find((m) => m.kind === 'recovery_codes')?.remaining, 9);
      const fresh = await service.generateRecoveryCodes(account.id);
      assert.deepEqual(
        await service.verifyRecoveryCode(account.id, codes[1] as string),
        { ok: false, reason: 'wrong' },
        'old codes are gone',
      );
      assert.deepEqual(await service.verifyRecoveryCode(account.id, fresh[1] as string), { ok: true });
      assert.equal((await service.listMethods(account.id)).filter((m) => m.kind === 'recovery_codes').length, 1);
      const stored = await records.listRecoveryCodes(f.store.db, account.id);
      assert.ok(stored.every((s) => /^[0-9a-f]{64}$/.test(s.codeHash) && !fresh.some((c) => s.codeHash.includes(c.replace('-', '')))));
    });

    it('issues temporary passes: single use, reusable, expiring', async () => {
      const account = await f.newAccount();
      const service = f.service();
      assert.deepEqual(await service.redeemPass(account.id, 'ABCD-EFGH-JKMN-PQRS'), { ok: false, reason: 'not_found' });
      const single = await service.issuePass(account.id, { singleUse: true, validMinutes: 60, issuedBy: 'helpdesk:eva' });
      assert.match(single, /^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
      assert.deepEqual(await service.redeemPass(account.id, 'ABCD-EFGH-JKMN-PQRS'), { ok: false, reason: 'wrong' });
      assert.deepEqual(await service.redeemPass(account.id, single.toLowerCase()), { ok: true });
      assert.deepEqual(await service.redeemPass(account.id, single), { ok: false, reason: 'replayed' });

      const reusable = await service.issuePass(account.id, { singleUse: false, validMinutes: 30, issuedBy: 'cli' });
      assert.deepEqual(await service.redeemPass(account.id, reusable), { ok: true });
      assert.deepEqual(await service.redeemPass(account.id, reusable), { ok: true });
      f.clock.advance(30 * 60_000);
      assert.deepEqual(await service.redeemPass(account.id, reusable), { ok: false, reason: 'expired' });
      await assert.rejects(service.issuePass(account.id, { singleUse: true, validMinutes: 0, issuedBy: 'cli' }), (e: unknown) =>
        isNyckelError(e, 'invalid_input'),
      );

      const events = await f.store.listAudit({ subject: account.id, limit: 100 });
      assert.ok(events.some((e) => e.type === 'security_info.pass_issued' && e.actor === 'helpdesk:eva'));
      assert.ok(events.some((e) => e.type === 'security_info.pass_redeemed' && e.outcome === 'success'));
      const dump = JSON.stringify(events);
      assert.ok(!dump.includes(single) && !dump.includes(reusable), 'no pass in the audit log');
    });

    it('never writes a code, seed or recovery code into the audit log', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const started = await service.startTotpEnrollment(account.id, account.username);
      const totpCode = oathtool(started.secretGrouped, f.clock.now());
      await service.completeTotpEnrollment(account.id, started.enrollmentId, totpCode);
      const sent = await service.startPhoneEnrollment(account.id, '0706667788', ctx);
      assert.ok(sent.ok);
      const smsCode = await f.messenger.lastCodeTo('+46706667788');
      await service.completeCodeEnrollment(account.id, sent.challengeId, smsCode);
      const recovery = await service.generateRecoveryCodes(account.id);
      const dump = JSON.stringify(await f.store.listAudit({ subject: account.id, limit: 100 }));
      for (const secret of [totpCode, smsCode, started.secretGrouped.replaceAll(' ', ''), ...recovery])
        assert.ok(!dump.includes(secret), `audit holds ${secret}`);
      assert.ok(
        dump.includes('security_info.totp_enrolled') &&
          dump.includes('security_info.code_enrolled') &&
          dump.includes('security_info.recovery_codes_generated'),
      );
      assert.ok(!dump.includes('+46706667788'), 'no full phone number');
    });

    it('stores passkeys for the passkey ceremonies', async () => {
      const account = await f.newAccount();
      const db = f.store.db;
      const dialect = f.store.dialect;
      const saved = await passkeyRecords.savePasskey(db, dialect, {
        id: `pk-1-${account.id}`,
        accountId: account.id,
        label: 'Laptop',
        credentialId: `cred-${account.id}`,
        publicKey: 'pQECAyYgASFYIA',
        counter: 0,
        transports: ['internal', 'hybrid'],
        data: { deviceType: 'multiDevice', backedUp: true },
        createdAt: f.clock.now(),
      });
      assert.equal(saved.isDefault, true);
      assert.deepEqual(saved.transports, ['internal', 'hybrid']);
      assert.deepEqual(saved.data, { deviceType: 'multiDevice', backedUp: true });
      assert.equal((await passkeyRecords.listPasskeys(db, account.id)).length, 1);
      assert.equal((await passkeyRecords.findPasskeyByCredentialId(db, `cred-${account.id}`))?.accountId, account.id);
      assert.equal(await passkeyRecords.findPasskeyByCredentialId(db, 'unknown'), null);
      assert.equal(await passkeyRecords.updatePasskeyCounter(db, saved.id, 7, f.clock.now()), true);
      assert.equal((await passkeyRecords.listPasskeys(db, account.id))[0]?.counter, 7);
      await assert.rejects(
        passkeyRecords.savePasskey(db, dialect, { ...saved, id: `pk-2-${account.id}`, createdAt: f.clock.now() }),
        'one credential id is registered once',
      );
      const methods = await f.service().listMethods(account.id);
      assert.deepEqual(
        methods.map((m) => [m.kind, m.label, m.maskedTarget]),
        [['passkey', 'Laptop', null]],
      );
    });

    it('re-encrypts every seed with a new key; codes keep working', async () => {
      const account = await f.newAccount();
      const service = f.service();
      const started = await service.startTotpEnrollment(account.id, account.username);
      await service.completeTotpEnrollment(account.id, started.enrollmentId, oathtool(started.secretGrouped, f.clock.now()));
      const pending = await service.startTotpEnrollment(account.id, account.username);
      const newKid = f.box.addKey();
      f.box.makeCurrent(newKid);
      const counts = await records.reencryptTotpSecrets(f.store.db, (secret, binding) =>
        f.box.encrypt(f.box.decrypt(secret, binding), binding),
      );
      assert.ok(counts.methods >= 1 && counts.enrollments >= 1);
      const kids = new Set((await records.listStoredSecrets(f.store.db)).map((s) => f.box.keyIdOf(s)));
      assert.deepEqual([...kids], [newKid]);
      f.box.dropOldKeys();
      f.clock.advance(30_000);
      assert.equal((await service.verifyTotp(account.id, oathtool(started.secretGrouped, f.clock.now()))).ok, true);
      assert.equal(
        (await service.completeTotpEnrollment(account.id, pending.enrollmentId, oathtool(pending.secretGrouped, f.clock.now()))).ok,
        true,
      );
    });
  });
}

securityInfoSuite('SQLite', async () => {
  const dir = await makeTempDir('security-info-sqlite');
  return makeFixture({ driver: 'sqlite', path: join(dir.path, 'nyckel.db') }, dir.path, () => dir.cleanup());
});

securityInfoSuite('PostgreSQL', async () => {
  const dir = await makeTempDir('security-info-pg');
  const database = await usePostgres();
  return makeFixture({ driver: 'postgres', url: database.url, poolSize: 5 }, dir.path, async () => {
    await database.cleanup();
    await dir.cleanup();
  });
});
