// `nyckel doctor [--test-account USERNAME]`: checks an installation end to end and prints one
// ✓ / ! / ✗ line per check, with what to do for each problem: the configuration, the store
// (reachable, migrated), the directory (servers, TLS, service account, base DN, user filter,
// and a test account's lookup, state and the service account's rights on it), messaging (SMTP
// connect, EHLO and STARTTLS without sending; SMS gateway configured) and the secret key file.
// It changes nothing anywhere and prints no password or secret. Exit 0 only when nothing failed.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import nodemailer from 'nodemailer';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ActiveDirectory } from '../directory/active-directory/active-directory.ts';
import type { Directory } from '../directory/directory.ts';
import { type CheckResult, checkEmbeddedDirectory, checkLdapDirectory } from '../directory/directory-doctor.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { resolveLdapSettings } from '../directory/ldap/ldap-config.ts';
import { OpenLdapDirectory } from '../directory/ldap/openldap-directory.ts';
import { systemClock } from '../domain/clock.ts';
import { NyckelError } from '../domain/errors.ts';
import { createLogger } from '../observability/logger.ts';
import { type OpenDatabase, openDatabase, sqlitePath } from '../store/database.ts';
import { migrationProvider } from '../store/migrations/index.ts';
import type { Database } from '../store/schema.ts';
import { type Command, type CommandHelp, EXIT_FAILED, EXIT_OK, parseCommandLine } from './command-line.ts';

const help: CommandHelp = {
  name: 'doctor',
  summary: 'check the configuration, store, directory, messaging and keys',
  usage: ['doctor [--test-account USERNAME] [--config FILE]'],
  options: [
    ['--test-account USERNAME', "also check this account: lookup, state, and the service account's rights on it (nothing is changed)"],
  ],
  notes: [
    'Each check prints ✓ (fine), ! (works, but look at it) or ✗ (broken, with what to do).',
    'Exit code 0 when nothing is broken, 1 otherwise. No password is ever printed or changed.',
  ],
  examples: ['nyckel doctor', 'nyckel --config /etc/nyckel/nyckel.yaml doctor --test-account anna.berg'],
};

const symbols = { ok: '✓', warn: '!', fail: '✗' } as const;

interface Section {
  name: string;
  results: CheckResult[];
}

export const doctorCommand: Command = {
  help,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, help, { 'test-account': { type: 'string' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    const testAccount = parsed.values['test-account'];
    const out = context.io.stdout;
    const sections: Section[] = [];
    const print = (section: Section) => {
      sections.push(section);
      out.write(`${section.name}\n`);
      for (const result of section.results) {
        out.write(`  ${symbols[result.status]} ${result.title}: ${result.detail}\n`);
        if (result.hint !== undefined && result.status !== 'ok') out.write(`      → ${result.hint}\n`);
      }
    };

    let config: Config;
    try {
      const loaded = loadConfig({ file: context.configFile, env: context.io.env });
      config = loaded.config;
      print({
        name: 'Configuration',
        results: [{ status: 'ok', title: 'valid', detail: loaded.file ?? 'built-in defaults and environment' }],
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      print({
        name: 'Configuration',
        results: error.problems.map((problem) => ({
          status: 'fail' as const,
          title: problem.path === '' ? error.source : problem.path,
          detail: problem.message,
          hint: problem.path === '' ? 'fix the file' : `fix ${problem.path} in ${error.source}`,
        })),
      });
      return summarise(sections, context.io.stdout);
    }

    const store = await checkStore(config);
    print({ name: `Store (${config.store.driver})`, results: store.results });
    try {
      print({ name: `Directory (${config.directory.type})`, results: await checkDirectory(config, store.open, testAccount) });
    } finally {
      await store.open?.db.destroy().catch(() => undefined);
    }
    print({ name: 'Messaging', results: await checkMessaging(config) });
    print({ name: 'Secret keys', results: [checkKeyFile(config)] });
    return summarise(sections, out);
  },
};

function summarise(sections: Section[], out: NodeJS.WritableStream): number {
  const all = sections.flatMap((s) => s.results);
  const failed = all.filter((r) => r.status === 'fail').length;
  const warnings = all.filter((r) => r.status === 'warn').length;
  const warningText = warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  out.write('\n');
  if (failed === 0) {
    out.write(`All ${all.length} checks passed${warningText}.\n`);
    return EXIT_OK;
  }
  out.write(`${failed} of ${all.length} checks failed${warningText}. Fix the ✗ lines above and run \`nyckel doctor\` again.\n`);
  return EXIT_FAILED;
}

// ---------------------------------------------------------------------------------------------

async function checkStore(config: Config): Promise<{ results: CheckResult[]; open: OpenDatabase | null }> {
  const title = 'database';
  let open: OpenDatabase;
  if (config.store.driver === 'sqlite') {
    const path = sqlitePath(resolve(config.dataDir), config.store.sqlite.path);
    // Opening a missing SQLite file would create it: the doctor changes nothing.
    if (path !== ':memory:' && !existsSync(path)) {
      return { results: [fail(title, `${path} does not exist yet`, 'run `nyckel migrate` (or start the server once)')], open: null };
    }
    try {
      open = openDatabase({ driver: 'sqlite', path });
    } catch (error) {
      return { results: [fail(title, describe(error), 'check the file and the permissions of dataDir')], open: null };
    }
  } else {
    open = openDatabase({ driver: 'postgres', url: config.store.postgres.url as string, poolSize: 1 });
  }
  try {
    const migrator = new Migrator({ db: open.db as Kysely<unknown>, provider: migrationProvider({ dialect: open.dialect }) });
    const migrations = await migrator.getMigrations();
    const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
    const where = config.store.driver === 'sqlite' ? 'reachable' : 'PostgreSQL reachable';
    if (pending.length > 0) {
      return {
        results: [fail(title, `${where}, but ${pending.length} migration(s) not applied: ${pending.join(', ')}`, 'run `nyckel migrate`')],
        open,
      };
    }
    return { results: [{ status: 'ok', title, detail: `${where}, all ${migrations.length} migrations applied` }], open };
  } catch (error) {
    await open.db.destroy().catch(() => undefined);
    return {
      results: [
        fail(
          title,
          `cannot be read: ${describe(error)}`,
          config.store.driver === 'postgres'
            ? 'check store.postgres.url, that PostgreSQL runs and accepts this user'
            : 'check the SQLite file',
        ),
      ],
      open: null,
    };
  }
}

async function checkDirectory(config: Config, open: OpenDatabase | null, testAccount: string | undefined): Promise<CheckResult[]> {
  const logger = createLogger('silent');
  const type = config.directory.type;
  if (type === 'embedded') {
    if (open === null) return [fail('embedded directory', 'not checked: its accounts are in the store', 'fix the store first')];
    const embedded = new EmbeddedDirectory(open.db as Kysely<Database>, config.directory.embedded, config.passwordPolicy, systemClock);
    return checkEmbeddedDirectory(embedded, { testAccount });
  }
  const flavour = type === 'active-directory' ? 'active-directory' : 'openldap';
  const settings = resolveLdapSettings(config.directory, flavour);
  let directory: Directory;
  try {
    directory =
      flavour === 'active-directory'
        ? new ActiveDirectory({
            settings,
            activeDirectory: { policyHints: config.directory.activeDirectory.policyHints },
            // Only read here; the history table is used by resets, which the doctor never does.
            db: (open?.db ?? null) as Kysely<Database>,
            argon2: config.directory.embedded.argon2,
            logger,
          })
        : new OpenLdapDirectory(settings, { logger, maxPasswordLength: config.passwordPolicy.maxLength });
  } catch (error) {
    return [fail('directory settings', describe(error), 'fix directory.ldap in the configuration')];
  }
  try {
    return await checkLdapDirectory(settings, directory, { testAccount });
  } finally {
    await directory.close().catch(() => undefined);
  }
}

async function checkMessaging(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { sms, email } = config.messaging;
  if (sms.provider === 'outbox') {
    results.push({ status: 'ok', title: 'SMS', detail: 'written to the outbox (no gateway configured)' });
  } else {
    // Nothing is sent: a test SMS costs money and reaches someone's phone.
    results.push({ status: 'ok', title: 'SMS', detail: `${sms.provider} configured (not contacted: no test message is sent)` });
  }
  if (email.transport === 'outbox') {
    results.push({ status: 'ok', title: 'e-mail', detail: 'written to the outbox (no SMTP server configured)' });
    return results;
  }
  results.push(await checkSmtp(config));
  return results;
}

/** Connect, EHLO, STARTTLS (and AUTH when configured) with nodemailer's verify(): no message is sent. */
async function checkSmtp(config: Config): Promise<CheckResult> {
  const smtp = config.messaging.email.smtp;
  const title = `SMTP ${smtp.host}:${smtp.port}`;
  let ca: string | undefined;
  if (smtp.caFile !== undefined) {
    try {
      ca = readFileSync(smtp.caFile, 'utf8');
    } catch {
      return fail(title, `messaging.email.smtp.caFile ${smtp.caFile} cannot be read`, 'point caFile at a readable PEM file');
    }
  }
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    tls: { rejectUnauthorized: smtp.rejectUnauthorized, minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }) },
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
  try {
    await transport.verify();
    const how = smtp.secure ? 'TLS' : smtp.requireTLS ? 'EHLO, STARTTLS' : 'EHLO (STARTTLS not required)';
    const result: CheckResult = {
      status: 'ok',
      title,
      detail: `connected, ${how}${smtp.user === undefined ? '' : ', signed in'}; nothing sent`,
    };
    if (!smtp.rejectUnauthorized || (!smtp.secure && !smtp.requireTLS)) {
      return {
        status: 'warn',
        title,
        detail: `${result.detail}; but mail may travel unprotected`,
        hint: 'set messaging.email.smtp.requireTLS and rejectUnauthorized to true',
      };
    }
    return result;
  } catch (error) {
    const e = error as { code?: string; responseCode?: number; command?: string };
    const what =
      e.code === 'EAUTH' ? 'sign-in refused' : e.code === 'ETLS' || /certificate|TLS/i.test(describe(error)) ? 'TLS failed' : 'failed';
    const hint =
      e.code === 'EAUTH'
        ? 'check messaging.email.smtp.user and password'
        : what === 'TLS failed'
          ? 'the server must offer STARTTLS with a certificate this machine trusts (messaging.email.smtp.caFile)'
          : 'check messaging.email.smtp.host and port, and that the mail server accepts connections from here';
    return fail(title, `${what}: ${describe(error)}`, hint);
  } finally {
    transport.close();
  }
}

function checkKeyFile(config: Config): CheckResult {
  const title = 'key file';
  if (config.secrets.keys !== undefined) return { status: 'ok', title: 'keys', detail: 'given in the configuration (secrets.keys)' };
  const path = resolve(config.dataDir, config.secrets.keyFile);
  if (!existsSync(path)) {
    return {
      status: 'warn',
      title,
      detail: `${path} does not exist yet; it is created with mode 0600 at the first start`,
      hint: 'if authenticator apps were registered before, the key that protected them is gone: restore the file from backup',
    };
  }
  const stat = statSync(path);
  const mode = stat.mode & 0o777;
  const shown = mode.toString(8).padStart(4, '0');
  // The keys decrypt every authenticator seed: only the service's own user may read them.
  if ((mode & 0o077) !== 0) {
    return fail(title, `${path} has mode ${shown}: other users can read the keys`, `chmod 600 ${path}`);
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    return {
      status: 'warn',
      title,
      detail: `${path} (mode ${shown}) belongs to uid ${stat.uid}, not to this user`,
      hint: `run Nyckel as its owner, or chown it`,
    };
  }
  return { status: 'ok', title, detail: `${path}, mode ${shown}` };
}

function fail(title: string, detail: string, hint: string): CheckResult {
  return { status: 'fail', title, detail, hint };
}

function describe(error: unknown): string {
  if (error instanceof NyckelError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  // Connection strings may carry a password: never echo one.
  return message.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}
