// `nyckel campaigns …`: leak-response campaigns from the shell. Campaigns are made and started
// on the admin pages (a second step, a network zone and a reason are required there); here an
// IT administrator lists them, follows one, exports who is still pending, and runs the
// campaign job once (under the same lease as the servers' job, so never twice at a time).

import type { Services } from '../app/services.ts';
import type { Campaign, CampaignStatus, StoredCampaignTarget } from '../campaigns/campaign.ts';
import { pendingCsvLines } from '../campaigns/pending-csv.ts';
import { engineOptionsFrom, runCampaignsOnce } from '../jobs/campaign-job.ts';
import { JobLock } from '../jobs/job-lock.ts';
import { CLI_ACTOR, withServices } from './cli-services.ts';
import {
  type Command,
  CommandFailed,
  type CommandGroup,
  type CommandHelp,
  EXIT_FAILED,
  EXIT_OK,
  formatTable,
  parseCommandLine,
  UsageError,
} from './command-line.ts';
import { openCommandOutput } from './output-file.ts';

const STATUSES: readonly CampaignStatus[] = ['draft', 'running', 'completed', 'cancelled'];
/** Campaign ids are the store's UUIDs; anything else can't name one (and is not echoed at length). */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const listHelp: CommandHelp = {
  name: 'campaigns list',
  summary: 'list the campaigns, newest first, with their progress',
  usage: ['campaigns list [--status STATUS] [--json]'],
  options: [
    ['--status STATUS', `only campaigns in this state: ${STATUSES.join(', ')}`],
    ['--json', 'one JSON object per line instead of a table'],
  ],
  examples: ['nyckel campaigns list', 'nyckel campaigns list --status running'],
};

const showHelp: CommandHelp = {
  name: 'campaigns show',
  summary: 'one campaign: its settings, progress and progress by department',
  usage: ['campaigns show ID [--json]'],
  options: [['--json', 'as one JSON object']],
  examples: ['nyckel campaigns show 0b5e…'],
};

const pendingHelp: CommandHelp = {
  name: 'campaigns pending',
  summary: 'who has still to change password, as CSV (username, name, department, e-mail)',
  usage: ['campaigns pending ID [--output FILE]'],
  options: [['--output FILE', 'write to FILE (a new file; an existing one is never overwritten) instead of standard output']],
  notes: ['The export is recorded in the audit log (campaign.pending_exported), as it is on the web page.'],
  examples: ['nyckel campaigns pending 0b5e… --output pending.csv'],
};

const runOnceHelp: CommandHelp = {
  name: 'campaigns run-once',
  summary: 'run the campaign job once now: mark, notify, remind, count changes, deadline actions',
  usage: ['campaigns run-once'],
  notes: [
    'The servers run the same job every campaigns.intervalSeconds; this pass takes the same lease, so it never runs beside one.',
    'Exit status 0: the pass ran. 1: another instance holds the lease (try again later) or the pass failed.',
  ],
  examples: ['nyckel campaigns run-once'],
};

function campaignId(value: string, help: CommandHelp): string {
  if (!ID_PATTERN.test(value)) {
    throw new UsageError(`'${value.slice(0, 60)}' is not a campaign id; \`nyckel campaigns list\` shows them`, help);
  }
  return value.toLowerCase();
}

async function campaignOrFail(services: Services, id: string): Promise<Campaign> {
  const campaign = await services.campaigns.get(id);
  if (campaign === null) throw new CommandFailed(`no campaign with the id ${id}; \`nyckel campaigns list\` shows them`);
  return campaign;
}

function describeTarget(target: StoredCampaignTarget): string {
  switch (target.kind) {
    case 'everyone':
      return 'everyone';
    case 'department':
      return `department ${target.department}`;
    case 'group':
      return `group ${target.group}`;
    case 'list':
      return `uploaded list (${target.entries} line${target.entries === 1 ? '' : 's'})`;
  }
}

const day = (date: Date | null): string => (date === null ? '-' : date.toISOString().slice(0, 16).replace('T', ' '));

/** A table whose first row is its header (formatTable pads the columns). */
function table([header, ...rows]: string[][]): string {
  return formatTable(header ?? [], rows);
}

const listCommand: Command = {
  help: listHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, listHelp, { status: { type: 'string' }, json: { type: 'boolean' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    const status = parsed.values.status;
    if (status !== undefined && !STATUSES.includes(status as CampaignStatus)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got '${status.slice(0, 40)}'`, listHelp);
    }
    return withServices(context, async (services) => {
      const campaigns = await services.campaigns.list({
        limit: 200,
        ...(status === undefined ? {} : { status: status as CampaignStatus }),
      });
      const out = context.io.stdout;
      const rows: string[][] = [['ID', 'STATUS', 'DEADLINE (UTC)', 'CHANGED', 'PENDING', 'LOCKED', 'TOTAL', 'TITLE']];
      for (const campaign of campaigns) {
        const progress = await services.campaigns.progress(campaign.id);
        if (parsed.values.json === true) {
          out.write(`${JSON.stringify({ ...summaryOf(campaign), progress })}\n`);
          continue;
        }
        rows.push([
          campaign.id,
          campaign.status,
          day(campaign.deadline),
          String(progress.changed),
          String(progress.pending),
          String(progress.locked),
          String(progress.total),
          campaign.title,
        ]);
      }
      if (parsed.values.json !== true) out.write(campaigns.length === 0 ? 'No campaigns.\n' : table(rows));
      return EXIT_OK;
    });
  },
};

function summaryOf(campaign: Campaign) {
  return {
    id: campaign.id,
    title: campaign.title,
    status: campaign.status,
    deadline: campaign.deadline.toISOString(),
    target: campaign.target,
    channels: campaign.channels,
    reminderDaysBefore: campaign.reminderDaysBefore,
    deadlineAction: campaign.deadlineAction,
    startedAt: campaign.startedAt?.toISOString() ?? null,
    completedAt: campaign.completedAt?.toISOString() ?? null,
    cancelledAt: campaign.cancelledAt?.toISOString() ?? null,
  };
}

const showCommand: Command = {
  help: showHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, showHelp, { json: { type: 'boolean' } }, { min: 1, max: 1, names: ['ID'] });
    if (parsed === null) return EXIT_OK;
    const id = campaignId(parsed.positionals[0] as string, showHelp);
    return withServices(context, async (services) => {
      const campaign = await campaignOrFail(services, id);
      const progress = await services.campaigns.progress(id);
      const departments = await services.campaigns.progressByDepartment(id);
      const out = context.io.stdout;
      if (parsed.values.json === true) {
        out.write(`${JSON.stringify({ ...summaryOf(campaign), progress, departments })}\n`);
        return EXIT_OK;
      }
      out.write(
        table([
          ['Title', campaign.title],
          ['Status', campaign.status],
          ['Target', describeTarget(campaign.target)],
          ['Deadline (UTC)', day(campaign.deadline)],
          ['Channels', campaign.channels.join(', ')],
          ['Reminders', campaign.reminderDaysBefore.length === 0 ? '-' : `${campaign.reminderDaysBefore.join(', ')} days before`],
          ['At the deadline', campaign.deadlineAction],
          ['Started (UTC)', day(campaign.startedAt)],
          ['Changed', `${progress.changed} of ${progress.total}`],
          ['Pending', String(progress.pending)],
          ['Locked', String(progress.locked)],
          ['Skipped', String(progress.skipped)],
          ['Notified', String(progress.notified)],
        ]),
      );
      if (departments.length > 0) {
        out.write('\n');
        out.write(
          table([
            ['DEPARTMENT', 'CHANGED', 'PENDING', 'LOCKED', 'TOTAL'],
            ...departments.map((d) => [d.department ?? '(none)', String(d.changed), String(d.pending), String(d.locked), String(d.total)]),
          ]),
        );
      }
      return EXIT_OK;
    });
  },
};

const pendingCommand: Command = {
  help: pendingHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, pendingHelp, { output: { type: 'string' } }, { min: 1, max: 1, names: ['ID'] });
    if (parsed === null) return EXIT_OK;
    const id = campaignId(parsed.positionals[0] as string, pendingHelp);
    const outputPath = parsed.values.output;
    return withServices(context, async (services) => {
      await campaignOrFail(services, id);
      // A new 0600 file only: the list names people who may have leaked credentials.
      const output = await openCommandOutput(outputPath, context.io.stdout);
      await services.store.appendAudit(
        { type: 'campaign.pending_exported', actor: CLI_ACTOR, subject: id, outcome: 'success', detail: { campaign: id } },
        services.clock.now(),
      );
      let lines = 0;
      for await (const line of pendingCsvLines(services.campaigns, services.directory, id, ['username', 'name', 'department', 'email'])) {
        await output.write(line);
        lines++;
      }
      const count = lines - 1;
      await output.finish();
      if (output.isFile) context.io.stderr.write(`Wrote ${count} pending account${count === 1 ? '' : 's'} to ${outputPath}.\n`);
      return EXIT_OK;
    });
  },
};

const runOnceCommand: Command = {
  help: runOnceHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, runOnceHelp, {}, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    return withServices(context, async (services) => {
      const lock = new JobLock(services.store.db, 'campaigns', services.clock);
      // The lease is given back after the pass, so the servers' job can go on at its next tick.
      const result = await runCampaignsOnce(services, { engine: engineOptionsFrom(services.config), lock }).finally(() => lock.release());
      if (result === null) {
        context.io.stderr.write('Another Nyckel instance is running the campaign job now; nothing was done. Try again in a minute.\n');
        return EXIT_FAILED;
      }
      context.io.stdout.write(
        table([
          ['Members found', String(result.resolved)],
          ['Marked must-change', String(result.marked)],
          ['Notified', String(result.notified)],
          ['Skipped', String(result.skipped)],
          ['Changed since the last pass', String(result.changed)],
          ['Reminders sent', String(result.reminders)],
          ['Deadline actions', String(result.deadlineActions)],
          ['Locked in the directory', String(result.directoryLocked)],
          ['Campaigns completed', String(result.completed)],
        ]),
      );
      return EXIT_OK;
    });
  },
};

export const campaignsCommands: CommandGroup = {
  help: {
    name: 'campaigns',
    summary: 'follow leak-response campaigns and run their job',
    usage: ['campaigns list|show|pending|run-once …'],
    notes: ['Campaigns are created, started and cancelled on the admin pages (/admin/campaigns).'],
  },
  subcommands: { list: listCommand, show: showCommand, pending: pendingCommand, 'run-once': runOnceCommand },
};
