// Opens the store's database (SQLite file or PostgreSQL pool) as a Kysely instance and runs
// migrations. Everything above this file is dialect-free.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { NyckelError } from '../domain/errors.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { NodeSqliteDatabase, registerSqliteHandle } from './sqlite-connection.ts';

export type StoreTarget = { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string; poolSize?: number };

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

// PostgreSQL returns int8 (bigint) as strings by default; our bigints are millisecond
// timestamps and counters, well inside Number.MAX_SAFE_INTEGER.
pg.types.setTypeParser(20, (value: string) => Number.parseInt(value, 10));

export function openDatabase(target: StoreTarget): OpenDatabase {
  if (target.driver === 'sqlite') {
    const path = target.path;
    if (path !== ':memory:') ensureWritableDirectory(dirname(path));
    let database: NodeSqliteDatabase;
    try {
      database = new NodeSqliteDatabase(path);
    } catch (error) {
      throw new NyckelError('store_not_writable', `cannot open the SQLite database ${path}: ${(error as Error).message}`, { cause: error });
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    registerSqliteHandle(db, database);
    return { db, dialect: 'sqlite' };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

/** Resolves the SQLite path: relative paths live under dataDir. */
export function sqlitePath(dataDir: string, path: string): string {
  if (path === ':memory:') return path;
  return isAbsolute(path) ? path : resolve(dataDir, path);
}

export function ensureWritableDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new NyckelError(
      'store_not_writable',
      `the data directory ${resolve(dir)} cannot be written (${code}); make it writable for the user running Nyckel or set dataDir to another folder`,
      { cause: error },
    );
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(open: OpenDatabase): Promise<MigrationReport> {
  const migrator = new Migrator({ db: open.db, provider: migrationProvider({ dialect: open.dialect }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new NyckelError('store_unavailable', `database migration failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
