// A campaign killed mid-way and resumed: each account marked must-change and notified exactly
// once. First for real — the job in a child process, SIGKILLed after some batches, then started
// again once its lease runs out — and then with crashes injected between each pair of steps
// (after the directory write, before it, after a message left), resumed in-process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import type { Directory } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { systemClock } from '../domain/clock.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { createLogger } from '../observability/logger.ts';
import { migrateToLatest, openDatabase } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { type CampaignWorld, campaignTestConfig, openCampaignWorld, seedAccounts, startEveryoneCampaign } from './campaign.test-support.ts';
import { CampaignRunner } from './campaign-runner.ts';
import { StoreCampaignService } from './campaign-service.ts';

const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const childScript = fileURLToPath(new URL('./campaign-child.test-support.ts', import.meta.url));

function lines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

function countBy<T>(items: T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const item of items) out.set(item, (out.get(item) ?? 0) + 1);
  return out;
}

describe('a campaign killed with SIGKILL mid-way and resumed in a new process', () => {
  const COUNT = 400;
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let store: KyselyStore;

  before(async () => {
    dir = await makeTempDir('campaign-resume');
  });
  after(async () => {
    await store?.close();
    await dir?.cleanup();
  });

  it('marks and notifies every account once', { timeout: 120_000 }, async () => {
    const dbPath = join(dir.path, 'nyckel.db');
    const outbox = join(dir.path, 'outbox.jsonl');
    const calls = join(dir.path, 'calls.log');
    const open = openDatabase({ driver: 'sqlite', path: dbPath });
    await migrateToLatest(open);
    store = new KyselyStore(open.db, open.dialect);
    const config = campaignTestConfig(dir.path);
    const directory = new EmbeddedDirectory(open.db, config.directory.embedded, config.passwordPolicy, systemClock);
    const accounts = await seedAccounts(directory, COUNT);
    const service = new StoreCampaignService({ store, directory, clock: systemClock, logger: createLogger('silent') });
    const campaignId = await startEveryoneCampaign(service, 'Avbruten');

    const runChild = () =>
      spawn(
        process.execPath,
        // Batches of 20, 60 ms apart (≥ 1.2 s in all, so the kill lands mid-way even on a loaded machine); a 10-minute lease.
        ['--disable-warning=ExperimentalWarning', '--import', tsxLoader, childScript, dbPath, outbox, calls, '20', '60', '600000'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    const first = runChild();
    let stderr = '';
    first.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const exited = once(first, 'exit');
    // Kill it once a good part (but not all) has been notified.
    const deadline = Date.now() + 60_000;
    while (lines(outbox).length < 120) {
      if (Date.now() > deadline || first.exitCode !== null) assert.fail(`the child did not get going: ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    first.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL');
    const atKill = await service.progress(campaignId);
    assert.ok(atKill.notified < COUNT, `killed mid-way (notified ${atKill.notified} of ${COUNT})`);
    assert.ok(lines(outbox).length < COUNT);

    // A second process right away finds the lease taken and does nothing.
    const blocked = runChild();
    let blockedOut = '';
    blocked.stdout.setEncoding('utf8').on('data', (c: string) => {
      blockedOut += c;
    });
    await once(blocked, 'exit');
    assert.equal(blockedOut.trim(), 'null', "the dead holder's lease is still running");
    // Once the lease has run out, a new process takes over and finishes. The lease is long, so no
    // process start-up on a busy machine outlasts it; its end is brought forward here instead.
    const expired = await store.db
      .updateTable('job_locks')
      .set({ expires_at: Date.now() - 1 })
      .where('name', '=', 'campaigns')
      .executeTakeFirst();
    assert.equal(Number(expired.numUpdatedRows), 1, "the dead holder's lease was there to run out");
    const second = runChild();
    let out = '';
    second.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    const [code] = (await once(second, 'exit')) as [number | null];
    assert.equal(code, 0, out);
    assert.notEqual(out.trim(), 'null');

    const progress = await service.progress(campaignId);
    assert.equal(progress.total, COUNT);
    assert.equal(progress.marked, COUNT);
    assert.equal(progress.notified, COUNT);
    const flagged = await store.db.selectFrom('accounts').select('id').where('must_change', '=', 1).execute();
    assert.equal(flagged.length, COUNT, 'every account is must-change');
    // requireChange: never twice for an account.
    const callCounts = countBy(lines(calls));
    assert.ok(
      [...callCounts.values()].every((n) => n === 1),
      'no account marked twice',
    );
    assert.ok(callCounts.size >= COUNT - 1, `marked: ${callCounts.size}`);
    // Messages: never twice; the only account possibly without one is the one whose send was under way at the kill (recorded as unknown).
    const sent = countBy(lines(outbox).map((l) => (JSON.parse(l) as OutgoingMessage).to));
    assert.ok(
      [...sent.values()].every((n) => n === 1),
      'nobody notified twice',
    );
    const unknown = await store.db.selectFrom('campaign_members').select('account_id').where('notify_outcome', '=', 'unknown').execute();
    assert.ok(unknown.length <= 1);
    // The send under way at the kill may have reached the outbox before its outcome was recorded: at most once either way.
    assert.ok(sent.size >= COUNT - unknown.length && sent.size <= COUNT, `sent to ${sent.size} of ${COUNT}, ${unknown.length} unknown`);
    for (const a of accounts) if (!unknown.some((u) => u.account_id === a.id)) assert.equal(sent.get(a.email as string), 1, a.username);
  });
});

/** A crash: not a NyckelError, so it stops the pass as a dying process would. */
class Crash extends Error {}

describe('crashes injected between the steps, resumed', () => {
  const COUNT = 60;
  let w: CampaignWorld;
  let campaignId: string;
  let calls: string[];
  before(async () => {
    w = await openCampaignWorld('sqlite');
    await seedAccounts(w.directory, COUNT);
    campaignId = await startEveryoneCampaign(w.service, 'Krascher', { now: w.clock.now() });
    calls = [];
  });
  after(async () => {
    await w?.cleanup();
  });

  /** The embedded directory, counting requireChange calls, crashing on the nth call to `method` (before or after the real call). */
  function crashing(method: 'requireChange' | 'readState' | null, nth: number, when: 'before' | 'after'): Directory {
    let n = 0;
    return new Proxy(w.directory, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const hit = property === method && ++n === nth;
          if (hit && when === 'before') throw new Crash('crash before the directory call');
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (property === 'requireChange') calls.push(args[0] as string);
          if (hit) throw new Crash('crash after the directory call');
          return result;
        };
      },
    });
  }

  function runner(directory: Directory, messenger: Messenger) {
    return new CampaignRunner(
      { store: w.store, directory, messenger, clock: w.clock, logger: w.logger, config: w.config },
      { batchSize: 10, batchPauseMs: 0 },
    );
  }

  it('resumes after crashes after a mark, before a mark and after a send, marking and notifying each once', async () => {
    // 1: dies right after the directory set must-change for the 5th account (before the store knew).
    await assert.rejects(runner(crashing('requireChange', 5, 'after'), w.messenger).runOnce(), Crash);
    // 2: dies after claiming the next member, before the directory was asked.
    await assert.rejects(runner(crashing('readState', 2, 'before'), w.messenger).runOnce(), Crash);
    // 3: dies after a message left, before the store recorded it.
    let sends = 0;
    const dying: Messenger = {
      async send(message) {
        await w.messenger.send(message);
        if (++sends === 3) throw new Crash('crash after sending');
      },
    };
    await assert.rejects(runner(crashing(null, 0, 'after'), dying).runOnce(), Crash);
    const stuck = await w.store.db.selectFrom('campaign_members').select('state').where('state', 'in', ['marking', 'notifying']).execute();
    assert.ok(stuck.length >= 1, 'the crashes left steps half-done');
    // Resume with a healthy directory and messenger.
    await runner(crashing(null, 0, 'after'), w.messenger).runOnce();
    const p = await w.service.progress(campaignId);
    assert.equal(p.marked, COUNT);
    assert.equal(p.notified, COUNT);
    const perAccount = countBy(calls);
    assert.equal(perAccount.size, COUNT);
    assert.ok(
      [...perAccount.values()].every((n) => n === 1),
      'requireChange once per account',
    );
    const perRecipient = countBy(w.messenger.sent.map((m) => m.to));
    assert.equal(perRecipient.size, COUNT);
    assert.ok(
      [...perRecipient.values()].every((n) => n === 1),
      'one notice per account',
    );
    // The member whose send was interrupted is recorded as unknown, not sent again.
    const unknown = await w.store.db.selectFrom('campaign_members').select('account_id').where('notify_outcome', '=', 'unknown').execute();
    assert.equal(unknown.length, 1);
  });
});
