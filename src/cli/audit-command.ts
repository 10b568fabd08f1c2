// `nyckel audit …`: the audit trail out of the database. `export` streams the hash-chained events
// as JSON lines, page by page; `verify` walks the chain in the database (or in an exported file)
// and exits 1 naming the first event that was changed, removed or moved.

import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChainVerdict } from '../audit/audit-chain.ts';
import { toExportLine } from '../audit/audit-chain.ts';
import { ExportFormatError, readAuditChain, verifyExportLines, verifyStoredChain } from '../audit/audit-export.ts';
import { withServices } from './cli-services.ts';
import {
  type Command,
  CommandFailed,
  type CommandGroup,
  type CommandHelp,
  EXIT_FAILED,
  EXIT_OK,
  parseCommandLine,
  UsageError,
} from './command-line.ts';
import { describeFsError, openCommandOutput } from './output-file.ts';

const exportHelp: CommandHelp = {
  name: 'audit export',
  summary: 'write the audit events with their hashes as JSON lines',
  usage: ['audit export [--since DATE] [--output FILE]'],
  options: [
    ['--since DATE', 'only events at or after DATE (2026-03-01 or 2026-03-01T08:00:00Z)'],
    ['--output FILE', 'write to FILE (a new file; an existing one is never overwritten) instead of standard output'],
  ],
  notes: [
    'Each line is one event: id, at, type, actor, subject, ip, outcome, detail, prevHash and hash. Check a file with `nyckel audit verify --file FILE`.',
  ],
  examples: ['nyckel audit export --output audit-2026-03.jsonl', 'nyckel audit export --since 2026-03-01 | gzip > audit.jsonl.gz'],
};

const verifyHelp: CommandHelp = {
  name: 'audit verify',
  summary: 'check that no audit event was changed, removed or reordered',
  usage: ['audit verify [--file FILE]'],
  options: [['--file FILE', 'check an exported JSON-lines file instead of the database']],
  notes: ['Exit status 0: the chain is intact. 1: it is broken (the first broken link is named) or could not be read.'],
  examples: ['nyckel audit verify', 'nyckel audit verify --file audit-2026-03.jsonl'],
};

/** Accepts a date (midnight UTC) or a full ISO 8601 time with a zone. */
export function parseSinceOption(value: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  if ((!dateOnly && !withZone) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--since must be a date such as 2026-03-01 or a time such as 2026-03-01T08:00:00Z, got '${value}'`, exportHelp);
  }
  return date;
}

const exportCommand: Command = {
  help: exportHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      exportHelp,
      { since: { type: 'string' }, output: { type: 'string' } },
      { min: 0, max: 0 },
    );
    if (parsed === null) return EXIT_OK;
    const since = parsed.values.since === undefined ? undefined : parseSinceOption(parsed.values.since);
    const outputPath = parsed.values.output;
    return withServices(context, async (services) => {
      // A new file only: an earlier export may be the copy that proves tampering.
      const output = await openCommandOutput(outputPath, context.io.stdout);
      let count = 0;
      for await (const event of readAuditChain(services.store, { since })) {
        await output.write(`${toExportLine(event)}\n`);
        count++;
      }
      await output.finish();
      if (output.isFile) context.io.stderr.write(`Exported ${count} audit event${count === 1 ? '' : 's'} to ${outputPath}.\n`);
      return EXIT_OK;
    });
  },
};

const verifyCommand: Command = {
  help: verifyHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, verifyHelp, { file: { type: 'string' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    const out = context.io.stdout;
    const filePath = parsed.values.file;
    if (filePath !== undefined) {
      const input = createReadStream(filePath, { encoding: 'utf8' });
      try {
        await once(input, 'open');
      } catch (error) {
        throw new CommandFailed(`cannot read ${filePath}: ${describeFsError(error)}`);
      }
      let result: Awaited<ReturnType<typeof verifyExportLines>>;
      try {
        result = await verifyExportLines(createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }));
      } catch (error) {
        if (error instanceof ExportFormatError) throw new CommandFailed(`${filePath} is not an audit export: ${error.message}`);
        throw error;
      } finally {
        input.destroy();
      }
      if (result.verdict.intact && !result.fromGenesis) {
        out.write('The file starts after the first event (an export made with --since): checked from its first event on.\n');
      }
      return report(result.verdict, filePath, context.io.stdout, context.io.stderr);
    }
    return withServices(context, async (services) =>
      report(await verifyStoredChain(services.store), 'the database', out, context.io.stderr),
    );
  },
};

function report(verdict: ChainVerdict, where: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  if (verdict.intact) {
    out.write(`Audit chain intact in ${where}: ${verdict.count} event${verdict.count === 1 ? '' : 's'}`);
    out.write(verdict.lastId === null ? '.\n' : `, the last is event ${verdict.lastId} with hash ${verdict.lastHash}.\n`);
    return EXIT_OK;
  }
  err.write(`Audit chain BROKEN in ${where} at event ${verdict.id ?? '-'} (${verdict.reason}): ${verdict.message}.\n`);
  return EXIT_FAILED;
}

export const auditCommands: CommandGroup = {
  help: {
    name: 'audit',
    summary: 'export and verify the hash-chained audit trail',
    usage: ['audit <command> [options]'],
    examples: ['nyckel audit verify', 'nyckel audit export --output audit.jsonl'],
  },
  subcommands: { export: exportCommand, verify: verifyCommand },
};
