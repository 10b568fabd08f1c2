// Campaign bench: a leak-response campaign over 10,000 accounts on the embedded default (SQLite,
// the embedded directory, messages to the outbox file), through the real services and the job's
// pass under its lease. Prints the time from start() to everyone marked and notified with the
// default rate limit (batches of 100, 200 ms apart) and without pauses, the peak RSS and heap,
// and how long the pages' queries take (progress, by department, the pending list as CSV).
// Target: start to all marked within 2 minutes at the default rate; page queries under 200 ms.
// Not a test: `npm run bench -- campaign` runs it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../src/app/services.ts';
import type { CampaignEngineOptions } from '../src/campaigns/campaign-runner.ts';
import { configSchema } from '../src/config/schema.ts';
import { runCampaignsOnce } from '../src/jobs/campaign-job.ts';
import { createLogger } from '../src/observability/logger.ts';

const COUNT = Number(process.env.BENCH_CAMPAIGN_ACCOUNTS ?? 10_000);
const DEPARTMENTS = ['Socialförvaltningen', 'Skolförvaltningen', 'Kultur och fritid', 'Samhällsbyggnad', 'Kommunledningen'];
const ADMIN = { accountId: 'bench-admin', username: 'bench.admin', ip: null };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 50);

async function openServices(dir: string): Promise<Services> {
  const config = configSchema.parse({ dataDir: dir, server: { publicUrl: 'https://nyckel.kommun.example' }, log: { level: 'warn' } });
  return await createServices(config, { logger: createLogger('warn') });
}

async function seed(services: Services): Promise<void> {
  const embedded = services.embeddedDirectory;
  if (embedded === null) throw new Error('the bench needs the embedded directory');
  const rows = Array.from({ length: COUNT }, (_, i) => {
    const n = String(i + 1).padStart(6, '0');
    return {
      username: `anst${n}`,
      email: `anst${n}@kommun.example`,
      displayName: `Anställd ${n}`,
      department: DEPARTMENTS[i % DEPARTMENTS.length],
      ...(i % 2 === 0 ? { mobile: `+4670${String(1_000_000 + i).slice(-7)}` } : {}),
    };
  });
  for (let i = 0; i < rows.length; i += 5_000) await embedded.importAccounts(rows.slice(i, i + 5_000));
}

async function campaignRun(label: string, engine: Partial<CampaignEngineOptions>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nyckel-campaign-bench-'));
  const services = await openServices(dir);
  try {
    const seeded = performance.now();
    await seed(services);
    process.stdout.write(`${label}: ${COUNT} accounts imported in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`);
    const created = await services.campaigns.create(
      {
        title: 'Bench',
        deadline: new Date(Date.now() + 7 * 86_400_000),
        target: { kind: 'everyone' },
        channels: ['email', 'work_email', 'sms'],
        reminderDaysBefore: [3, 1],
        deadlineAction: 'block_sign_in',
      },
      ADMIN,
    );
    if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.errors)}`);
    const base = process.memoryUsage();
    process.stdout.write(`${label}: before start: RSS ${mb(base.rss)}, heap ${mb(base.heapUsed)}\n`);
    peakRss = 0;
    peakHeap = 0;
    const started = performance.now();
    await services.campaigns.start(created.campaign.id, ADMIN);
    const result = await runCampaignsOnce(services, { engine });
    const seconds = (performance.now() - started) / 1000;
    const progress = await services.campaigns.progress(created.campaign.id);
    if (progress.marked !== COUNT || progress.notified !== COUNT) throw new Error(`not everyone was marked: ${JSON.stringify(progress)}`);
    process.stdout.write(
      `${label}: start to all ${COUNT} marked and notified in ${seconds.toFixed(1)} s (${Math.round(COUNT / seconds)} accounts/s); ` +
        `messages ${result?.notified ?? 0} notified; peak RSS ${mb(peakRss)}, peak heap ${mb(peakHeap)}\n`,
    );
    const timed = async (name: string, work: () => Promise<unknown>) => {
      const t = performance.now();
      await work();
      process.stdout.write(`${label}:   ${name}: ${(performance.now() - t).toFixed(0)} ms\n`);
    };
    await timed('progress()', () => services.campaigns.progress(created.campaign.id));
    await timed('progressByDepartment()', () => services.campaigns.progressByDepartment(created.campaign.id));
    await timed('pendingPage(100)', () => services.campaigns.pendingPage(created.campaign.id, { pageSize: 100 }));
    await timed('pending() as CSV, all rows', async () => {
      let csv = 0;
      for await (const m of services.campaigns.pending(created.campaign.id)) csv += `${m.username},${m.department ?? ''}\n`.length;
      return csv;
    });
  } finally {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await campaignRun('default rate (100 per batch, 200 ms pause)', {});
await campaignRun('no pause (raw throughput)', { batchPauseMs: 0 });
clearInterval(sampler);
