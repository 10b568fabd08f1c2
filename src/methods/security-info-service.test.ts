// SecurityInfoService and the methods as a whole: removal and the default method under the
// policy, recovery codes, temporary passes, passkeys in the method list, and an audit log that
// never holds a secret. Set-up in security-info-service.test-support.ts; the other topics are in
// security-info-totp.test.ts, security-info-codes.test.ts and security-info-code-limits.test.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtool } from '../../test/support/oathtool.ts';
import { isNyckelError } from '../domain/errors.ts';
import * as passkeyRecords from './passkey-store.ts';
import { ctx, securityInfoSuite } from './security-info-service.test-support.ts';
import * as records from './security-info-store.ts';

securityInfoSuite((f) => {
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
      await f.service({ securityInfo: { registrationRequired: false, secondStep: 'always' } }).removeMethod(account.id, recovery?.id ?? ''),
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
});
