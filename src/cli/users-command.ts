// `nyckel users …`: account management in the embedded directory (add, import from CSV,
// list, show, unlock, require a password change). Every change is written to the audit log
// with the actor 'cli'.

import { basename } from 'node:path';
import type { Services } from '../app/services.ts';
import type { AccountState, DirectoryAccount } from '../directory/directory.ts';
import { parseNewAccount } from '../directory/embedded/account-input.ts';
import { type ExistingAccounts, formatCsvProblem, planCsvImport, readCsvFile } from '../directory/embedded/csv-import.ts';
import { isNyckelError } from '../domain/errors.ts';
import { MAX_PASS_MINUTES } from '../methods/security-info-service.ts';
import { CLI_ACTOR, requireEmbeddedDirectory, withServices } from './cli-services.ts';
import {
  type Command,
  type CommandContext,
  CommandFailed,
  type CommandGroup,
  type CommandHelp,
  EXIT_FAILED,
  EXIT_OK,
  formatTable,
  parseCommandLine,
  UsageError,
} from './command-line.ts';
import { readNewPassword } from './password-input.ts';

const PAGE_SIZE = 500;

// ---- users add ----

const addHelp: CommandHelp = {
  name: 'users add',
  summary: 'create an account in the embedded directory',
  usage: [
    'users add USERNAME --name NAME [--email EMAIL] [--department DEPARTMENT] [--mobile MOBILE] [--group GROUP]... [--privileged] [--must-change] [--no-password]',
  ],
  options: [
    ['--name NAME', 'display name (required)'],
    ['--email EMAIL', 'work e-mail address; it can be used to sign in instead of the username'],
    ['--department DEPARTMENT', 'department, for reports and campaigns'],
    ['--mobile MOBILE', 'Swedish mobile number, for example 070-123 45 67'],
    ['--group GROUP', 'a group the account belongs to (repeat for more); staff roles and campaigns can go by group'],
    ['--privileged', 'self-service refuses this account (administrators); the helpdesk handles it'],
    ['--must-change', 'the user must change the password at the next sign-in'],
    ['--no-password', 'create the account without a password (it cannot sign in until one is set)'],
  ],
  notes: [
    'The password is read from standard input when it is piped, or asked for twice on a terminal.',
    'There is no --password option on purpose: command lines are visible in `ps` and kept in shell history.',
  ],
  examples: [
    'nyckel users add anna.berg --name "Anna Berg" --email anna.berg@example.se --department Socialtjänsten --must-change',
    'nyckel users add leila.ahmadi --name "Leila Ahmadi" --group "Alla anställda" --group IT-support',
    'printf %s "$PASSWORD" | nyckel users add anna.berg --name "Anna Berg"',
    'nyckel users add kiosk.reception --name "Reception kiosk" --no-password',
  ],
};

/** Option names as typed, for the fields parseNewAccount reports on. */
const optionOfField: Record<string, string> = {
  username: 'USERNAME',
  email: '--email',
  displayName: '--name',
  department: '--department',
  mobile: '--mobile',
  groups: '--group',
};

const addCommand: Command = {
  help: addHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      addHelp,
      {
        name: { type: 'string' },
        email: { type: 'string' },
        department: { type: 'string' },
        mobile: { type: 'string' },
        group: { type: 'string', multiple: true },
        privileged: { type: 'boolean' },
        'must-change': { type: 'boolean' },
        'no-password': { type: 'boolean' },
      },
      { min: 1, max: 1, names: ['USERNAME'] },
    );
    if (parsed === null) return EXIT_OK;
    const { values } = parsed;
    if (values.name === undefined) throw new UsageError("missing option '--name'", addHelp);

    // Validate before asking for a password, so nobody types one for an account that can't be made.
    const input = {
      username: parsed.positionals[0] as string,
      displayName: values.name,
      email: values.email,
      department: values.department,
      mobile: values.mobile,
      privileged: values.privileged === true,
      groups: values.group,
    };
    const checked = parseNewAccount(input);
    if (!checked.ok) {
      const lines = checked.problems.map((p) => `  ${optionOfField[p.field] ?? p.field}: ${p.message}`);
      throw new CommandFailed(`the account was not created:\n${lines.join('\n')}`);
    }
    const account = checked.value;

    return withServices(context, async (services) => {
      const directory = requireEmbeddedDirectory(services);
      if ((await directory.findAccount(account.username)) !== null)
        throw new CommandFailed(`an account with username ${account.username} already exists`);
      if (account.email !== undefined && (await directory.findAccount(account.email)) !== null) {
        throw new CommandFailed(`an account with e-mail address ${account.email} already exists`);
      }
      const password =
        values['no-password'] === true ? undefined : await readNewPassword({ stdin: context.io.stdin, prompt: context.io.stderr });
      let created: DirectoryAccount;
      try {
        created = await directory.createAccount(account, password);
      } catch (error) {
        if (isNyckelError(error, 'policy_violation')) throw new CommandFailed(`${error.message}; the account was not created`);
        throw error;
      }
      const mustChange = values['must-change'] === true;
      if (mustChange) await directory.requireChange(created.id);
      await audit(services, 'account.created', created, {
        privileged: account.privileged,
        mustChange,
        hasPassword: password !== undefined,
        groups: account.groups ?? [],
      });
      context.io.stdout.write(
        `Created account ${created.username} (${created.displayName})${password === undefined ? ' without a password' : ''}${account.groups !== undefined && account.groups.length > 0 ? ` in ${account.groups.join(', ')}` : ''}${mustChange ? '; the password must be changed at the next sign-in' : ''}.\n`,
      );
      return EXIT_OK;
    });
  },
};

// ---- users import ----

const importHelp: CommandHelp = {
  name: 'users import',
  summary: 'create accounts from a CSV file',
  usage: ['users import FILE.csv [--skip-invalid]'],
  options: [['--skip-invalid', 'import the good rows and list the rows skipped (default: import nothing if any row is wrong)']],
  notes: [
    'The file: UTF-8 (Excel: "CSV UTF-8"), comma or semicolon separated, at most 10 MB, with a header row of',
    'exactly these columns in any order: username,email,display_name,department,mobile',
    "and optionally a column groups: the account's groups separated by | (for example: Alla anställda|IT-support).",
    'Every problem is listed as "line N: column: what is wrong". The import is all or nothing.',
    'Imported accounts have no password until one is set.',
  ],
  examples: ['nyckel users import staff.csv', 'nyckel users import staff.csv --skip-invalid'],
};

const importCommand: Command = {
  help: importHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      importHelp,
      { 'skip-invalid': { type: 'boolean' } },
      { min: 1, max: 1, names: ['FILE.csv'] },
    );
    if (parsed === null) return EXIT_OK;
    const file = parsed.positionals[0] as string;
    const skipInvalid = parsed.values['skip-invalid'] === true;
    const bytes = await readCsvFile(file);
    const { stdout, stderr } = context.io;

    return withServices(context, async (services) => {
      const directory = requireEmbeddedDirectory(services);
      const plan = planCsvImport(bytes, await existingAccounts(services));
      if (plan.kind === 'unusable') {
        stderr.write(`nyckel: ${file} cannot be imported; nothing was imported:\n`);
        for (const problem of plan.problems) stderr.write(`  ${formatCsvProblem(problem)}\n`);
        return EXIT_FAILED;
      }
      const rowCount = plan.accepted.length + plan.rejected.length;
      const problemLines = plan.rejected.flatMap((row) => row.problems.map((p) => `  ${formatCsvProblem(p)}\n`));
      if (plan.rejected.length > 0 && !skipInvalid) {
        stderr.write(
          `nyckel: ${plan.rejected.length} of ${rowCount} row${rowCount === 1 ? '' : 's'} in ${file} have problems; nothing was imported:\n`,
        );
        for (const line of problemLines) stderr.write(line);
        stderr.write(
          `Fix the file and run the import again${plan.accepted.length > 0 ? `, or use --skip-invalid to import the other ${plan.accepted.length} row${plan.accepted.length === 1 ? '' : 's'}` : ''}.\n`,
        );
        return EXIT_FAILED;
      }
      if (plan.accepted.length === 0) {
        stderr.write(`nyckel: ${file} has no accounts that can be imported; nothing was imported.\n`);
        for (const line of problemLines) stderr.write(line);
        return EXIT_FAILED;
      }

      const { created } = await directory.importAccounts(plan.accepted.map((row) => row.account));
      await services.store.appendAudit(
        {
          type: 'accounts.imported',
          actor: CLI_ACTOR,
          outcome: 'success',
          detail: { file: basename(file), created, skippedLines: plan.rejected.map((row) => row.line) },
        },
        services.clock.now(),
      );
      stdout.write(`Imported ${created} account${created === 1 ? '' : 's'} from ${file}.\n`);
      if (plan.rejected.length > 0) {
        stdout.write(`Skipped ${plan.rejected.length} row${plan.rejected.length === 1 ? '' : 's'}:\n`);
        for (const line of problemLines) stdout.write(line);
      }
      return EXIT_OK;
    });
  },
};

/** Every username and e-mail address already in the directory, read a page at a time. */
async function existingAccounts(services: Services): Promise<ExistingAccounts> {
  const usernames = new Set<string>();
  const emails = new Set<string>();
  for await (const account of allAccounts(services)) {
    usernames.add(account.username.toLowerCase());
    if (account.email !== null) emails.add(account.email.toLowerCase());
  }
  return { usernames, emails };
}

async function* allAccounts(services: Services): AsyncGenerator<DirectoryAccount> {
  let cursor: string | null = null;
  do {
    const page = await services.directory.listAccounts({ pageSize: PAGE_SIZE, cursor });
    yield* page.accounts;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

// ---- users list ----

const listHelp: CommandHelp = {
  name: 'users list',
  summary: 'list the accounts with their state',
  usage: ['users list [--json]'],
  options: [['--json', 'print JSON (one array) instead of a table']],
  examples: ['nyckel users list', 'nyckel users list --json > accounts.json'],
};

const listCommand: Command = {
  help: listHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, listHelp, { json: { type: 'boolean' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    return withServices(context, async (services) => {
      const rows: { account: DirectoryAccount; state: AccountState }[] = [];
      for await (const account of allAccounts(services)) rows.push({ account, state: await services.directory.readState(account.id) });
      const out = context.io.stdout;
      if (parsed.values.json === true) {
        out.write(
          `${JSON.stringify(
            rows.map(({ account, state }) => ({ ...publicAccount(account), state: jsonState(state) })),
            null,
            2,
          )}\n`,
        );
        return EXIT_OK;
      }
      if (rows.length === 0) {
        out.write('No accounts yet. Add one with `nyckel users add` or import a CSV file with `nyckel users import`.\n');
        return EXIT_OK;
      }
      out.write(
        formatTable(
          ['Username', 'Name', 'Department', 'E-mail', 'State'],
          rows.map(({ account, state }) => [
            account.username,
            account.displayName,
            account.department ?? '',
            account.email ?? '',
            stateWords(state),
          ]),
        ),
      );
      out.write(`${rows.length} account${rows.length === 1 ? '' : 's'}\n`);
      return EXIT_OK;
    });
  },
};

function publicAccount(account: DirectoryAccount) {
  return {
    username: account.username,
    displayName: account.displayName,
    department: account.department,
    email: account.email,
    mobile: account.mobile,
  };
}

function jsonState(state: AccountState) {
  return {
    isLocked: state.isLocked,
    lockedUntil: state.lockedUntil?.toISOString() ?? null,
    isDisabled: state.isDisabled,
    mustChange: state.mustChange,
    isExpired: state.isExpired,
    passwordChangedAt: state.passwordChangedAt?.toISOString() ?? null,
    passwordExpiresAt: state.passwordExpiresAt?.toISOString() ?? null,
    isPrivileged: state.isPrivileged,
  };
}

function stateWords(state: AccountState): string {
  const words: string[] = [];
  if (state.isDisabled) words.push('disabled');
  if (state.isLocked) words.push('locked');
  if (state.isExpired) words.push('expired');
  if (state.mustChange) words.push('must change');
  if (state.isPrivileged) words.push('privileged');
  return words.length === 0 ? 'active' : words.join(', ');
}

// ---- users show ----

const showHelp: CommandHelp = {
  name: 'users show',
  summary: 'show one account and its state (locked, must change, expiry, privileged)',
  usage: ['users show USERNAME|EMAIL [--json]'],
  options: [['--json', 'print JSON instead of text']],
  examples: ['nyckel users show anna.berg', 'nyckel users show anna.berg@example.se --json'],
};

const showCommand: Command = {
  help: showHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      showHelp,
      { json: { type: 'boolean' } },
      { min: 1, max: 1, names: ['USERNAME or EMAIL'] },
    );
    if (parsed === null) return EXIT_OK;
    return withServices(context, async (services) => {
      const account = await findOrFail(services, parsed.positionals[0] as string);
      const state = await services.directory.readState(account.id);
      const groups = await services.directory.groupsOf(account.id);
      const out = context.io.stdout;
      if (parsed.values.json === true) {
        out.write(`${JSON.stringify({ ...publicAccount(account), groups, state: jsonState(state) }, null, 2)}\n`);
        return EXIT_OK;
      }
      const yesNo = (value: boolean) => (value ? 'yes' : 'no');
      const lines: [string, string][] = [
        ['Username', account.username],
        ['Name', account.displayName],
        ['E-mail', account.email ?? '-'],
        ['Department', account.department ?? '-'],
        ['Mobile', account.mobile ?? '-'],
        ['Groups', groups.length === 0 ? '-' : groups.join(', ')],
        ['State', stateWords(state)],
        [
          'Locked',
          state.isLocked ? (state.lockedUntil === null ? 'yes, until unlocked' : `yes, until ${formatTime(state.lockedUntil)}`) : 'no',
        ],
        ['Disabled', yesNo(state.isDisabled)],
        ['Must change', yesNo(state.mustChange)],
        ['Expired', yesNo(state.isExpired)],
        ['Password changed', state.passwordChangedAt === null ? 'never' : formatTime(state.passwordChangedAt)],
        ['Password expires', state.passwordExpiresAt === null ? 'never' : formatTime(state.passwordExpiresAt)],
        ['Privileged', yesNo(state.isPrivileged)],
      ];
      for (const [label, value] of lines) out.write(`${`${label}:`.padEnd(18)}${value}\n`);
      return EXIT_OK;
    });
  },
};

function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function findOrFail(services: Services, identifier: string): Promise<DirectoryAccount> {
  const account = await services.directory.findAccount(identifier);
  if (account === null) throw new CommandFailed(`no account with the username or e-mail address ${JSON.stringify(identifier)}`);
  return account;
}

async function audit(services: Services, type: string, account: DirectoryAccount, detail: Record<string, unknown> = {}): Promise<void> {
  await services.store.appendAudit(
    { type, actor: CLI_ACTOR, subject: account.id, outcome: 'success', detail: { username: account.username, ...detail } },
    services.clock.now(),
  );
}

// ---- users unlock, users require-change ----

function accountChange(
  help: CommandHelp,
  change: (services: Services, account: DirectoryAccount, context: CommandContext) => Promise<void>,
): Command {
  return {
    help,
    async run(args, context) {
      const parsed = parseCommandLine(args, context, help, {}, { min: 1, max: 1, names: ['USERNAME'] });
      if (parsed === null) return EXIT_OK;
      return withServices(context, async (services) => {
        const account = await findOrFail(services, parsed.positionals[0] as string);
        await change(services, account, context);
        return EXIT_OK;
      });
    },
  };
}

const unlockCommand = accountChange(
  {
    name: 'users unlock',
    summary: 'unlock an account locked after failed sign-ins',
    usage: ['users unlock USERNAME'],
    examples: ['nyckel users unlock anna.berg'],
  },
  async (services, account, context) => {
    const wasLocked = (await services.directory.readState(account.id)).isLocked;
    await services.directory.unlock(account.id);
    await audit(services, 'account.unlocked', account, { wasLocked });
    context.io.stdout.write(
      wasLocked ? `Unlocked ${account.username}.\n` : `${account.username} was not locked; its failed sign-ins are reset.\n`,
    );
  },
);

const requireChangeCommand = accountChange(
  {
    name: 'users require-change',
    summary: 'make the user change password at the next sign-in',
    usage: ['users require-change USERNAME'],
    examples: ['nyckel users require-change anna.berg'],
  },
  async (services, account, context) => {
    await services.directory.requireChange(account.id);
    await audit(services, 'account.password_change_required', account);
    context.io.stdout.write(`${account.username} must change password at the next sign-in.\n`);
  },
);

// ---- users issue-pass ----

const issuePassHelp: CommandHelp = {
  name: 'users issue-pass',
  summary: 'issue a temporary access pass so a user can register a first sign-in method from anywhere',
  usage: ['users issue-pass USERNAME|EMAIL [--valid-minutes MINUTES] [--reusable]'],
  options: [
    ['--valid-minutes MINUTES', 'how long the pass works (default 60, at most 10080 = 7 days)'],
    ['--reusable', 'the pass can be used more than once until it expires (default: single use)'],
  ],
  notes: [
    'The pass is printed once and stored only as a hash: give it to the user through a channel you trust,',
    'after checking who they are. Issuing it is written to the audit log.',
  ],
  examples: ['nyckel users issue-pass anna.berg', 'nyckel users issue-pass anna.berg --valid-minutes 480 --reusable'],
};

const issuePassCommand: Command = {
  help: issuePassHelp,
  async run(args, context) {
    const parsed = parseCommandLine(
      args,
      context,
      issuePassHelp,
      { 'valid-minutes': { type: 'string' }, reusable: { type: 'boolean' } },
      { min: 1, max: 1, names: ['USERNAME'] },
    );
    if (parsed === null) return EXIT_OK;
    const minutesText = parsed.values['valid-minutes'] ?? '60';
    const validMinutes = /^\d{1,6}$/.test(minutesText) ? Number(minutesText) : Number.NaN;
    if (!Number.isInteger(validMinutes) || validMinutes < 1 || validMinutes > MAX_PASS_MINUTES) {
      throw new UsageError(`--valid-minutes must be a whole number from 1 to ${MAX_PASS_MINUTES}`, issuePassHelp);
    }
    const singleUse = parsed.values.reusable !== true;
    return withServices(context, async (services) => {
      const account = await findOrFail(services, parsed.positionals[0] as string);
      const pass = await services.securityInfo.issuePass(account.id, { singleUse, validMinutes, issuedBy: CLI_ACTOR });
      const expires = new Date(services.clock.now().getTime() + validMinutes * 60_000);
      context.io.stdout.write(
        `Temporary access pass for ${account.username} (${singleUse ? 'single use' : 'reusable'}, valid until ${formatTime(expires)}):\n\n  ${pass}\n\nIt is shown only now.\n`,
      );
      return EXIT_OK;
    });
  },
};

export const usersCommands: CommandGroup = {
  help: {
    name: 'users',
    summary: 'manage accounts in the embedded directory',
    usage: ['users <command> [options]'],
    examples: ['nyckel users list', 'nyckel users show anna.berg', 'nyckel users import staff.csv'],
  },
  subcommands: {
    add: addCommand,
    import: importCommand,
    list: listCommand,
    show: showCommand,
    unlock: unlockCommand,
    'require-change': requireChangeCommand,
    'issue-pass': issuePassCommand,
  },
};
