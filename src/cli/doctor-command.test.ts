// `nyckel doctor` through the real CLI (a child process, as bin/nyckel runs it): the embedded
// default, a broken configuration, the key file's mode, and a real slapd (ppolicy, TLS with its
// own CA) with a good set-up and with each thing an administrator gets wrong.

import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Slapd, startSlapd } from '../../test/support/slapd.ts';
import { startSmtpServer } from '../../test/support/smtp-server.ts';
import { type CliSandbox, makeCliSandbox } from './cli-test-harness.ts';

/** The lines of one status: ✓, ! or ✗. */
const lines = (stdout: string, symbol: '✓' | '!' | '✗') => stdout.split('\n').filter((line) => line.trimStart().startsWith(`${symbol} `));

describe('nyckel doctor with the embedded default', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('doctor-embedded');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  test('before migrate the store is reported missing and the exit code is 1', async () => {
    const result = await sandbox.run(['doctor']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /✗ database: .*nyckel\.db does not exist yet\n\s+→ run `nyckel migrate`/);
    assert.match(result.stdout, /checks failed/);
  });

  test('after migrate every check passes, with a test account', async () => {
    assert.equal((await sandbox.run(['migrate'])).code, 0);
    const added = await sandbox.run(['users', 'add', 'anna.berg', '--name', 'Anna Berg', '--email', 'anna.berg@example.se'], {
      stdin: 'Ett-långt-lösenord-42',
    });
    assert.equal(added.code, 0, added.stderr);
    const result = await sandbox.run(['doctor', '--test-account', 'anna.berg']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(lines(result.stdout, '✗'), []);
    assert.deepEqual(lines(result.stdout, '!'), []);
    assert.match(result.stdout, /✓ database: reachable, all \d+ migrations applied/);
    assert.match(result.stdout, /✓ embedded directory/);
    assert.match(result.stdout, /✓ account state readable: locked: no, disabled: no, must change: no/);
    assert.match(result.stdout, /✓ privileged: no/);
    assert.match(result.stdout, /✓ key file: .*secret-keys\.json, mode 0600/);
    assert.match(result.stdout, /All \d+ checks passed\./);
    assert.doesNotMatch(result.stdout, /Ett-långt-lösenord-42/);
  });

  test('a key file others can read is a failure with the chmod to run', async () => {
    const keyFile = join(sandbox.dataDir, 'secret-keys.json');
    await chmod(keyFile, 0o644);
    try {
      const result = await sandbox.run(['doctor']);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✗ key file: .* has mode 0644: other users can read the keys\n\s+→ chmod 600 /);
    } finally {
      await chmod(keyFile, 0o600);
    }
  });

  test('--help explains the command; an unknown option is a usage error', async () => {
    const helpText = await sandbox.run(['doctor', '--help']);
    assert.equal(helpText.code, 0);
    assert.match(helpText.stdout, /--test-account USERNAME/);
    const wrong = await sandbox.run(['doctor', '--test-acount', 'x']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /unknown option '--test-acount'/);
  });
});

describe('nyckel doctor with a broken configuration', () => {
  test('reports each problem with its key path and exits 1', async () => {
    const sandbox = await makeCliSandbox('doctor-broken', 'store:\n  driver: postgres\nsessions:\n  idleMinuts: 5\n');
    try {
      const result = await sandbox.run(['doctor']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /✗ store\.postgres\.url: store\.postgres\.url is required/);
      assert.match(result.stdout, /✗ sessions\.idleMinuts: unknown key/);
      assert.match(result.stdout, /→ fix sessions\.idleMinuts in /);
      assert.match(result.stdout, /2 of 2 checks failed/);
    } finally {
      await sandbox.cleanup();
    }
  });
});

describe('nyckel doctor against a real slapd', () => {
  let slapd: Slapd;
  let sandbox: CliSandbox;
  const userPassword = 'Användar-lösen-77';

  before(async () => {
    slapd = await startSlapd();
    await slapd.createUser({ username: 'anna', email: 'anna@nyckel.test', password: userPassword, mustChange: true });
    sandbox = await makeCliSandbox('doctor-slapd');
    assert.equal((await sandbox.run(['migrate'])).code, 0);
  });
  after(async () => {
    await sandbox?.cleanup();
    await slapd?.destroy();
  });

  /** Runs doctor with a directory section written from these overrides. */
  async function doctor(overrides: { urls?: string[]; bindDn?: string; password?: string; caFile?: string }, args: string[] = []) {
    const passwordFile = await sandbox.file('bind-password', overrides.password ?? slapd.servicePassword);
    const yaml = [
      `dataDir: ${JSON.stringify(sandbox.dataDir)}`,
      'log: { level: warn }',
      'directory:',
      '  type: ldap',
      '  ldap:',
      `    urls: ${JSON.stringify(overrides.urls ?? [slapd.ldapsUrl])}`,
      `    bindDn: ${JSON.stringify(overrides.bindDn ?? slapd.serviceDn)}`,
      `    baseDn: ${JSON.stringify(slapd.peopleDn)}`,
      `    ppolicyDn: ${JSON.stringify(slapd.policyDn)}`,
      `    tls: { caFile: ${JSON.stringify(overrides.caFile ?? slapd.caFile)} }`,
      `  privilegedGroups: [${JSON.stringify(slapd.privilegedGroupDn)}]`,
    ].join('\n');
    const config = await sandbox.file('ldap.yaml', yaml);
    // The password comes from a _FILE variable, as the set-up guide recommends.
    return sandbox.run(['--config', config, 'doctor', ...args], {
      noConfig: true,
      env: { NYCKEL_DIRECTORY__LDAP__BIND_PASSWORD_FILE: passwordFile },
    });
  }

  test('a good set-up passes, with the test account found, its state read and every right proved', async () => {
    const before = await slapd.asRoot(
      async (c) => (await c.search(`uid=anna,${slapd.peopleDn}`, { scope: 'base', attributes: ['*', '+'] })).searchEntries,
    );
    const result = await doctor({}, ['--test-account', 'anna']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(lines(result.stdout, '✗'), []);
    assert.match(result.stdout, new RegExp(`✓ ${slapd.ldapsUrl}: reachable \\(TCP, TLS\\)`));
    assert.match(result.stdout, /✓ .* certificate: verified \(localhost, issued by Nyckel test CA\)/);
    // The test CA's certificate lives two days: the doctor warns about it.
    assert.match(result.stdout, /! .* certificate expiry: expires on \d{4}-\d\d-\d\d, in [0-2] day\(s\)/);
    assert.match(result.stdout, /✓ .*service account bind: bound as cn=nyckel/);
    assert.match(result.stdout, /✓ base DN: ou=people,dc=nyckel,dc=test exists/);
    assert.match(result.stdout, /✓ user filter: \(objectClass=inetOrgPerson\) finds 1 account\(s\)/);
    assert.match(result.stdout, /✓ privileged group: cn=domain-admins/);
    assert.match(result.stdout, /✓ found by: uid \(anna\), mail \(anna@nyckel\.test\)/);
    assert.match(
      result.stdout,
      /✓ account state readable: locked: no, disabled: no, must change: yes, expired: no, password expires: \d{4}-/,
    );
    assert.match(result.stdout, /✓ privileged: no/);
    assert.match(result.stdout, /✓ right to set a password \(Password Modify\): may write userPassword/);
    assert.match(result.stdout, /✓ right to unlock: may write pwdAccountLockedTime/);
    assert.match(result.stdout, /✓ right to require a change: may write pwdReset/);
    assert.match(result.stdout, /All \d+ checks passed, 1 warning\./);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(slapd.servicePassword));
    // The probes changed nothing: not the password, not pwdReset, not even modifyTimestamp.
    const afterwards = await slapd.asRoot(
      async (c) => (await c.search(`uid=anna,${slapd.peopleDn}`, { scope: 'base', attributes: ['*', '+'] })).searchEntries,
    );
    assert.deepEqual(afterwards, before);
  });

  test('a wrong service password fails the bind with what to check, and never prints the password', async () => {
    const wrong = 'Fel-tjänstelösen-123';
    const result = await doctor({ password: wrong });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /✗ .*service account bind: the directory refused cn=nyckel,ou=services,dc=nyckel,dc=test: invalid credentials/,
    );
    assert.match(result.stdout, /→ check directory\.ldap\.bindDn and the service account password/);
    assert.match(result.stdout, /✗ directory searches: skipped/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(wrong));
  });

  test('a CA that did not sign the server certificate fails TLS verification', async () => {
    // Any other PEM CA: the one of a second, independent slapd.
    const other = await startSlapd();
    try {
      const result = await doctor({ caFile: other.caFile });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✗ .* certificate: not trusted: \S+/);
      assert.match(result.stdout, /→ set directory\.ldap\.tls\.caFile to the PEM of the CA that signed/);
      assert.match(result.stdout, /✗ .*service account bind: the connection failed/);
    } finally {
      await other.destroy();
    }
  });

  test('a dead server is reported, the live one still checked, and plain ldap:// flagged', async () => {
    const dead = 'ldaps://127.0.0.1:1';
    const result = await doctor({ urls: [dead, slapd.ldapsUrl, slapd.ldapUrl] });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /✗ ldaps:\/\/127\.0\.0\.1:1: no connection to 127\.0\.0\.1:1 \(ECONNREFUSED\)\n\s+→ check that the directory server runs/,
    );
    assert.match(result.stdout, new RegExp(`✓ ${slapd.ldapsUrl}: reachable`));
    assert.match(result.stdout, new RegExp(`✗ ${slapd.ldapUrl} encryption: plain ldap://: Nyckel will not send passwords over it`));
    assert.match(result.stdout, /✓ user filter/);
  });

  test('a service account without write ACLs fails each right, and nothing is changed', async () => {
    const result = await doctor({ bindDn: slapd.readerDn, password: slapd.readerPassword }, ['--test-account', 'anna@nyckel.test']);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /✓ .*service account bind: bound as cn=reader/);
    assert.match(result.stdout, /✓ account state readable/);
    assert.match(
      result.stdout,
      /✗ right to set a password \(Password Modify\): cn=reader,ou=services,dc=nyckel,dc=test may not write userPassword/,
    );
    assert.match(result.stdout, /→ add an ACL: access to dn\.subtree="<people>" attrs=userPassword by dn\.exact="cn=reader[^"]*" =w/);
    assert.match(result.stdout, /✗ right to unlock: .* may not write pwdAccountLockedTime/);
    assert.match(result.stdout, /✗ right to require a change: .* may not write pwdReset/);
    assert.match(result.stdout, /3 of \d+ checks failed/);
    // The user can still sign in with the same password: the probes wrote nothing.
    const { Client } = await import('ldapts');
    const client = new Client({ url: slapd.ldapUrl });
    try {
      await client.bind(`uid=anna,${slapd.peopleDn}`, userPassword);
    } finally {
      await client.unbind();
    }
  });

  test('a privileged test account is reported, and rights the service account holds on it are a warning', async () => {
    await slapd.createUser({ username: 'admin.eva', email: 'admin.eva@nyckel.test', password: 'Admin-lösen-4242', privileged: true });
    const result = await doctor({}, ['--test-account', 'admin.eva']);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /! privileged: yes: self-service refuses this account/);
    assert.match(result.stdout, /! right to unlock: may write pwdAccountLockedTime, on a privileged account/);
    assert.match(result.stdout, /→ limit the service account’s rights to the OUs \(or subtrees\) of ordinary people/);
  });

  test('an unknown test account is a failure saying where it was looked for', async () => {
    const result = await doctor({}, ['--test-account', 'nobody)(uid=*']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✗ test account: nobody\)\(uid=\* not found by uid, mail under ou=people,dc=nyckel,dc=test/);
  });
});

describe('nyckel doctor with real SMTP servers', () => {
  async function doctorWith(port: number, caPem: string, name: string) {
    const sandbox = await makeCliSandbox(name);
    try {
      assert.equal((await sandbox.run(['migrate'])).code, 0);
      const ca = await sandbox.file('smtp-ca.pem', caPem);
      const secret = 'smtp-hemlighet-991';
      const secretFile = await sandbox.file('smtp-password', secret);
      const config = await sandbox.file(
        'smtp.yaml',
        [
          `dataDir: ${JSON.stringify(sandbox.dataDir)}`,
          'messaging:',
          '  sms: { provider: 46elks, elks: { username: u123, password: elks-hemlighet-55, from: Nyckel } }',
          '  email:',
          '    transport: smtp',
          '    from: "Nyckel <no-reply@example.se>"',
          `    smtp: { host: localhost, port: ${port}, user: nyckel, caFile: ${JSON.stringify(ca)} }`,
        ].join('\n'),
      );
      const result = await sandbox.run(['--config', config, 'doctor'], {
        noConfig: true,
        env: { NYCKEL_MESSAGING__EMAIL__SMTP__PASSWORD_FILE: secretFile },
      });
      assert.doesNotMatch(result.stdout + result.stderr, /smtp-hemlighet-991|elks-hemlighet-55/);
      return result;
    } finally {
      await sandbox.cleanup();
    }
  }

  test('connects, says EHLO and STARTTLS and signs in without sending; the SMS gateway is only reported configured', async () => {
    const server = await startSmtpServer({ users: { nyckel: 'smtp-hemlighet-991' } });
    try {
      const result = await doctorWith(server.port, server.certificate, 'doctor-smtp');
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /✓ SMTP localhost:\d+: connected, EHLO, STARTTLS, signed in; nothing sent/);
      assert.match(result.stdout, /✓ SMS: 46elks configured \(not contacted: no test message is sent\)/);
      assert.equal(server.received.length, 0);
    } finally {
      await server.stop();
    }
  });

  test('a server without STARTTLS fails with what it must offer', async () => {
    const server = await startSmtpServer({ mode: 'no-starttls', users: { nyckel: 'smtp-hemlighet-991' } });
    try {
      const result = await doctorWith(server.port, server.certificate, 'doctor-smtp-plain');
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /✗ SMTP localhost:\d+: TLS failed: /);
      assert.match(result.stdout, /→ the server must offer STARTTLS/);
    } finally {
      await server.stop();
    }
  });
});
