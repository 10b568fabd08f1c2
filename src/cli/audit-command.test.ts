// `nyckel audit export` and `nyckel audit verify` through the real CLI (a child process) on a
// SQLite sandbox and on a real PostgreSQL: export → verify of the file, and tampering in the
// database and in the file found and named.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { usePostgres } from '../../test/support/postgres.ts';
import { createServices, type Services } from '../app/services.ts';
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../observability/logger.ts';
import { type CliSandbox, makeCliSandbox } from './cli-test-harness.ts';

async function openServices(sandbox: CliSandbox): Promise<Services> {
  const { config } = loadConfig({ file: sandbox.configPath, env: {} });
  return createServices(config, { logger: createLogger('silent') });
}

const backends: Array<{ name: string; sandbox(): Promise<{ sandbox: CliSandbox; cleanup(): Promise<void> }> }> = [
  {
    name: 'SQLite',
    async sandbox() {
      const sandbox = await makeCliSandbox('audit-sqlite');
      return { sandbox, cleanup: () => sandbox.cleanup() };
    },
  },
  {
    name: 'PostgreSQL',
    async sandbox() {
      const database = await usePostgres();
      const sandbox = await makeCliSandbox('audit-pg', `store: { driver: postgres, postgres: { url: ${JSON.stringify(database.url)} } }`);
      return {
        sandbox,
        async cleanup() {
          await sandbox.cleanup();
          await database.cleanup();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`nyckel audit on ${backend.name}`, () => {
    let sandbox: CliSandbox;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ sandbox, cleanup } = await backend.sandbox());
      const services = await openServices(sandbox);
      try {
        for (let i = 1; i <= 30; i++) {
          const at = new Date(Date.UTC(2026, 2, 1 + Math.floor(i / 10), 8, 0, i));
          await services.store.appendAudit(
            {
              type: 'reset.completed',
              actor: `user${i}`,
              subject: `user${i}`,
              ip: '192.0.2.7',
              outcome: 'success',
              detail: { n: i, note: 'å "quoted"\nline' },
            },
            at,
          );
        }
      } finally {
        await services.close();
      }
    });
    after(async () => {
      await cleanup();
    });

    it('verifies the intact chain in the database', async () => {
      const result = await sandbox.run(['audit', 'verify']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Audit chain intact in the database: \d+ events, the last is event \d+ with hash [0-9a-f]{64}\./);
    });

    it('exports JSON lines to a file, verifies the file, and never overwrites it', async () => {
      const file = join(sandbox.dir, 'export.jsonl');
      const exported = await sandbox.run(['audit', 'export', '--output', file]);
      assert.equal(exported.code, 0, exported.stderr);
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      assert.ok(lines.length >= 30);
      const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
      assert.deepEqual(Object.keys(first), ['id', 'at', 'type', 'actor', 'subject', 'ip', 'outcome', 'detail', 'prevHash', 'hash']);
      assert.equal(first.prevHash, '0'.repeat(64));
      assert.match(exported.stderr, new RegExp(`Exported ${lines.length} audit events`));

      const verified = await sandbox.run(['audit', 'verify', '--file', file]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, new RegExp(`intact in ${file.replaceAll('.', '\\.')}: ${lines.length} events`));

      const again = await sandbox.run(['audit', 'export', '--output', file]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
      assert.equal((await readFile(file, 'utf8')).trimEnd().split('\n').length, lines.length, 'the earlier export is untouched');
    });

    it('exports from a date to standard output, and that partial export verifies too', async () => {
      const result = await sandbox.run(['audit', 'export', '--since', '2026-03-03']);
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { at: string; subject: string });
      assert.equal(events.length, 11, 'events 20 to 30 are on or after 3 March');
      assert.ok(events.every((e) => e.at >= '2026-03-03'));
      const file = await sandbox.file('since.jsonl', result.stdout);
      const verified = await sandbox.run(['audit', 'verify', '--file', file]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, /starts after the first event/);

      const bad = await sandbox.run(['audit', 'export', '--since', 'last tuesday']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--since must be a date such as 2026-03-01/);
    });

    it('finds a changed, a removed and a reordered event in an exported file', async () => {
      const exported = await sandbox.run(['audit', 'export']);
      assert.equal(exported.code, 0, exported.stderr);
      const lines = exported.stdout.trimEnd().split('\n');
      const idOf = (i: number) => (JSON.parse(lines[i] as string) as { id: number }).id;

      const changed = [...lines];
      changed[4] = (changed[4] as string).replace('"outcome":"success"', '"outcome":"failure"');
      const c = await sandbox.run(['audit', 'verify', '--file', await sandbox.file('changed.jsonl', changed.join('\n'))]);
      assert.equal(c.code, 1);
      assert.match(c.stderr, new RegExp(`BROKEN .* at event ${idOf(4)} \\(changed\\)`));

      const removed = lines.filter((_, i) => i !== 6);
      const r = await sandbox.run(['audit', 'verify', '--file', await sandbox.file('removed.jsonl', removed.join('\n'))]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`at event ${idOf(7)} \\(removed_or_reordered\\): event ${idOf(7)} does not follow event ${idOf(5)}`),
      );

      const swapped = [...lines];
      [swapped[8], swapped[9]] = [swapped[9] as string, swapped[8] as string];
      const s = await sandbox.run(['audit', 'verify', '--file', await sandbox.file('swapped.jsonl', swapped.join('\n'))]);
      assert.equal(s.code, 1);
      // The first line out of place is the later event, now standing where the earlier one was.
      assert.match(
        s.stderr,
        new RegExp(`at event ${idOf(9)} \\(removed_or_reordered\\): event ${idOf(9)} does not follow event ${idOf(7)}`),
      );

      const garbage = await sandbox.run(['audit', 'verify', '--file', await sandbox.file('garbage.jsonl', `${lines[0]}\nnot json\n`)]);
      assert.equal(garbage.code, 1);
      assert.match(garbage.stderr, /is not an audit export: line 2: not valid JSON/);
      const missing = await sandbox.run(['audit', 'verify', '--file', join(sandbox.dir, 'nope.jsonl')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read .*nope\.jsonl: no such file or folder/);
    });

    it('finds a changed event in the database and names it', async () => {
      const services = await openServices(sandbox);
      try {
        await sql`update audit_events set detail = ${'{"n":1000}'} where id = ${12}`.execute(services.store.db);
      } finally {
        await services.close();
      }
      const result = await sandbox.run(['audit', 'verify']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Audit chain BROKEN in the database at event 12 \(changed\): event 12 was changed/);
      // Writing the export afterwards does not launder it: the exported file fails the same way.
      const exported = await sandbox.run(['audit', 'export']);
      const file = join(sandbox.dir, 'after-tamper.jsonl');
      await writeFile(file, exported.stdout);
      const fromFile = await sandbox.run(['audit', 'verify', '--file', file]);
      assert.equal(fromFile.code, 1);
      assert.match(fromFile.stderr, /at event 12 \(changed\)/);
    });
  });
}
