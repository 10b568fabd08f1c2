// The `nyckel` command: finds the command, runs it, and turns every failure into one clear
// line and an exit code (0 done, 1 failed, 2 wrong command line). No stack traces reach the
// console; an unexpected error gets a reference, and with --debug its details go to standard
// error as a JSON log line.

import { ConfigError } from '../config/load.ts';
import { NyckelError } from '../domain/errors.ts';
import { createLogger } from '../observability/logger.ts';
import { randomToken } from '../security/tokens.ts';
import { auditCommands } from './audit-command.ts';
import { breachedCommands } from './breached-command.ts';
import { campaignsCommands } from './campaigns-command.ts';
import {
  type CliIo,
  type Command,
  type CommandContext,
  CommandFailed,
  type CommandGroup,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  globalOptionHelp,
  runGroup,
  UsageError,
} from './command-line.ts';
import { configCommands } from './config-command.ts';
import { demoCommand } from './demo-command.ts';
import { doctorCommand } from './doctor-command.ts';
import { keysCommands } from './keys-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { serveCommand } from './serve-command.ts';
import { usersCommands } from './users-command.ts';

const commands: Record<string, Command | CommandGroup> = {
  serve: serveCommand,
  migrate: migrateCommand,
  config: configCommands,
  users: usersCommands,
  demo: demoCommand,
  breached: breachedCommands,
  keys: keysCommands,
  doctor: doctorCommand,
  audit: auditCommands,
  campaigns: campaignsCommands,
};

const TOP_USAGE = 'nyckel <command> [options]';

function topHelp(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  const optionWidth = Math.max(...globalOptionHelp.map(([flag]) => flag.length));
  return [
    'nyckel — self-service sign-in security portal',
    '',
    'Usage:',
    `  ${TOP_USAGE}`,
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${commands[name]?.help.summary ?? ''}`),
    '',
    'Options:',
    ...globalOptionHelp.map(([flag, text]) => `  ${flag.padEnd(optionWidth)}  ${text}`),
    '',
    "Run `nyckel <command> --help` for a command's options.",
    '',
    'Examples:',
    '  nyckel serve',
    '  nyckel --config /etc/nyckel/nyckel.yaml config check',
    '  printf %s "$PASSWORD" | nyckel users add anna.berg --name "Anna Berg" --email anna.berg@example.se',
    '',
  ].join('\n');
}

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const context: CommandContext = { io, configFile: undefined, debug: argv.includes('--debug') };
  try {
    return await dispatch(argv, context);
  } catch (error) {
    return report(error, context);
  }
}

async function dispatch(argv: string[], context: CommandContext): Promise<number> {
  // Global options may come before the command; after it, each command's parser accepts them too.
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--help' || arg === '-h') {
      context.io.stdout.write(topHelp());
      return EXIT_OK;
    }
    if (arg === '--debug') continue;
    if (arg === '--config') {
      const value = argv[index + 1];
      if (value === undefined) throw new UsageError("option '--config' needs a value");
      context.configFile = value;
      index++;
      continue;
    }
    if (arg.startsWith('--config=')) {
      context.configFile = arg.slice('--config='.length);
      continue;
    }
    if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    break;
  }
  const name = argv[index];
  if (name === undefined) throw new UsageError(`missing command; one of: ${Object.keys(commands).join(', ')}`);
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command '${name}'`);
  const rest = argv.slice(index + 1);
  return 'subcommands' in command ? runGroup(command, rest, context) : command.run(rest, context);
}

function report(error: unknown, context: CommandContext): number {
  const { stderr } = context.io;
  if (error instanceof UsageError) {
    stderr.write(`nyckel: ${error.message}\n`);
    if (error.help === undefined) {
      stderr.write(`Usage: ${TOP_USAGE}\nRun \`nyckel --help\` for the list of commands.\n`);
    } else {
      stderr.write(`Usage: nyckel ${error.help.usage[0] ?? error.help.name}\nRun \`nyckel ${error.help.name} --help\` for more.\n`);
    }
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    stderr.write(`${error.format()}\n`);
    return EXIT_FAILED;
  }
  if (error instanceof CommandFailed || error instanceof NyckelError) {
    stderr.write(`nyckel: ${error.message}\n`);
    return EXIT_FAILED;
  }
  // Anything else is a bug or an environment we did not foresee: a reference ties the console
  // line to the log line without printing internals (OWASP Error Handling Cheat Sheet).
  const reference = randomToken(6);
  stderr.write(`nyckel: unexpected error, reference ${reference}${context.debug ? '' : ' (run again with --debug for details)'}\n`);
  if (context.debug) createLogger('error', stderr).error({ err: error, reference }, 'unexpected error');
  return EXIT_FAILED;
}

// Run when executed as the entry point (bin/nyckel, npm run nyckel), not when imported by tests.
if (import.meta.main) {
  // `nyckel users list | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
    throw error;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
}
