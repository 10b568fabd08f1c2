// `nyckel campaigns …` through the real CLI (a child process) on a SQLite sandbox: a campaign
// made through the service (as the admin pages do) is listed, run once (every account marked
// and notified to the outbox, once), shown with its progress by department, and its pending
// members exported as CSV with an audit event; then the refusals: bad and unknown ids, a bad
// --status, an existing output file, and a pass while another instance holds the job's lease.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { createServices, type Services } from '../app/services.ts';
import { DEPARTMENTS, seedAccounts, startEveryoneCampaign } from '../campaigns/campaign.test-support.ts';
import { loadConfig } from '../config/load.ts';
import { JobLock } from '../jobs/job-lock.ts';
import { createLogger } from '../observability/logger.ts';
import { type CliSandbox, makeCliSandbox } from './cli-test-harness.ts';

const COUNT = 24;

async function openServices(sandbox: CliSandbox): Promise<Services> {
  const { config } = loadConfig({ file: sandbox.configPath, env: {} });
  return createServices(config, { logger: createLogger('silent') });
}

async function withSandboxServices<T>(sandbox: CliSandbox, work: (services: Services) => Promise<T>): Promise<T> {
  const services = await openServices(sandbox);
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

describe('nyckel campaigns', () => {
  let sandbox: CliSandbox;
  let id: string;
  before(async () => {
    sandbox = await makeCliSandbox('campaigns', 'campaigns: { batchSize: 5, batchPauseMs: 0 }');
    id = await withSandboxServices(sandbox, async (services) => {
      assert.ok(services.embeddedDirectory !== null);
      await seedAccounts(services.embeddedDirectory, COUNT);
      return await startEveryoneCampaign(services.campaigns, 'Läckan i december');
    });
  });
  after(async () => {
    await sandbox?.cleanup();
  });

  it('lists the started campaign before the job has reached anyone', async () => {
    const listed = await sandbox.run(['campaigns', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^ID\s+STATUS\s+DEADLINE \(UTC\)\s+CHANGED\s+PENDING\s+LOCKED\s+TOTAL\s+TITLE$/);
    assert.deepEqual(rest, []);
    assert.match(
      row ?? '',
      new RegExp(`^${id}\\s+running\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+0\\s+0\\s+0\\s+0\\s+Läckan i december$`),
    );
    const none = await sandbox.run(['campaigns', 'list', '--status', 'completed']);
    assert.equal(none.stdout, 'No campaigns.\n');
  });

  it('run-once marks and notifies every account, in batches from the configuration; a second pass sends nothing more', async () => {
    const first = await sandbox.run(['campaigns', 'run-once']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`Marked must-change\\s+${COUNT}\\n`));
    assert.match(first.stdout, new RegExp(`Notified\\s+${COUNT}\\n`));
    const second = await sandbox.run(['campaigns', 'run-once']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Marked must-change\s+0\n/);
    assert.match(second.stdout, /Notified\s+0\n/);
    await withSandboxServices(sandbox, async (services) => {
      const batches = await services.store.listAudit({ type: 'campaign.members_marked', limit: 100 });
      assert.equal(batches.length, Math.ceil(COUNT / 5), 'batches of campaigns.batchSize');
      const mailed = (await services.outbox.read(1000)).map((m) => m.to).filter((to) => to.endsWith('@kommun.example'));
      assert.equal(mailed.length, COUNT);
      assert.equal(new Set(mailed).size, COUNT);
    });
  });

  it('show gives the settings and the progress, by department, as text and JSON', async () => {
    const shown = await sandbox.run(['campaigns', 'show', id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Title\s+Läckan i december$/m);
    assert.match(shown.stdout, /^Target\s+everyone$/m);
    assert.match(shown.stdout, new RegExp(`^Changed\\s+0 of ${COUNT}$`, 'm'));
    assert.match(shown.stdout, new RegExp(`^Pending\\s+${COUNT}$`, 'm'));
    for (const department of DEPARTMENTS)
      assert.match(shown.stdout, new RegExp(`^${department}\\s+0\\s+${COUNT / DEPARTMENTS.length}\\s+0\\s+`, 'm'));
    const json = await sandbox.run(['campaigns', 'show', id.toUpperCase(), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { id: string; progress: { pending: number; total: number }; departments: unknown[] };
    assert.equal(parsed.id, id);
    assert.deepEqual([parsed.progress.pending, parsed.progress.total], [COUNT, COUNT]);
    assert.equal(parsed.departments.length, DEPARTMENTS.length);
  });

  it('pending writes a CSV of everyone still to change (a new 0600 file), and the export is audited', async () => {
    const path = `${sandbox.dir}/pending.csv`;
    const exported = await sandbox.run(['campaigns', 'pending', id, '--output', path]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stderr, `Wrote ${COUNT} pending accounts to ${path}.\n`);
    const lines = (await readFile(path, 'utf8')).split('\r\n');
    assert.equal(lines[0], '\uFEFFusername,name,department,email');
    assert.equal(lines[1], `anst00001,Anställd 00001,${DEPARTMENTS[0]},anst00001@kommun.example`);
    assert.equal(lines.length, COUNT + 2, 'header, one line each, and the final line break');
    const again = await sandbox.run(['campaigns', 'pending', id, '--output', path]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cannot create .*pending\.csv: the file already exists \(choose a new name\)/);
    assert.equal((await readFile(path, 'utf8')).split('\r\n').length, COUNT + 2, 'the earlier file is untouched');
    await withSandboxServices(sandbox, async (services) => {
      const events = await services.store.listAudit({ type: 'campaign.pending_exported', limit: 10 });
      assert.equal(events.length, 1, 'the refused export wrote no event');
      assert.equal(events[0]?.actor, 'cli');
      assert.equal(events[0]?.subject, id);
    });
  });

  it('refuses a malformed id (usage, 2), an unknown one (1) and an unknown --status (2), saying what to do', async () => {
    const malformed = await sandbox.run(['campaigns', 'show', ')(uid=*']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /is not a campaign id; `nyckel campaigns list` shows them/);
    const unknown = await sandbox.run(['campaigns', 'pending', '00000000-0000-4000-8000-000000000000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no campaign with the id 00000000-0000-4000-8000-000000000000/);
    assert.equal(unknown.stdout, '', 'nothing written for an unknown campaign');
    const status = await sandbox.run(['campaigns', 'list', '--status', 'paused']);
    assert.equal(status.code, 2);
    assert.match(status.stderr, /--status must be one of draft, running, completed, cancelled, got 'paused'/);
    const missing = await sandbox.run(['campaigns', 'show']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing ID/);
  });

  it('run-once does nothing and exits 1 while another instance holds the lease', async () => {
    await withSandboxServices(sandbox, async (services) => {
      assert.equal(await new JobLock(services.store.db, 'campaigns', services.clock, 'other-instance').acquire(60_000), true);
    });
    const refused = await sandbox.run(['campaigns', 'run-once']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Another Nyckel instance is running the campaign job now/);
    assert.equal(refused.stdout, '');
  });

  it('a campaigns.batchSize out of range is a configuration error with its key', async () => {
    const bad = await makeCliSandbox('campaigns-bad', 'campaigns: { batchSize: 0 }');
    try {
      const result = await bad.run(['campaigns', 'list']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /campaigns\.batchSize/);
      assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
    } finally {
      await bad.cleanup();
    }
  });
});
