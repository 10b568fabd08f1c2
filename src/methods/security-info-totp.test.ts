// SecurityInfoService and the authenticator app: enrolment with codes from Debian's oathtool,
// the TOTP second step with replays and drift, guessing limits, and seeds re-encrypted under a
// new key. Set-up in security-info-service.test-support.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtool } from '../../test/support/oathtool.ts';
import { securityInfoSuite } from './security-info-service.test-support.ts';
import * as records from './security-info-store.ts';

securityInfoSuite((f) => {
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
