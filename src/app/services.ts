// Builds the running service's parts from the configuration: store, directory, messenger,
// clock, logger. The web app and the CLI both start from here.

import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Directory } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { type Clock, systemClock } from '../domain/clock.ts';
import { OutboxMessenger } from '../messaging/outbox.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { migrateToLatest, openDatabase, sqlitePath } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import type { Store } from '../store/store.ts';

export interface Services {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  directory: Directory;
  /** Present when directory.type is embedded: account management for the CLI and the demo. */
  embeddedDirectory: EmbeddedDirectory | null;
  outbox: OutboxMessenger;
  close(): Promise<void>;
}

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** Skip migrations (tests that migrate themselves). Default false. */
  skipMigrations?: boolean;
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const dataDir = resolve(config.dataDir);
  const open =
    config.store.driver === 'sqlite'
      ? openDatabase({ driver: 'sqlite', path: sqlitePath(dataDir, config.store.sqlite.path) })
      : openDatabase({ driver: 'postgres', url: config.store.postgres.url as string, poolSize: config.store.postgres.poolSize });
  if (!options.skipMigrations) {
    try {
      await migrateToLatest(open);
    } catch (error) {
      await open.db.destroy();
      throw error;
    }
  }
  const store = new KyselyStore(open.db, open.dialect);
  const embeddedDirectory = new EmbeddedDirectory(open.db, config.directory.embedded, config.passwordPolicy, clock);
  const directory: Directory = embeddedDirectory;
  const outbox = new OutboxMessenger(resolve(dataDir, config.messaging.outbox.path), clock);
  return {
    config,
    clock,
    logger,
    store,
    directory,
    embeddedDirectory,
    outbox,
    async close() {
      await directory.close();
      await store.close();
    },
  };
}
