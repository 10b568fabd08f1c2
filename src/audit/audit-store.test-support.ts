// Opens fresh, migrated stores for the audit tests on both backends: a SQLite file and a real
// PostgreSQL database, each with a way to open a second instance on the same database.

import { join } from 'node:path';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { migrateToLatest, openDatabase, type StoreTarget } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';

export interface AuditTestDatabase {
  target: StoreTarget;
  open(): Promise<KyselyStore>;
  cleanup(): Promise<void>;
}

export const auditBackends: Array<{ name: string; create(): Promise<AuditTestDatabase> }> = [
  {
    name: 'SQLite',
    async create() {
      const dir = await makeTempDir('audit-sqlite');
      const target: StoreTarget = { driver: 'sqlite', path: join(dir.path, 'nyckel.db') };
      return { target, open: () => openMigrated(target), cleanup: () => dir.cleanup() };
    },
  },
  {
    name: 'PostgreSQL',
    async create() {
      const database = await usePostgres();
      const target: StoreTarget = { driver: 'postgres', url: database.url, poolSize: 10 };
      return { target, open: () => openMigrated(target), cleanup: () => database.cleanup() };
    },
  },
];

async function openMigrated(target: StoreTarget): Promise<KyselyStore> {
  const open = openDatabase(target);
  await migrateToLatest(open);
  return new KyselyStore(open.db, open.dialect);
}
