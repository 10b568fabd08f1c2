// Runs the Store contract against both backends: a SQLite file and a real PostgreSQL
// (a fresh database per suite on the throwaway cluster from test/support/postgres.ts).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { isNyckelError } from '../domain/errors.ts';
import { migrateToLatest, openDatabase, type StoreTarget } from './database.ts';
import { KyselyStore } from './kysely-store.ts';
import { storeContract } from './store.contract.ts';

async function openStore(target: StoreTarget): Promise<KyselyStore> {
  const open = openDatabase(target);
  await migrateToLatest(open);
  return new KyselyStore(open.db, open.dialect);
}

storeContract('SQLite', async () => {
  const dir = await makeTempDir('store-sqlite');
  const target: StoreTarget = { driver: 'sqlite', path: join(dir.path, 'nyckel.db') };
  return {
    store: await openStore(target),
    openSibling: () => openStore(target),
    cleanup: () => dir.cleanup(),
  };
});

storeContract('PostgreSQL', async () => {
  const database = await usePostgres();
  const target: StoreTarget = { driver: 'postgres', url: database.url, poolSize: 10 };
  return {
    store: await openStore(target),
    openSibling: () => openStore(target),
    cleanup: () => database.cleanup(),
  };
});

describe('KyselyStore on an unreachable PostgreSQL', () => {
  it('ping reports store_unavailable without the connection details leaking a password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const open = openDatabase({ driver: 'postgres', url: 'postgres://nyckel:s3cret-pw@127.0.0.1:1/nyckel' });
    const store = new KyselyStore(open.db, open.dialect);
    try {
      await assert.rejects(store.ping(), (error: unknown) => {
        assert.ok(isNyckelError(error, 'store_unavailable'), `got ${String(error)}`);
        assert.doesNotMatch(error.message, /s3cret-pw/);
        return true;
      });
    } finally {
      await store.close();
    }
  });
});
