// `nyckel breached …`: the offline breached-password index. `import` builds it from Have I Been
// Pwned Pwned Passwords files (progress on standard error; the index in use is replaced only
// when the new one is complete), `check` tells an administrator whether a password from
// standard input is in it, `info` describes it.

import { resolve } from 'node:path';
import { BreachedIndexFileError, openBreachedIndex } from '../passwords/breached/breached-index.ts';
import { createImportProgress } from '../passwords/breached/import-progress.ts';
import { BreachedImportError, importBreachedPasswords } from '../passwords/breached/index-builder.ts';
import { loadCliConfig } from './cli-services.ts';
import {
  type Command,
  type CommandContext,
  CommandFailed,
  type CommandGroup,
  type CommandHelp,
  EXIT_OK,
  parseCommandLine,
} from './command-line.ts';
import { readPasswordFromPipe } from './password-input.ts';

function configuredIndexPath(context: CommandContext): string {
  const { config } = loadCliConfig(context);
  return resolve(config.dataDir, config.passwordPolicy.breached.indexFile);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Opens the index for check and info, turning every problem into one line the operator can act on. */
function openIndexOrFail(path: string) {
  try {
    const index = openBreachedIndex(path);
    if (index === null) throw new CommandFailed(`no breached-password index at ${path}; build one with \`nyckel breached import FILE…\``);
    return index;
  } catch (error) {
    if (error instanceof BreachedIndexFileError)
      throw new CommandFailed(`${error.message}; rebuild it with \`nyckel breached import FILE…\``);
    throw error;
  }
}

const importHelp: CommandHelp = {
  name: 'breached import',
  summary: 'build the breached-password index from Pwned Passwords files',
  usage: ['breached import FILE… [--output PATH]'],
  options: [['--output PATH', 'where to write the index (default: passwordPolicy.breached.indexFile under dataDir)']],
  notes: [
    'FILE is in the Have I Been Pwned Pwned Passwords format: SHA1HASH:COUNT lines (the whole corpus),',
    'or range files named for their 5-digit prefix (21BD1.txt) with SUFFIX:COUNT lines. Count-0 padding lines',
    'are skipped. Temporary files need about 8 bytes per line in the output folder while the import runs.',
    'On any error (a malformed line is reported as FILE:LINE) the index in use is left as it was.',
  ],
  examples: ['nyckel breached import pwnedpasswords.txt', 'nyckel breached import ranges/*.txt --output /var/lib/nyckel/breached.idx'],
};

const importCommand: Command = {
  help: importHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      importHelp,
      { output: { type: 'string' } },
      { min: 1, max: Number.POSITIVE_INFINITY, names: ['FILE'] },
    );
    if (parsed === null) return EXIT_OK;
    const output = parsed.values.output !== undefined ? resolve(parsed.values.output) : configuredIndexPath(context);
    const controller = new AbortController();
    // Ctrl-C: stop cleanly, remove the temporary files, keep the old index.
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const started = performance.now();
    try {
      const result = await importBreachedPasswords({
        inputs: parsed.positionals.map((path) => ({ path, label: path })),
        output,
        progress: createImportProgress({ stream: context.io.stderr }),
        signal: controller.signal,
      });
      const seconds = (performance.now() - started) / 1000;
      const files = parsed.positionals.length;
      context.io.stdout.write(
        [
          `Imported ${count(result.entries)} distinct entries from ${count(result.lines)} lines in ${files} file${files === 1 ? '' : 's'} into ${result.output}`,
          result.padding > 0 ? `  skipped:          ${count(result.padding)} padding lines (count 0)` : null,
          `  size:             ${formatBytes(result.fileBytes)} (${(result.entries === 0 ? 0 : result.fileBytes / result.entries).toFixed(2)} bytes per entry)`,
          `  time:             ${seconds.toFixed(1)} s`,
          'A running `nyckel serve` uses the new index once it reopens the file (on restart).',
          '',
        ]
          .filter((line) => line !== null)
          .join('\n'),
      );
      return EXIT_OK;
    } catch (error) {
      if (error instanceof BreachedImportError) throw new CommandFailed(`${error.message}; the index in use was not changed`);
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

const checkHelp: CommandHelp = {
  name: 'breached check',
  summary: 'say whether a password (from standard input) is in the breached-password index',
  usage: ['breached check [--index PATH]'],
  options: [['--index PATH', 'the index to ask (default: passwordPolicy.breached.indexFile under dataDir)']],
  notes: [
    'Reads one password from standard input. About 1 in 65,536 passwords that are not in the index',
    'is still reported as found (the index is a compact filter); a password in the index is always found.',
  ],
  examples: ['printf %s "$PASSWORD" | nyckel breached check'],
};

async function readOnePassword(context: CommandContext): Promise<string> {
  const stdin = context.io.stdin as NodeJS.ReadStream;
  if (stdin.isTTY === true) {
    context.io.stderr.write('Type the password, then Enter and Ctrl-D (it is shown as you type; pipe it in to avoid that):\n');
  }
  return readPasswordFromPipe(
    context.io.stdin,
    'no password on standard input; pipe one in: printf %s "$PASSWORD" | nyckel breached check',
  );
}

const checkCommand: Command = {
  help: checkHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, checkHelp, { index: { type: 'string' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    const path = parsed.values.index !== undefined ? resolve(parsed.values.index) : configuredIndexPath(context);
    const index = openIndexOrFail(path);
    const password = await readOnePassword(context);
    context.io.stdout.write(
      index.hasPassword(password)
        ? 'found: this password is in the breached-password index; the password policy refuses it\n'
        : 'not found: this password is not in the breached-password index\n',
    );
    return EXIT_OK;
  },
};

const infoHelp: CommandHelp = {
  name: 'breached info',
  summary: 'describe the breached-password index',
  usage: ['breached info [--index PATH]'],
  options: [['--index PATH', 'the index to describe (default: passwordPolicy.breached.indexFile under dataDir)']],
  examples: ['nyckel breached info'],
};

const infoCommand: Command = {
  help: infoHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, infoHelp, { index: { type: 'string' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    const path = parsed.values.index !== undefined ? resolve(parsed.values.index) : configuredIndexPath(context);
    const { info } = openIndexOrFail(path);
    const rows: [string, string][] = [
      ['index', path],
      ['entries', count(info.entries)],
      ['size', `${count(info.fileBytes)} bytes (${formatBytes(info.fileBytes)})`],
      ['bytes per entry', info.bytesPerEntry.toFixed(2)],
      ['built', info.builtAt.toISOString()],
      ['shards', String(info.shards)],
    ];
    context.io.stdout.write(rows.map(([key, value]) => `${`${key}:`.padEnd(17)}${value}\n`).join(''));
    return EXIT_OK;
  },
};

export const breachedCommands: CommandGroup = {
  help: {
    name: 'breached',
    summary: 'the offline breached-password index (import, check, info)',
    usage: ['breached import FILE… [--output PATH]', 'breached check [--index PATH]', 'breached info [--index PATH]'],
    examples: ['nyckel breached import pwnedpasswords.txt', 'printf %s "$PASSWORD" | nyckel breached check', 'nyckel breached info'],
  },
  subcommands: { import: importCommand, check: checkCommand, info: infoCommand },
};
