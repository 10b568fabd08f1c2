// A campaign job in a process of its own, for the crash-and-resume test: the parent kills it
// with SIGKILL part-way and starts it again. Arguments: the SQLite file, the outbox file, a log
// of requireChange calls (one account id per line, written synchronously after each call), the
// batch size, the pause between batches in ms, and the lease in ms. Exits 0 after one full pass.

import { appendFileSync } from 'node:fs';
import type { Directory } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { systemClock } from '../domain/clock.ts';
import { runCampaignsOnce } from '../jobs/campaign-job.ts';
import { OutboxMessenger } from '../messaging/outbox.ts';
import { createLogger } from '../observability/logger.ts';
import { openDatabase } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { campaignTestConfig } from './campaign.test-support.ts';

const [dbPath, outboxPath, callLog, batchSize, pauseMs, leaseMs] = process.argv.slice(2);
if (dbPath === undefined || outboxPath === undefined || callLog === undefined)
  throw new Error('usage: db outbox call-log batch pause lease');
const open = openDatabase({ driver: 'sqlite', path: dbPath });
const store = new KyselyStore(open.db, open.dialect);
const config = campaignTestConfig();
const embedded = new EmbeddedDirectory(open.db, config.directory.embedded, config.passwordPolicy, systemClock);
const directory = new Proxy(embedded, {
  get(target, property, receiver) {
    if (property === 'requireChange') {
      return async (id: string) => {
        await target.requireChange(id);
        appendFileSync(callLog, `${id}\n`);
      };
    }
    const value = Reflect.get(target, property, receiver);
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as Directory;
const result = await runCampaignsOnce(
  { store, directory, messenger: new OutboxMessenger(outboxPath, systemClock), clock: systemClock, logger: createLogger('silent'), config },
  { engine: { batchSize: Number(batchSize), batchPauseMs: Number(pauseMs) }, leaseMs: Number(leaseMs) },
);
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
