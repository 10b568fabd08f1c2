// `nyckel migrate`: brings the store's tables up to date and says which migrations ran.
// `serve` migrates on start too; this command lets an operator do it first, for example
// before rolling out several instances against one PostgreSQL database.

import { createServices } from '../app/services.ts';
import { createLogger } from '../observability/logger.ts';
import { migrateToLatest } from '../store/database.ts';
import { CLI_ACTOR, loadCliConfig } from './cli-services.ts';
import { type Command, type CommandHelp, EXIT_OK, parseCommandLine } from './command-line.ts';

const help: CommandHelp = {
  name: 'migrate',
  summary: 'create or update the database tables',
  usage: ['migrate [--config FILE]'],
  notes: ['Safe to run more than once: migrations that already ran are skipped.'],
  examples: ['nyckel migrate', 'NYCKEL_STORE__DRIVER=postgres NYCKEL_STORE__POSTGRES__URL_FILE=/run/secrets/pg nyckel migrate'],
};

export const migrateCommand: Command = {
  help,
  async run(args, context) {
    if (parseCommandLine(args, context, help, {}, { min: 0, max: 0 }) === null) return EXIT_OK;
    const { config } = loadCliConfig(context);
    const logger = createLogger(config.log.level === 'silent' ? 'silent' : 'warn', context.io.stderr);
    const services = await createServices(config, { logger, skipMigrations: true });
    try {
      const report = await migrateToLatest({ db: services.store.db, dialect: services.store.dialect });
      const out = context.io.stdout;
      if (report.applied.length === 0) {
        out.write(`The database (${services.store.dialect}) is up to date; no migrations to apply.\n`);
        return EXIT_OK;
      }
      await services.store.appendAudit(
        { type: 'store.migrated', actor: CLI_ACTOR, outcome: 'success', detail: { applied: report.applied } },
        services.clock.now(),
      );
      out.write(`Applied ${report.applied.length} migration${report.applied.length === 1 ? '' : 's'} (${services.store.dialect}):\n`);
      for (const name of report.applied) out.write(`  ${name}\n`);
      return EXIT_OK;
    } finally {
      await services.close();
    }
  },
};
