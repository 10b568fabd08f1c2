// Shared set-up for the campaign tests and the bench: a real store (SQLite file or PostgreSQL),
// the embedded directory with cheap argon2, accounts created in bulk without passwords (no
// hashing), a messenger that records what it sends, and the service and runner over them.

import { join } from 'node:path';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { type Config, type ConfigInput, configSchema } from '../config/schema.ts';
import type { DirectoryAccount } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { ManualClock } from '../domain/clock.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { migrateToLatest, openDatabase } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import type { CampaignActor, CampaignService } from './campaign.ts';
import { type CampaignEngineOptions, CampaignRunner } from './campaign-runner.ts';
import { StoreCampaignService } from './campaign-service.ts';

export const DEPARTMENTS = ['Socialförvaltningen', 'Skolförvaltningen', 'Kultur och fritid', 'Samhällsbyggnad'] as const;
export const ADMIN: CampaignActor = { accountId: 'admin-karin', username: 'karin.holm', ip: '127.0.0.1' };

export class RecordingMessenger implements Messenger {
  readonly sent: OutgoingMessage[] = [];
  async send(message: OutgoingMessage): Promise<void> {
    this.sent.push(message);
  }
}

export interface CampaignWorld {
  store: KyselyStore;
  directory: EmbeddedDirectory;
  clock: ManualClock;
  messenger: RecordingMessenger;
  logger: Logger;
  config: Config;
  service: StoreCampaignService;
  runner(options?: Partial<CampaignEngineOptions>): CampaignRunner;
  cleanup(): Promise<void>;
}

export function campaignTestConfig(dataDir = '/tmp'): Config {
  return configSchema.parse({
    dataDir,
    directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1, parallelism: 1 } } },
    server: { publicUrl: 'https://nyckel.kommun.example' },
    organisation: { name: 'Testkommun' },
  } as ConfigInput);
}

export async function openCampaignWorld(driver: 'sqlite' | 'postgres'): Promise<CampaignWorld> {
  const dir = await makeTempDir('campaigns');
  const pg = driver === 'postgres' ? await usePostgres() : null;
  const open =
    pg === null
      ? openDatabase({ driver: 'sqlite', path: join(dir.path, 'nyckel.db') })
      : openDatabase({ driver: 'postgres', url: pg.url, poolSize: 4 });
  await migrateToLatest(open);
  const store = new KyselyStore(open.db, open.dialect);
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const config = campaignTestConfig(dir.path);
  const directory = new EmbeddedDirectory(open.db, config.directory.embedded, config.passwordPolicy, clock);
  const logger = createLogger('silent');
  const messenger = new RecordingMessenger();
  const service = new StoreCampaignService({ store, directory, clock, logger });
  return {
    store,
    directory,
    clock,
    messenger,
    logger,
    config,
    service,
    runner: (options = {}) => new CampaignRunner({ store, directory, messenger, clock, logger, config }, { batchPauseMs: 0, ...options }),
    async cleanup() {
      await store.close();
      await pg?.cleanup();
      await dir.cleanup();
    },
  };
}

/** `count` accounts anst00001… in four departments, every third with a mobile; one import, no hashing. */
export async function seedAccounts(directory: EmbeddedDirectory, count: number, prefix = 'anst'): Promise<DirectoryAccount[]> {
  const rows = Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(5, '0');
    return {
      username: `${prefix}${n}`,
      email: `${prefix}${n}@kommun.example`,
      displayName: `Anställd ${n}`,
      department: DEPARTMENTS[i % DEPARTMENTS.length],
      ...(i % 3 === 0 ? { mobile: `+4670${String(1_000_000 + i).slice(-7)}` } : {}),
    };
  });
  for (let i = 0; i < rows.length; i += 5_000) await directory.importAccounts(rows.slice(i, i + 5_000));
  const accounts: DirectoryAccount[] = [];
  let cursor: string | null = null;
  do {
    const page = await directory.listAccounts({ pageSize: 500, cursor });
    accounts.push(...page.accounts.filter((a) => a.username.startsWith(prefix)));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return accounts;
}

/**
 * Creates and starts a campaign for everyone, by work e-mail, deadline in `days` days, no
 * deadline action (what most campaign tests need); returns its id.
 */
export async function startEveryoneCampaign(
  service: Pick<CampaignService, 'create' | 'start'>,
  title: string,
  options: { now?: Date; days?: number } = {},
): Promise<string> {
  const created = await service.create(
    {
      title,
      deadline: new Date((options.now ?? new Date()).getTime() + (options.days ?? 7) * 86_400_000),
      target: { kind: 'everyone' },
      channels: ['work_email'],
      deadlineAction: 'none',
    },
    ADMIN,
  );
  if (!created.ok) throw new Error(`the campaign was refused: ${JSON.stringify(created.errors)}`);
  if (!(await service.start(created.campaign.id, ADMIN))) throw new Error('the campaign did not start');
  return created.campaign.id;
}
