// Shared set-up for the SecurityInfoService tests (security-info-*.test.ts): the service end to
// end over a real store (SQLite file and real PostgreSQL), the embedded directory, the outbox
// messenger and a real secret box; time from a ManualClock. `securityInfoSuite` registers a
// file's tests once per store, each store with one fixture shared by the file's tests.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { type Config, configSchema } from '../config/schema.ts';
import type { DirectoryAccount } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { ManualClock } from '../domain/clock.ts';
import { NyckelError } from '../domain/errors.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { type OutboxEntry, OutboxMessenger } from '../messaging/outbox.ts';
import { createLogger } from '../observability/logger.ts';
import { SecretBox } from '../security/secret-box.ts';
import { migrateToLatest, openDatabase, type StoreTarget } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { SecurityInfoService } from './security-info-service.ts';

/** The outbox, plus a switch that makes the gateway fail as a real one would. */
export class SwitchableMessenger implements Messenger {
  failing = false;
  readonly outbox: OutboxMessenger;
  constructor(outbox: OutboxMessenger) {
    this.outbox = outbox;
  }
  async send(message: OutgoingMessage): Promise<void> {
    if (this.failing)
      throw new NyckelError('message_not_sent', 'gateway down', {
        detail: { channel: message.channel, provider: 'test', reason: 'server_error', attempts: 3 },
      });
    await this.outbox.send(message);
  }
  async to(target: string): Promise<OutboxEntry[]> {
    return (await this.outbox.read(1000)).filter((m) => m.to === target);
  }
  async lastCodeTo(target: string): Promise<string> {
    const [latest] = await this.to(target);
    const text = latest?.text ?? '';
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    assert.ok(code, `no code was sent to ${target}`);
    return code;
  }
}

export interface Fixture {
  clock: ManualClock;
  messenger: SwitchableMessenger;
  store: KyselyStore;
  directory: EmbeddedDirectory;
  box: SecretBox;
  service(overrides?: Record<string, unknown>): SecurityInfoService;
  newAccount(email?: string): Promise<DirectoryAccount>;
  cleanup(): Promise<void>;
}

let accountCounter = 0;

async function makeFixture(target: StoreTarget, dir: string, cleanupDb: () => Promise<void>): Promise<Fixture> {
  const open = openDatabase(target);
  await migrateToLatest(open);
  const store = new KyselyStore(open.db, open.dialect);
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const base = configSchema.parse({});
  const directory = new EmbeddedDirectory(open.db, base.directory.embedded, base.passwordPolicy, clock);
  const messenger = new SwitchableMessenger(new OutboxMessenger(join(dir, 'outbox.jsonl'), clock));
  const box = SecretBox.open({ kind: 'file', path: join(dir, 'secret-keys.json') });
  const logger = createLogger('silent');
  return {
    clock,
    messenger,
    store,
    directory,
    box,
    service(overrides = {}) {
      const config: Config = configSchema.parse({ organisation: { name: 'Eslövs kommun' }, ...overrides });
      return new SecurityInfoService({ db: open.db, dialect: open.dialect, store, directory, messenger, box, clock, logger, config });
    },
    async newAccount(email) {
      accountCounter++;
      return directory.createAccount({
        username: `user${accountCounter}`,
        displayName: `User ${accountCounter}`,
        email: email ?? `user${accountCounter}@kommun.example`,
      });
    },
    async cleanup() {
      await store.close();
      await cleanupDb();
    },
  };
}

export const ctx = { ip: '198.51.100.7', language: 'sv' as const };

const stores: [string, () => Promise<Fixture>][] = [
  [
    'SQLite',
    async () => {
      const dir = await makeTempDir('security-info-sqlite');
      return makeFixture({ driver: 'sqlite', path: join(dir.path, 'nyckel.db') }, dir.path, () => dir.cleanup());
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const dir = await makeTempDir('security-info-pg');
      const database = await usePostgres();
      return makeFixture({ driver: 'postgres', url: database.url, poolSize: 5 }, dir.path, async () => {
        await database.cleanup();
        await dir.cleanup();
      });
    },
  ],
];

/**
 * Registers `tests` as `SecurityInfoService on <store>` for every store. They share one fixture
 * per store, in order, as the tests of one file always have.
 */
export function securityInfoSuite(tests: (f: Fixture) => void): void {
  for (const [name, open] of stores) {
    describe(`SecurityInfoService on ${name}`, () => {
      // Registered now, filled in once the store is open (before the first test runs).
      const f = {} as Fixture;
      before(async () => {
        Object.assign(f, await open());
      });
      after(async () => {
        await f.cleanup();
      });
      tests(f);
    });
  }
}
