// Tests for `nyckel demo`, run as a real child process: it seeds once, prints the sign-in
// details every time, and refuses a configuration that is not a demo.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoEmployees } from '../demo/demo-organisation.ts';
import { type CliSandbox, makeCliSandbox } from './cli-test-harness.ts';

describe('nyckel demo', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('demo', 'demo: true');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  async function count(): Promise<number> {
    const result = await sandbox.run(['users', 'list', '--json']);
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as unknown[]).length;
  }

  it('seeds the demo organisation and prints the sign-in details', async () => {
    const result = await sandbox.run(['demo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Created the demo organisation: ${demoEmployees.length} accounts\\.`));
    for (const employee of demoEmployees) assert.ok(result.stdout.includes(employee.password), employee.username);
    assert.equal(await count(), demoEmployees.length);
  });

  it('running it again adds nothing and still prints the details', async () => {
    const result = await sandbox.run(['demo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^The demo organisation is already in the store; nothing was added\./);
    assert.ok(result.stdout.includes('anna.lindqvist'));
    assert.equal(await count(), demoEmployees.length);
    const shown = await sandbox.run(['users', 'show', 'sara.ekstrom']);
    assert.match(shown.stdout, /^Disabled: +yes$/m);
    const admin = await sandbox.run(['users', 'show', 'adm.mikael.svensson']);
    assert.match(admin.stdout, /^Privileged: +yes$/m);
  });

  it('refuses a configuration with demo: false, creating nothing', async () => {
    const other = await makeCliSandbox('demo-off', 'demo: false');
    try {
      const result = await other.run(['demo']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^nyckel: the configuration has demo: false/);
      const list = await other.run(['users', 'list', '--json']);
      assert.deepEqual(JSON.parse(list.stdout), []);
    } finally {
      await other.cleanup();
    }
  });
});
