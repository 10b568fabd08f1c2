// `nyckel keys rotate` and `nyckel users issue-pass` through the real CLI (a child process, as
// bin/nyckel runs it) on a sandbox with its own SQLite file and key file.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServices, type Services } from '../app/services.ts';
import { loadConfig } from '../config/load.ts';
import { systemClock } from '../domain/clock.ts';
import { listStoredSecrets } from '../methods/security-info-store.ts';
import { generateTotp } from '../methods/totp.ts';
import { createLogger } from '../observability/logger.ts';
import { type CliSandbox, makeCliSandbox } from './cli-test-harness.ts';

async function openServices(sandbox: CliSandbox): Promise<Services> {
  const { config } = loadConfig({ file: sandbox.configPath, env: {} });
  return createServices(config, { logger: createLogger('silent') });
}

describe('nyckel keys and users issue-pass', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('keys');
    const added = await sandbox.run(['users', 'add', 'anna.berg', '--name', 'Anna Berg', '--no-password']);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await sandbox.cleanup();
  });

  it('issues a single-use pass, printed once, that the service accepts once', async () => {
    const result = await sandbox.run(['users', 'issue-pass', 'anna.berg', '--valid-minutes', '30']);
    assert.equal(result.code, 0, result.stderr);
    const pass = /\n {2}([2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){3})\n/.exec(result.stdout)?.[1];
    assert.ok(pass, result.stdout);
    assert.match(result.stdout, /single use, valid until/);
    const services = await openServices(sandbox);
    try {
      const account = await services.directory.findAccount('anna.berg');
      assert.ok(account);
      assert.deepEqual(await services.securityInfo.redeemPass(account.id, pass), { ok: true });
      assert.deepEqual(await services.securityInfo.redeemPass(account.id, pass), { ok: false, reason: 'replayed' });
      const events = await services.store.listAudit({ type: 'security_info.pass_issued', limit: 5 });
      assert.equal(events[0]?.actor, 'cli');
      assert.ok(!JSON.stringify(events).includes(pass), 'the pass is not in the audit log');
    } finally {
      await services.close();
    }
  });

  it('issues a reusable pass and refuses bad input with a clear message', async () => {
    const reusable = await sandbox.run(['users', 'issue-pass', 'anna.berg', '--reusable']);
    assert.equal(reusable.code, 0, reusable.stderr);
    assert.match(reusable.stdout, /reusable, valid until/);
    const badMinutes = await sandbox.run(['users', 'issue-pass', 'anna.berg', '--valid-minutes', 'soon']);
    assert.equal(badMinutes.code, 2);
    assert.match(badMinutes.stderr, /--valid-minutes must be a whole number from 1 to 10080/);
    const unknown = await sandbox.run(['users', 'issue-pass', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no account with the username or e-mail address "nobody"/);
  });

  it('rotates the key, re-encrypts every seed, and drops old keys only on request', async () => {
    const keyFile = join(sandbox.dataDir, 'secret-keys.json');
    let secret: string;
    let accountId: string;
    const services = await openServices(sandbox);
    try {
      assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'created with mode 0600 on first start');
      const account = await services.directory.findAccount('anna.berg');
      assert.ok(account);
      accountId = account.id;
      const started = await services.securityInfo.startTotpEnrollment(account.id, account.username);
      secret = started.secretGrouped.replaceAll(' ', '');
      const done = await services.securityInfo.completeTotpEnrollment(account.id, started.enrollmentId, generateTotp(secret, new Date()));
      assert.equal(done.ok, true);
    } finally {
      await services.close();
    }
    const before = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string; keys: Record<string, string> };

    const rotated = await sandbox.run(['keys', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /Re-encrypted 1 authenticator seed and 0 pending enrolments\./);
    assert.match(rotated.stdout, /Old keys are kept/);
    const middle = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string; keys: Record<string, string> };
    assert.notEqual(middle.current, before.current);
    assert.deepEqual(Object.keys(middle.keys).sort(), [before.current, middle.current].sort());
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);

    const status = await sandbox.run(['keys', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`${middle.current} \\(current\\): 1 secret\\n`));
    assert.match(status.stdout, new RegExp(`${before.current}: 0 secrets`));

    const dropped = await sandbox.run(['keys', 'rotate', '--drop-old']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, /Dropped 2 old keys/);
    const after = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string; keys: Record<string, string> };
    assert.deepEqual(Object.keys(after.keys), [after.current]);

    const check = await openServices(sandbox);
    try {
      const stored = await listStoredSecrets(check.store.db);
      assert.deepEqual(
        stored.map((s) => check.secretBox.keyIdOf(s)),
        [after.current],
      );
      // The seed still works: a code from the next time step signs in.
      const next = new Date(systemClock.now().getTime() + 30_000);
      const result = await check.securityInfo.verifyTotp(accountId, generateTotp(secret, next));
      assert.equal(result.ok, true, JSON.stringify(result));
      const audit = await check.store.listAudit({ type: 'secrets.keys_rotated', limit: 5 });
      assert.equal(audit.length, 2);
    } finally {
      await check.close();
    }
  });

  it('refuses to start when the key file is readable by others', async () => {
    const { chmodSync } = await import('node:fs');
    const keyFile = join(sandbox.dataDir, 'secret-keys.json');
    chmodSync(keyFile, 0o640);
    try {
      const result = await sandbox.run(['keys', 'status']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`chmod 600 ${keyFile.replaceAll('/', '\\/')}`));
    } finally {
      chmodSync(keyFile, 0o600);
    }
  });
});
