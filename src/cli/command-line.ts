// The pieces every `nyckel` command shares: the command shape, usage errors (exit 2),
// strict option parsing with the global options, help text and the console streams.

import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** Exit codes: 0 done, 1 failed, 2 the command line itself was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Where a command reads and writes; tests and main pass the process's own streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/** What main hands to a command besides its own arguments. */
export interface CommandContext {
  io: CliIo;
  /** --config, when given on the command line (NYCKEL_CONFIG is read by loadConfig). */
  configFile: string | undefined;
  debug: boolean;
}

export interface CommandHelp {
  /** The command as typed, for example "users add". */
  name: string;
  summary: string;
  /** One or more usage lines, without the leading "nyckel ". */
  usage: string[];
  options?: [string, string][];
  examples?: string[];
  notes?: string[];
}

export interface Command {
  help: CommandHelp;
  run(args: string[], context: CommandContext): Promise<number>;
}

/** A group such as `users` or `config`: subcommands by name. */
export interface CommandGroup {
  help: CommandHelp;
  subcommands: Record<string, Command>;
}

/** The command line was wrong: main prints the message, the usage line and a hint, and exits 2. */
export class UsageError extends Error {
  readonly help: CommandHelp | undefined;
  constructor(message: string, help?: CommandHelp) {
    super(message);
    this.name = 'UsageError';
    this.help = help;
  }
}

/** A failure already explained to the user in plain words: main prints the message and exits 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

/** Options every command accepts, wherever they appear on the line. */
export const globalOptions = {
  config: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export const globalOptionHelp: [string, string][] = [
  ['--config FILE', 'configuration file (default: $NYCKEL_CONFIG, else the built-in embedded set-up)'],
  ['--debug', 'on an unexpected error, log its details as JSON to standard error'],
  ['-h, --help', 'show this help'],
];

export interface ParsedCommandLine<T extends ParseArgsOptionsConfig> {
  values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string } & { config?: string; debug?: boolean; help?: boolean };
  positionals: string[];
}

/**
 * Parses a command's arguments strictly (unknown options are usage errors) together with the
 * global options, which it applies to the context. Positional counts are checked here too, so
 * every command reports them alike. Returns null after printing the help for --help.
 */
export function parseCommandLine<T extends ParseArgsOptionsConfig>(
  args: string[],
  context: CommandContext,
  help: CommandHelp,
  options: T,
  positionals: { min: number; max: number; names?: string[] },
): ParsedCommandLine<T> | null {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { ...globalOptions, ...options }, strict: true, allowPositionals: true, allowNegative: false });
  } catch (error) {
    throw new UsageError(describeParseError(error), help);
  }
  if (parsed.values.help === true) {
    context.io.stdout.write(formatHelp(help));
    return null;
  }
  if (typeof parsed.values.config === 'string') context.configFile = parsed.values.config;
  if (parsed.values.debug === true) context.debug = true;
  const count = parsed.positionals.length;
  if (count < positionals.min) {
    const missing = positionals.names?.[count] ?? 'argument';
    throw new UsageError(`missing ${missing}`, help);
  }
  if (count > positionals.max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`, help);
  }
  return parsed as ParsedCommandLine<T>;
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  // node:util's messages are precise but long ("To specify a positional argument starting with a '-'…"): keep the first sentence.
  const first = message.split('. ')[0] ?? message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const match = /Unknown option '([^']+)'/.exec(message);
    return `unknown option '${match?.[1] ?? '?'}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const match = /Option '(-[^' ]+)/.exec(message);
    if (match && /argument missing/.test(message)) return `option '${match[1]}' needs a value`;
  }
  return first.replace(/^Option/, 'option');
}

/** The text of `--help` for a command. */
export function formatHelp(help: CommandHelp): string {
  const lines: string[] = [];
  lines.push(`nyckel ${help.name} — ${help.summary}`, '', 'Usage:');
  for (const usage of help.usage) lines.push(`  nyckel ${usage}`);
  const options = [...(help.options ?? []), ...globalOptionHelp];
  lines.push('', 'Options:');
  const width = Math.max(...options.map(([flag]) => flag.length));
  for (const [flag, text] of options) lines.push(`  ${flag.padEnd(width)}  ${text}`);
  if (help.notes && help.notes.length > 0) {
    lines.push('');
    for (const note of help.notes) lines.push(note);
  }
  if (help.examples && help.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of help.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The text of `--help` for a command group: its subcommands and how to get their help. */
export function formatGroupHelp(group: CommandGroup): string {
  const lines: string[] = [];
  lines.push(`nyckel ${group.help.name} — ${group.help.summary}`, '', 'Usage:');
  for (const usage of group.help.usage) lines.push(`  nyckel ${usage}`);
  lines.push('', 'Commands:');
  const names = Object.keys(group.subcommands);
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${group.subcommands[name]?.help.summary ?? ''}`);
  lines.push('', 'Options:');
  const optionWidth = Math.max(...globalOptionHelp.map(([flag]) => flag.length));
  for (const [flag, text] of globalOptionHelp) lines.push(`  ${flag.padEnd(optionWidth)}  ${text}`);
  lines.push('', `Run \`nyckel ${group.help.name} <command> --help\` for a command's options.`);
  if (group.help.examples && group.help.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of group.help.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs a group's subcommand, or prints the group's help. */
export async function runGroup(group: CommandGroup, args: string[], context: CommandContext): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) throw new UsageError(`missing command; one of: ${Object.keys(group.subcommands).join(', ')}`, group.help);
  if (first === '--help' || first === '-h') {
    context.io.stdout.write(formatGroupHelp(group));
    return EXIT_OK;
  }
  const command = Object.hasOwn(group.subcommands, first) ? group.subcommands[first] : undefined;
  if (command === undefined) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${group.help.name} ${first}'`;
    throw new UsageError(what, group.help);
  }
  return command.run(rest, context);
}

/** Writes a table with columns padded to their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const width = (s: string) => [...s].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
