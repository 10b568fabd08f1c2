// The ordered list of migrations. Add a file, append it here; never edit a released one.

import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001-foundation.ts';
import * as m0002 from './0002-directory-password-history.ts';
import * as m0003 from './0003-security-info.ts';
import * as m0004 from './0004-reset-flows.ts';
import * as m0005 from './0005-webauthn-challenges.ts';
import * as m0006 from './0006-audit-chain.ts';
import * as m0007 from './0007-account-groups.ts';
import * as m0008 from './0008-campaigns.ts';
import * as m0009 from './0009-expiry-reminders.ts';
import * as m0010 from './0010-campaign-directory-lock.ts';

export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
}

interface MigrationModule {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}

const migrations: Record<string, MigrationModule> = {
  '0001-foundation': m0001,
  '0002-directory-password-history': m0002,
  '0003-security-info': m0003,
  '0004-reset-flows': m0004,
  '0005-webauthn-challenges': m0005,
  '0006-audit-chain': m0006,
  '0007-account-groups': m0007,
  '0008-campaigns': m0008,
  '0009-expiry-reminders': m0009,
  '0010-campaign-directory-lock': m0010,
};

export function migrationProvider(ctx: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        const down = m.down;
        out[name] = {
          up: (db) => m.up(db, ctx),
          ...(down ? { down: (db: Kysely<unknown>) => down(db, ctx) } : {}),
        };
      }
      return out;
    },
  };
}
