// Shared set-up for the embedded directory's tests: the two backends (a SQLite file and a real
// PostgreSQL), settings with cheap argon2, the test passwords, and describeOnEachBackend, which
// opens one database per backend for a file's tests and gives them account helpers.

import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Kysely } from 'kysely';
import { usePostgres } from '../../../test/support/postgres.ts';
import { makeTempDir } from '../../../test/support/temp-dir.ts';
import { type ConfigInput, configSchema } from '../../config/schema.ts';
import type { ManualClock } from '../../domain/clock.ts';
import { migrateToLatest, type OpenDatabase, openDatabase } from '../../store/database.ts';
import type { Database } from '../../store/schema.ts';
import type { DirectoryAccount } from '../directory.ts';
import { EmbeddedDirectory } from './embedded-directory.ts';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
// Cheap argon2 for speed; one test uses the real defaults.
const cheapArgon2 = { memoryKiB: 8192, iterations: 1, parallelism: 1 };

export const P1 = 'Första-lösenordet-1';
export const P2 = 'Andra-lösenordet-22';
export const P3 = 'Tredje-lösenordet-333';
export const P4 = 'Fjärde-lösenordet-4444';
export const WRONG = 'fel-fel-fel-fel-fel';

export interface Backend {
  name: string;
  open(): Promise<{ open: OpenDatabase; cleanup(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = await makeTempDir('embedded-directory');
      const open = openDatabase({ driver: 'sqlite', path: join(dir.path, 'nyckel.db') });
      await migrateToLatest(open);
      return {
        open,
        async cleanup() {
          await open.db.destroy();
          await dir.cleanup();
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = await usePostgres();
      const open = openDatabase({ driver: 'postgres', url: database.url, poolSize: 4 });
      await migrateToLatest(open);
      return {
        open,
        async cleanup() {
          await open.db.destroy();
          await database.cleanup();
        },
      };
    },
  },
];

function settingsFor(input: { embedded?: Record<string, unknown>; policy?: Record<string, unknown> } = {}) {
  const config = configSchema.parse({
    directory: { embedded: { argon2: cheapArgon2, ...input.embedded } },
    passwordPolicy: input.policy ?? {},
  } as ConfigInput);
  return { embedded: config.directory.embedded, policy: config.passwordPolicy };
}

export function makeDirectory(db: Kysely<Database>, clock: ManualClock, input: Parameters<typeof settingsFor>[0] = {}): EmbeddedDirectory {
  const { embedded, policy } = settingsFor(input);
  return new EmbeddedDirectory(db, embedded, policy, clock);
}

/** What describeOnEachBackend gives a file's tests. */
export interface BackendFixture {
  readonly backend: Backend;
  /** The backend's database, opened before the first test and closed after the last. */
  readonly db: Kysely<Database>;
  /** A name no other account in this database has: `${prefix}${n}`. */
  unique(prefix?: string): string;
  /** A fresh account with password P1, another password, or none (null). */
  newAccount(directory: EmbeddedDirectory, password?: string | null): Promise<DirectoryAccount>;
  storedHash(id: string): Promise<string | null>;
}

/** Runs `body` once per backend, inside `describe('embedded directory on <backend>')`. */
export function describeOnEachBackend(body: (fixture: BackendFixture) => void): void {
  for (const backend of backends) {
    describe(`embedded directory on ${backend.name}`, () => {
      let db: Kysely<Database> | undefined;
      let cleanup: () => Promise<void>;
      let serial = 0;

      before(async () => {
        const opened = await backend.open();
        db = opened.open.db;
        cleanup = opened.cleanup;
      });
      after(async () => {
        await cleanup?.();
      });

      const fixture: BackendFixture = {
        backend,
        get db() {
          if (db === undefined) throw new Error('the database is opened in before(); use it inside a test');
          return db;
        },
        unique: (prefix = 'user') => `${prefix}${++serial}`,
        async newAccount(directory, password = P1) {
          const username = fixture.unique();
          const account = await directory.createAccount(
            { username, email: `${username}@kommun.se`, displayName: `Test ${username}` },
            password ?? undefined,
          );
          return account;
        },
        async storedHash(id) {
          const row = await fixture.db.selectFrom('accounts').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
          return row.password_hash;
        },
      };
      body(fixture);
    });
  }
}
