// SecurityInfoService and one-time codes by SMS and e-mail: enrolling a phone or a private
// address, checking codes (expiry, attempts, single use under races), and the notices sent to
// the other channels when methods change. Set-up in security-info-service.test-support.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ctx, securityInfoSuite } from './security-info-service.test-support.ts';

securityInfoSuite((f) => {
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
});
