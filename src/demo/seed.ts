// Seeds the demo organisation into the configured store's embedded directory, once: the
// setting 'demo.seeded' records that it was done, and accounts that already exist are left
// alone, so running it again (or from two instances at once) never duplicates anyone.

import type { Services } from '../app/services.ts';
import { isNyckelError, NyckelError } from '../domain/errors.ts';
import { DEMO_ORGANISATION_NAME, type DemoEmployee, demoEmployees } from './demo-organisation.ts';

export const DEMO_SEEDED_SETTING = 'demo.seeded';

export interface DemoAccountSummary {
  username: string;
  displayName: string;
  department: string;
  password: string;
  role: string;
}

export interface DemoSummary {
  organisation: string;
  accounts: DemoAccountSummary[];
  /** Accounts created by this seeding (0 when every one already existed). */
  created: number;
}

export interface SeedDemoOptions {
  /** Who the audit event names: 'cli' for `nyckel demo`, 'system' when the server seeds on start. */
  actor?: string;
}

/** The sign-in details of the demo organisation, for the console on every start. */
export function demoSummary(created = 0): DemoSummary {
  return {
    organisation: DEMO_ORGANISATION_NAME,
    accounts: demoEmployees.map(({ username, displayName, department, password, role }) => ({
      username,
      displayName,
      department,
      password,
      role,
    })),
    created,
  };
}

export async function isDemoSeeded(services: Pick<Services, 'store'>): Promise<boolean> {
  return (await services.store.getSetting(DEMO_SEEDED_SETTING)) !== null;
}

/**
 * Creates the demo organisation's accounts unless it was seeded before. Returns what was
 * seeded, or null when the store already had it.
 */
export async function seedDemo(services: Services, options: SeedDemoOptions = {}): Promise<DemoSummary | null> {
  if (await isDemoSeeded(services)) return null;
  const directory = services.embeddedDirectory;
  if (directory === null) {
    throw new NyckelError(
      'invalid_input',
      'the demo organisation can only be created in the embedded directory (directory.type: embedded)',
    );
  }
  const shortest = Math.min(...demoEmployees.map((e) => [...e.password].length));
  if (services.config.passwordPolicy.minLength > shortest) {
    throw new NyckelError(
      'invalid_input',
      `the demo passwords are ${shortest} characters or more, but passwordPolicy.minLength is ${services.config.passwordPolicy.minLength}; lower it for the demo`,
    );
  }

  let created = 0;
  for (const employee of demoEmployees) {
    if (await createDemoAccount(services, employee)) created++;
  }
  const now = services.clock.now();
  await services.store.setSetting(DEMO_SEEDED_SETTING, now.toISOString());
  await services.store.appendAudit(
    {
      type: 'demo.seeded',
      actor: options.actor ?? 'system',
      outcome: 'success',
      detail: { organisation: DEMO_ORGANISATION_NAME, created },
    },
    now,
  );
  return demoSummary(created);
}

/** Creates one account with its state; false when an account with its username already exists. */
async function createDemoAccount(services: Services, employee: DemoEmployee): Promise<boolean> {
  const directory = services.embeddedDirectory as NonNullable<Services['embeddedDirectory']>;
  if ((await directory.findAccount(employee.username)) !== null) return false;
  try {
    await directory.createAccount(
      {
        username: employee.username,
        email: employee.email,
        displayName: employee.displayName,
        department: employee.department,
        mobile: employee.mobile,
        privileged: employee.privileged === true,
        groups: [...employee.groups],
      },
      employee.password,
    );
  } catch (error) {
    // Another instance seeding at the same moment got there first: that is the same outcome.
    if (isNyckelError(error, 'account_exists')) return false;
    throw error;
  }
  const account = await directory.findAccount(employee.username);
  if (account === null) throw new NyckelError('internal', `the demo account ${employee.username} was created but cannot be found`);
  if (employee.mustChange === true) await directory.requireChange(account.id);
  if (employee.disabled === true) await directory.setDisabled(account.id, true);
  return true;
}

/** The console text with the demo's sign-in details. */
export function describeDemo(summary: DemoSummary): string {
  const headers = ['Username', 'Password', 'Department', 'What it shows'];
  const rows = summary.accounts.map((a) => [a.username, a.password, a.department, a.role]);
  const width = (s: string) => [...s].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd()}`;
  return [
    `${summary.organisation}: demo organisation with fictional people. Demo mode is for trials only, never for production.`,
    'Sign in with a username (or its e-mail address at demo.example) and the password beside it:',
    '',
    line(headers),
    ...rows.map(line),
    '',
    'Text messages and e-mail are not sent: they are written to the outbox in the data directory.',
    '',
  ].join('\n');
}
