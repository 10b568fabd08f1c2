// `nyckel config check`: reads the configuration as `serve` would and says either
// "Configuration OK" with a short summary, or every problem with its key path (exit 1).
// It also checks that the data directory can be written, without creating anything.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { sqlitePath } from '../store/database.ts';
import { loadCliConfig } from './cli-services.ts';
import { type Command, type CommandGroup, type CommandHelp, EXIT_OK, parseCommandLine } from './command-line.ts';

const checkHelp: CommandHelp = {
  name: 'config check',
  summary: 'check the configuration and show what it sets up',
  usage: ['config check [--config FILE]'],
  notes: ['Reads the file (or $NYCKEL_CONFIG) and the NYCKEL_* environment exactly as `nyckel serve` does.'],
  examples: ['nyckel config check --config /etc/nyckel/nyckel.yaml', 'NYCKEL_CONFIG=./nyckel.yaml nyckel config check'],
};

const checkCommand: Command = {
  help: checkHelp,
  async run(args, context) {
    if (parseCommandLine(args, context, checkHelp, {}, { min: 0, max: 0 }) === null) return EXIT_OK;
    const { config, file } = loadCliConfig(context);
    const source = file ?? 'built-in defaults and environment';
    const problem = dataDirProblem(config.dataDir);
    if (problem !== null) throw new ConfigError(source, [{ path: 'dataDir', message: problem }]);
    context.io.stdout.write(`Configuration OK (${source})\n${describeConfig(config)}`);
    return EXIT_OK;
  },
};

export const configCommands: CommandGroup = {
  help: {
    name: 'config',
    summary: 'check the configuration',
    usage: ['config check [--config FILE]'],
    examples: ['nyckel config check --config /etc/nyckel/nyckel.yaml'],
  },
  subcommands: { check: checkCommand },
};

/** A few lines an operator can compare with what they meant to configure. No secrets. */
export function describeConfig(config: Config): string {
  const dataDir = resolve(config.dataDir);
  const store =
    config.store.driver === 'sqlite'
      ? `sqlite (${sqlitePath(dataDir, config.store.sqlite.path)})`
      : `postgres (${describePostgresUrl(config.store.postgres.url ?? '')})`;
  const lines = [
    ['store', store],
    ['directory', config.directory.type],
    ['demo', config.demo ? 'on (demo organisation with published passwords; never in production)' : 'off'],
    ['data directory', dataDir],
    ['listens on', `${config.server.host}:${config.server.port}`],
  ];
  return lines.map(([key, value]) => `  ${`${key}:`.padEnd(16)}${value}\n`).join('');
}

/** Host, port and database only: the URL may hold a password. */
function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname}`;
  } catch {
    return 'URL given';
  }
}

/** Why the data directory can't be used, or null. Creates nothing: it only looks. */
export function dataDirProblem(dataDir: string): string | null {
  const target = resolve(dataDir);
  let dir = target;
  // Walk up to the nearest part of the path that exists; serve would create the rest below it.
  for (;;) {
    try {
      const info = statSync(dir);
      if (!info.isDirectory()) {
        return dir === target ? `${target} is a file, not a folder` : `${target} cannot be created: ${dir} is a file, not a folder`;
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') {
        dir = dirname(dir);
        continue;
      }
      if (code !== 'ENOENT') return `${target} cannot be read (${code ?? 'error'})`;
      const parent = dirname(dir);
      if (parent === dir) return `${target} cannot be created`;
      dir = parent;
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return dir === target ? `${target} is not writable for this user` : `${target} cannot be created: ${dir} is not writable for this user`;
  }
  return null;
}
