// How a CLI command gets its configuration and services: --config (else NYCKEL_CONFIG, else the
// built-in embedded default), services built once and always closed, logs to standard error
// so standard output stays clean for tables and --json.

import { createServices, type Services } from '../app/services.ts';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import type { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { createLogger } from '../observability/logger.ts';
import { type CommandContext, CommandFailed } from './command-line.ts';

/** Who CLI changes are attributed to in the audit log. */
export const CLI_ACTOR = 'cli';

export function loadCliConfig(context: CommandContext): LoadedConfig {
  return loadConfig({ file: context.configFile, env: context.io.env });
}

/** Builds the services, runs `work`, and closes them whatever happens. */
export async function withServices<T>(context: CommandContext, work: (services: Services) => Promise<T>): Promise<T> {
  const { config } = loadCliConfig(context);
  // Commands other than serve keep quiet below warnings: their output is the table or message.
  const logger = createLogger(config.log.level === 'silent' ? 'silent' : 'warn', context.io.stderr);
  const services = await createServices(config, { logger });
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

/** The embedded directory, or a clear refusal when the configured directory is another kind. */
export function requireEmbeddedDirectory(services: Services): EmbeddedDirectory {
  if (services.embeddedDirectory === null) {
    throw new CommandFailed(
      `accounts are managed in the organisation's directory (directory.type is ${services.config.directory.type}); this command works only with the embedded directory`,
    );
  }
  return services.embeddedDirectory;
}
