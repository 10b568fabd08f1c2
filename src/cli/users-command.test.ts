// Tests for `nyckel users …`, run as real child processes against a SQLite store in a temporary
// folder: add (password from standard input), show, list, unlock, require-change, CSV import
// (all or nothing), and hostile input stored verbatim or refused, never a crash.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServices, type Services } from '../app/services.ts';
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../observability/logger.ts';
import { type CliSandbox, makeCliSandbox, runCliInTerminal } from './cli-test-harness.ts';

const HEADER = 'username,email,display_name,department,mobile';

interface ListedAccount {
  username: string;
  displayName: string;
  department: string | null;
  email: string | null;
  mobile: string | null;
  state: { isLocked: boolean; mustChange: boolean; isPrivileged: boolean; isDisabled: boolean; passwordChangedAt: string | null };
}

async function listAccounts(sandbox: CliSandbox): Promise<ListedAccount[]> {
  const result = await sandbox.run(['users', 'list', '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ListedAccount[];
}

async function showAccount(sandbox: CliSandbox, identifier: string): Promise<ListedAccount> {
  const result = await sandbox.run(['users', 'show', identifier, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ListedAccount;
}

/** The same store in-process, for what the CLI can't do itself (failed sign-ins) and to read the audit log. */
async function withStore<T>(sandbox: CliSandbox, work: (services: Services) => Promise<T>): Promise<T> {
  const { config } = loadConfig({ file: sandbox.configPath, env: {} });
  const services = await createServices(config, { logger: createLogger('silent') });
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

describe('nyckel users add, show, list', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('users-add');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  it('creates an account with the password from standard input, and shows it', async () => {
    const added = await sandbox.run(
      [
        'users',
        'add',
        'Anna.Berg',
        '--name',
        'Anna Berg',
        '--email',
        'Anna.Berg@Example.se',
        '--department',
        'Socialtjänsten',
        '--mobile',
        '070-174 06 05',
      ],
      { stdin: 'Rätt-lösenord-2024\n' },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^Created account anna\.berg \(Anna Berg\)\.\n$/);

    const shown = await sandbox.run(['users', 'show', 'anna.berg@example.se']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Username: +anna\.berg$/m);
    assert.match(shown.stdout, /^Department: +Socialtjänsten$/m);
    assert.match(shown.stdout, /^Mobile: +\+46701740605$/m);
    assert.match(shown.stdout, /^Locked: +no$/m);
    assert.match(shown.stdout, /^Must change: +no$/m);
    assert.match(shown.stdout, /^Password changed: +\d{4}-\d\d-\d\dT/m);
    assert.match(shown.stdout, /^Privileged: +no$/m);

    // The password really is the one piped in.
    const outcome = await withStore(
      sandbox,
      async (services) => (await services.directory.authenticate('anna.berg', 'Rätt-lösenord-2024')).outcome,
    );
    assert.equal(outcome, 'ok');
    const events = await withStore(sandbox, (services) => services.store.listAudit({ type: 'account.created', limit: 10 }));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor, 'cli');
    assert.equal(events[0]?.detail.username, 'anna.berg');
    assert.doesNotMatch(JSON.stringify(events), /Rätt-lösenord/);
  });

  it('refuses a short password with the policy reason and creates nothing', async () => {
    const before = (await listAccounts(sandbox)).length;
    const result = await sandbox.run(['users', 'add', 'kort', '--name', 'Kort Lösen'], { stdin: 'short-pw\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'nyckel: the password must be at least 12 characters; the account was not created\n');
    assert.equal((await listAccounts(sandbox)).length, before);
    const shown = await sandbox.run(['users', 'show', 'kort']);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, /no account with the username or e-mail address "kort"/);
  });

  it('needs a password on standard input unless --no-password', async () => {
    const empty = await sandbox.run(['users', 'add', 'utan', '--name', 'Utan Lösen']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no password on standard input/);
    const twoLines = await sandbox.run(['users', 'add', 'utan', '--name', 'Utan Lösen'], { stdin: 'first-line-password\nsecond-line\n' });
    assert.equal(twoLines.code, 1);
    assert.match(twoLines.stderr, /must be a single line/);

    const without = await sandbox.run(['users', 'add', 'utan', '--name', 'Utan Lösen', '--no-password', '--must-change', '--privileged']);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stdout, /without a password; the password must be changed at the next sign-in/);
    const account = await showAccount(sandbox, 'utan');
    assert.equal(account.state.passwordChangedAt, null);
    assert.equal(account.state.mustChange, true);
    assert.equal(account.state.isPrivileged, true);
  });

  it('on a terminal asks for the password twice without echoing it', async () => {
    const typed = 'Terminal-lösen-2026';
    const result = await runCliInTerminal(
      ['--config', sandbox.configPath, 'users', 'add', 'tty.user', '--name', 'Tty User'],
      [typed, typed],
    );
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /New password: \r?\nRepeat the password: \r?\nCreated account tty\.user/);
    assert.doesNotMatch(result.stdout, /Terminal-lösen/);
    const outcome = await withStore(sandbox, async (services) => (await services.directory.authenticate('tty.user', typed)).outcome);
    assert.equal(outcome, 'ok');

    const mismatch = await runCliInTerminal(
      ['--config', sandbox.configPath, 'users', 'add', 'tty.other', '--name', 'Other'],
      [typed, 'Something-else-123'],
    );
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stdout, /the two passwords are not the same; nothing was changed/);
    assert.equal((await sandbox.run(['users', 'show', 'tty.other'])).code, 1);
  });

  it('refuses bad fields by option name, and existing usernames and e-mail addresses', async () => {
    const bad = await sandbox.run([
      'users',
      'add',
      'has space',
      '--name',
      'X',
      '--email',
      'not-an-address',
      '--mobile',
      '12345',
      '--no-password',
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^nyckel: the account was not created:\n/);
    assert.match(bad.stderr, /^ {2}USERNAME: Username can contain only/m);
    assert.match(bad.stderr, /^ {2}--email: Enter a valid e-mail address/m);
    assert.match(bad.stderr, /^ {2}--mobile: This is not a Swedish mobile number/m);

    const sameName = await sandbox.run(['users', 'add', 'ANNA.BERG', '--name', 'Another Anna', '--no-password']);
    assert.equal(sameName.code, 1);
    assert.match(sameName.stderr, /an account with username anna\.berg already exists/);
    const sameEmail = await sandbox.run(['users', 'add', 'anna2', '--name', 'Anna 2', '--email', 'anna.berg@example.se', '--no-password']);
    assert.equal(sameEmail.code, 1);
    assert.match(sameEmail.stderr, /an account with e-mail address anna\.berg@example\.se already exists/);

    const missingName = await sandbox.run(['users', 'add', 'nameless', '--no-password']);
    assert.equal(missingName.code, 2);
    assert.match(missingName.stderr, /missing option '--name'/);
  });

  it('--group (repeatable) puts the account in groups, which show lists; bad group names are refused by option', async () => {
    const added = await sandbox.run([
      'users',
      'add',
      'gunnel.grupp',
      '--name',
      'Gunnel Grupp',
      '--group',
      'Alla anställda',
      '--group',
      'IT-support',
      '--group',
      'it-SUPPORT',
      '--no-password',
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /in Alla anställda, IT-support/);
    const shown = await sandbox.run(['users', 'show', 'gunnel.grupp']);
    assert.match(shown.stdout, /^Groups: +Alla anställda, IT-support$/m, 'a name differing only in case is one group');
    const json = JSON.parse((await sandbox.run(['users', 'show', 'gunnel.grupp', '--json'])).stdout) as { groups: string[] };
    assert.deepEqual(json.groups, ['Alla anställda', 'IT-support']);
    assert.match((await sandbox.run(['users', 'show', 'anna.berg'])).stdout, /^Groups: +-$/m);

    const bad = await sandbox.run([
      'users',
      'add',
      'gustav.grupp',
      '--name',
      'Gustav',
      '--group',
      'a|b',
      '--group',
      'x'.repeat(200),
      '--no-password',
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ {2}--group: "a\|b": Group name can contain only letters/m);
    assert.match(bad.stderr, /^ {2}--group: "x+": Group name can be at most 128 characters/m);
    assert.equal((await sandbox.run(['users', 'show', 'gustav.grupp'])).code, 1, 'nothing was created');
  });

  it('lists the accounts as a table with their state', async () => {
    const result = await sandbox.run(['users', 'list']);
    assert.equal(result.code, 0, result.stderr);
    const [header, ...lines] = result.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^Username +Name +Department +E-mail +State$/);
    assert.ok(
      lines.some((l) => /^anna\.berg +Anna Berg +Socialtjänsten +anna\.berg@example\.se +active$/.test(l)),
      result.stdout,
    );
    assert.ok(
      lines.some((l) => /^utan +Utan Lösen +must change, privileged$/.test(l)),
      result.stdout,
    );
    assert.equal(lines.at(-1), `${(await listAccounts(sandbox)).length} accounts`);
  });

  it('unlock ends a lockout, and writes an audit event', async () => {
    await withStore(sandbox, async (services) => {
      // One more than the default lockout threshold (5).
      for (let i = 0; i < 6; i++) await services.directory.authenticate('anna.berg', 'wrong-password-123');
    });
    assert.equal((await showAccount(sandbox, 'anna.berg')).state.isLocked, true);
    const shown = await sandbox.run(['users', 'show', 'anna.berg']);
    assert.match(shown.stdout, /^Locked: +yes/m);

    const unlocked = await sandbox.run(['users', 'unlock', 'anna.berg']);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal(unlocked.stdout, 'Unlocked anna.berg.\n');
    assert.equal((await showAccount(sandbox, 'anna.berg')).state.isLocked, false);
    const events = await withStore(sandbox, (services) => services.store.listAudit({ type: 'account.unlocked', limit: 10 }));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor, 'cli');
    assert.equal(events[0]?.detail.wasLocked, true);

    const missing = await sandbox.run(['users', 'unlock', 'nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no account with the username or e-mail address "nobody"/);
  });

  it('require-change sets must-change, and writes an audit event', async () => {
    assert.equal((await showAccount(sandbox, 'anna.berg')).state.mustChange, false);
    const result = await sandbox.run(['users', 'require-change', 'anna.berg']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'anna.berg must change password at the next sign-in.\n');
    assert.equal((await showAccount(sandbox, 'anna.berg')).state.mustChange, true);
    const outcome = await withStore(
      sandbox,
      async (services) => (await services.directory.authenticate('anna.berg', 'Rätt-lösenord-2024')).outcome,
    );
    assert.equal(outcome, 'must_change');
    const events = await withStore(sandbox, (services) =>
      services.store.listAudit({ type: 'account.password_change_required', limit: 10 }),
    );
    assert.equal(events[0]?.actor, 'cli');
  });

  it('stores SQL metacharacters verbatim, refuses them where a username cannot have them, and never crashes', async () => {
    const name = "Robert'); DROP TABLE accounts;--";
    const department = `IT" OR 1=1 -- ; DELETE FROM settings`;
    const added = await sandbox.run(['users', 'add', 'bobby.tables', '--name', name, '--department', department, '--no-password']);
    assert.equal(added.code, 0, added.stderr);
    const account = await showAccount(sandbox, 'bobby.tables');
    assert.equal(account.displayName, name);
    assert.equal(account.department, department);

    const quoted = await sandbox.run(['users', 'add', "o'brien", '--name', 'Pat', '--no-password']);
    assert.equal(quoted.code, 1);
    assert.match(quoted.stderr, /USERNAME: Username can contain only letters, digits/);

    for (const identifier of ["' OR '1'='1", 'anna.berg"; --', '%', '_']) {
      const result = await sandbox.run(['users', 'show', identifier]);
      assert.equal(result.code, 1, identifier);
      assert.match(result.stderr, /^nyckel: no account with the username or e-mail address/);
    }
    // The table is still there with everyone in it.
    assert.ok((await listAccounts(sandbox)).some((a) => a.username === 'anna.berg'));
  });
});

describe('nyckel users import', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('users-import');
    const seeded = await sandbox.run([
      'users',
      'add',
      'befintlig',
      '--name',
      'Befintlig Person',
      '--email',
      'befintlig@example.se',
      '--no-password',
    ]);
    assert.equal(seeded.code, 0, seeded.stderr);
  });
  after(async () => {
    await sandbox.cleanup();
  });

  /** Runs an import that must fail and checks that nothing changed. */
  async function importFails(name: string, content: string | Uint8Array, pattern: RegExp) {
    const before = await listAccounts(sandbox);
    const path = await sandbox.file(name, content);
    const result = await sandbox.run(['users', 'import', path]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, pattern);
    assert.match(result.stderr, /nothing was imported/);
    assert.deepEqual(await listAccounts(sandbox), before);
    return result;
  }

  it('imports a good file in one go and writes an audit event', async () => {
    const path = await sandbox.file(
      'good.csv',
      `${HEADER}\nanna.berg,anna.berg@example.se,Anna Berg,Socialtjänsten,070-174 06 05\nbo.ek,bo.ek@example.se,Bo Ek,IT-avdelningen,\n"cecilia.holm",,"Holm, Cecilia",,+46 70 174 06 07\n`,
    );
    const result = await sandbox.run(['users', 'import', path]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Imported 3 accounts from ${path}.\n`);
    const accounts = await listAccounts(sandbox);
    assert.deepEqual(accounts.map((a) => a.username).sort(), ['anna.berg', 'befintlig', 'bo.ek', 'cecilia.holm']);
    assert.equal(accounts.find((a) => a.username === 'cecilia.holm')?.displayName, 'Holm, Cecilia');
    assert.equal(accounts.find((a) => a.username === 'anna.berg')?.mobile, '+46701740605');
    const events = await withStore(sandbox, (services) => services.store.listAudit({ type: 'accounts.imported', limit: 10 }));
    assert.equal(events[0]?.actor, 'cli');
    assert.equal(events[0]?.detail.created, 3);
  });

  it('a missing column: names it, imports nothing', async () => {
    await importFails(
      'missing.csv',
      'username,email,display_name,department\ndora,dora@example.se,Dora,IT\n',
      /line 1: header: missing column mobile/,
    );
  });

  it('a bad e-mail address: line and column, imports nothing (not even the good rows)', async () => {
    const result = await importFails(
      'bad-email.csv',
      `${HEADER}\ndora,dora@example.se,Dora,IT,\nerik,erik(at)example.se,Erik,IT,\n`,
      /^ {2}line 3: email: Enter a valid e-mail address/m,
    );
    assert.match(result.stderr, /1 of 2 rows in .* have problems/);
    assert.match(result.stderr, /use --skip-invalid to import the other 1 row/);
  });

  it('duplicate usernames within the file and against existing accounts', async () => {
    const result = await importFails(
      'duplicates.csv',
      `${HEADER}\ndora,dora@example.se,Dora,IT,\nDORA,dora2@example.se,Dora Två,IT,\nbefintlig,ny@example.se,Ny,IT,\nfrida,BEFINTLIG@example.se,Frida,IT,\n`,
      /line 2: username: the same username is also on line 3/,
    );
    assert.match(result.stderr, /line 3: username: the same username is also on line 2/);
    assert.match(result.stderr, /line 4: username: an account with username befintlig already exists/);
    assert.match(result.stderr, /line 5: email: an account with e-mail address befintlig@example\.se already exists/);
  });

  it('a Latin-1 file: says to save it as CSV UTF-8, with the first bad line', async () => {
    const latin1 = Buffer.from(
      `${HEADER}\ndora,dora@example.se,Dora,IT,\ngosta,gosta@example.se,G\xf6sta \xc5berg,Samh\xe4llsbyggnad,\n`,
      'latin1',
    );
    await importFails('latin1.csv', latin1, /line 3: the file is not UTF-8; save it as 'CSV UTF-8'/);
  });

  it('a semicolon file with a BOM (Swedish Excel, CSV UTF-8) imports', async () => {
    const content = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        'username;email;display_name;department;mobile\r\ngösta.åberg;gosta@example.se;Gösta Åberg;Samhällsbyggnad;070-174 06 08\r\n',
      ),
    ]);
    const path = await sandbox.file('excel.csv', content);
    const result = await sandbox.run(['users', 'import', path]);
    assert.equal(result.code, 0, result.stderr);
    const account = await showAccount(sandbox, 'gosta@example.se');
    assert.equal(account.username, 'gösta.åberg');
    assert.equal(account.displayName, 'Gösta Åberg');
    assert.equal(account.department, 'Samhällsbyggnad');
  });

  it('--skip-invalid imports the good rows and lists the skipped ones', async () => {
    const before = (await listAccounts(sandbox)).length;
    const path = await sandbox.file(
      'mixed.csv',
      `${HEADER}\nhanna,hanna@example.se,Hanna,IT,\nivar,,Ivar,IT,not-a-phone\njonna,,"Jonna ""J"" Ek",IT,\nbefintlig,,Again,IT,\n`,
    );
    const result = await sandbox.run(['users', 'import', path, '--skip-invalid']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Imported 2 accounts from .*\nSkipped 2 rows:\n {2}line 3: mobile: .*\n {2}line 5: username: an account with username befintlig already exists\n$/,
    );
    const after = await listAccounts(sandbox);
    assert.equal(after.length, before + 2);
    assert.equal(after.find((a) => a.username === 'jonna')?.displayName, 'Jonna "J" Ek');
    assert.equal(
      after.some((a) => a.username === 'ivar'),
      false,
    );
  });

  it('refuses a missing file, an empty file and a file too large, changing nothing', async () => {
    const before = await listAccounts(sandbox);
    const missing = await sandbox.run(['users', 'import', `${sandbox.dir}/nope.csv`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.csv: the file does not exist/);
    const emptyPath = await sandbox.file('empty.csv', `${HEADER}\n`);
    const empty = await sandbox.run(['users', 'import', emptyPath]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /has no accounts that can be imported/);
    const bigPath = await sandbox.file('big.csv', Buffer.alloc(10 * 1024 * 1024 + 10, 0x61));
    const big = await sandbox.run(['users', 'import', bigPath]);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /the largest file accepted is 10 MB/);
    assert.deepEqual(await listAccounts(sandbox), before);
  });

  it('an optional groups column: names separated by |, validated with line and column', async () => {
    const path = await sandbox.file(
      'groups.csv',
      `${HEADER},groups\nhanna.grupp,,Hanna,IT,,Alla anställda|IT-support\nivar.grupp,,Ivar,IT,,\n`,
    );
    const result = await sandbox.run(['users', 'import', path]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse((await sandbox.run(['users', 'show', 'hanna.grupp', '--json'])).stdout) as { groups: string[] }).groups, [
      'Alla anställda',
      'IT-support',
    ]);
    assert.deepEqual(
      (JSON.parse((await sandbox.run(['users', 'show', 'ivar.grupp', '--json'])).stdout) as { groups: string[] }).groups,
      [],
    );
    await importFails(
      'bad-groups.csv',
      `groups,${HEADER}\nAlla||IT,jonna.grupp,,Jonna,IT,\n<script>,karl.grupp,,Karl,IT,\n`,
      /^ {2}line 2: groups: "": Group name cannot be empty/m,
    );
    await importFails(
      'bad-groups-2.csv',
      `${HEADER},groups\nkarl.grupp,,Karl,IT,,<script>\n`,
      /^ {2}line 2: groups: "<script>": Group name can contain only/m,
    );
  });

  it('SQL metacharacters in a CSV are stored verbatim', async () => {
    const path = await sandbox.file('sql.csv', `${HEADER}\nkalle,kalle@example.se,"Kalle'); DROP TABLE accounts;--","x' OR '1'='1",\n`);
    const result = await sandbox.run(['users', 'import', path]);
    assert.equal(result.code, 0, result.stderr);
    const account = await showAccount(sandbox, 'kalle');
    assert.equal(account.displayName, "Kalle'); DROP TABLE accounts;--");
    assert.equal(account.department, "x' OR '1'='1");
  });
});
