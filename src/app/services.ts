// Builds the running service's parts from the configuration: store, directory, messenger,
// clock, logger. The web app and the CLI both start from here.

import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { createSyslogForwarder } from '../audit/syslog-forwarder.ts';
import type { CampaignService } from '../campaigns/campaign.ts';
import { StoreCampaignService } from '../campaigns/campaign-service.ts';
import { withPasswordChangeHook } from '../campaigns/change-hook.ts';
import type { Config } from '../config/schema.ts';
import { ActiveDirectory } from '../directory/active-directory/active-directory.ts';
import type { Directory, DirectoryAccount } from '../directory/directory.ts';
import { EmbeddedDirectory } from '../directory/embedded/embedded-directory.ts';
import { resolveLdapSettings } from '../directory/ldap/ldap-config.ts';
import { OpenLdapDirectory } from '../directory/ldap/openldap-directory.ts';
import { type Clock, systemClock } from '../domain/clock.ts';
import { NyckelError } from '../domain/errors.ts';
import { createMessenger } from '../messaging/create-messenger.ts';
import type { Messenger } from '../messaging/messenger.ts';
import type { OutboxMessenger } from '../messaging/outbox.ts';
import type { SecurityInfo } from '../methods/security-info.ts';
import { checkZoneNames, openConfiguredSecretBox, SecurityInfoService } from '../methods/security-info-service.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { type BreachedIndex, BreachedIndexFileError, openBreachedIndex } from '../passwords/breached/breached-index.ts';
import { checkPasswordOnline } from '../passwords/breached/online-check.ts';
import { type IsBreached, loadPasswordPolicy, type PasswordContext, type PasswordPolicy } from '../passwords/policy.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { migrateToLatest, openDatabase, sqlitePath } from '../store/database.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';

export interface Services {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  directory: Directory;
  /** Present when directory.type is embedded: account management for the CLI and the demo. */
  embeddedDirectory: EmbeddedDirectory | null;
  /** Sends SMS and e-mail through the configured gateways (the outbox by default). */
  messenger: Messenger;
  outbox: OutboxMessenger;
  /** Registered sign-in methods, codes and passes. */
  securityInfo: SecurityInfo;
  /** Encrypts TOTP seeds and keys the HMACs of codes (key file under dataDir unless secrets.keys is set). */
  secretBox: SecretBox;
  /** The breached-password index built by `nyckel breached import`; null when none is imported (or breached.enabled is off). */
  breachedIndex: BreachedIndex | null;
  /** The password policy every new password is checked against, with the breached check when an index (or the online check) is there. */
  passwordPolicy: PasswordPolicy;
  /** What the policy needs to know about an account for the "not your own words" rule. */
  passwordContextFor(account: DirectoryAccount): PasswordContext;
  /** Leak-response campaigns (src/campaigns/campaign.ts); the campaign job does the work. */
  campaigns: CampaignService;
  close(): Promise<void>;
}

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** Skip migrations (tests that migrate themselves). Default false. */
  skipMigrations?: boolean;
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const dataDir = resolve(config.dataDir);
  const open =
    config.store.driver === 'sqlite'
      ? openDatabase({ driver: 'sqlite', path: sqlitePath(dataDir, config.store.sqlite.path) })
      : openDatabase({ driver: 'postgres', url: config.store.postgres.url as string, poolSize: config.store.postgres.poolSize });
  if (!options.skipMigrations) {
    try {
      await migrateToLatest(open);
    } catch (error) {
      await open.db.destroy();
      throw error;
    }
  }
  const store = new KyselyStore(open.db, open.dialect);
  // Audit events also go to syslog when configured: best effort, and a copy outside the database anchors the hash chain.
  const syslog = config.audit.syslog.enabled ? createSyslogForwarder(config.audit.syslog, logger) : null;
  if (syslog !== null) store.onAuditAppended((event) => syslog.forward(event));
  let embeddedDirectory: EmbeddedDirectory | null = null;
  let directory: Directory;
  try {
    if (config.directory.type === 'embedded') {
      embeddedDirectory = new EmbeddedDirectory(open.db, config.directory.embedded, config.passwordPolicy, clock);
      directory = embeddedDirectory;
    } else {
      directory = createLdapDirectory(config, clock, logger, open.db);
    }
  } catch (error) {
    await open.db.destroy();
    throw error;
  }
  // The job talks to the adapter itself; everything else gets a directory that tells the
  // campaigns about password changes made through Nyckel at once.
  const campaigns = new StoreCampaignService({ store, directory, clock, logger });
  directory = withPasswordChangeHook(directory, (id) => campaigns.noteChanged(id), logger);
  let messaging: ReturnType<typeof createMessenger>;
  try {
    messaging = createMessenger(config.messaging, dataDir, { clock, logger });
  } catch (error) {
    await directory.close();
    await open.db.destroy();
    throw error;
  }
  const { messenger, outbox } = messaging;
  let breachedIndex: BreachedIndex | null;
  let passwordPolicy: PasswordPolicy;
  try {
    breachedIndex = openConfiguredBreachedIndex(config, dataDir, logger);
    passwordPolicy = await loadPasswordPolicy(config.passwordPolicy, {
      dataDir,
      ...breachedCheck(config, breachedIndex, logger),
    });
  } catch (error) {
    messaging.close();
    await directory.close();
    await open.db.destroy();
    throw error;
  }
  let secretBox: SecretBox;
  let securityInfo: SecurityInfo;
  try {
    checkZoneNames(config);
    secretBox = openConfiguredSecretBox(config);
    securityInfo = new SecurityInfoService({
      db: open.db,
      dialect: open.dialect,
      store,
      directory,
      messenger,
      box: secretBox,
      clock,
      logger,
      config,
    });
  } catch (error) {
    messaging.close();
    await directory.close();
    await open.db.destroy();
    throw error;
  }
  return {
    config,
    clock,
    logger,
    store,
    directory,
    embeddedDirectory,
    messenger,
    outbox,
    securityInfo,
    secretBox,
    breachedIndex,
    passwordPolicy,
    passwordContextFor: (account) => passwordContextFor(config, account),
    campaigns,
    async close() {
      messaging.close();
      await directory.close();
      await syslog?.close();
      await store.close();
    },
  };
}

/** The directory for an LDAP type: OpenLDAP (ppolicy) or Active Directory, over the shared LDAP settings. */
function createLdapDirectory(config: Config, clock: Clock, logger: Logger, db: Kysely<Database>): Directory {
  if (config.directory.type === 'active-directory') {
    const ad = config.directory.activeDirectory;
    return new ActiveDirectory({
      settings: resolveLdapSettings(config.directory, 'active-directory'),
      activeDirectory: { policyHints: ad.policyHints, ownHistorySize: ad.ownHistorySize ?? null },
      // Nyckel's own history of the passwords it set (Samba doesn't check history on resets).
      db,
      argon2: config.directory.embedded.argon2,
      clock,
      logger,
    });
  }
  return new OpenLdapDirectory(resolveLdapSettings(config.directory, 'openldap'), {
    clock,
    logger,
    maxPasswordLength: config.passwordPolicy.maxLength,
  });
}

/** The breached-password index from passwordPolicy.breached.indexFile (under dataDir), when one has been imported. */
function openConfiguredBreachedIndex(config: Config, dataDir: string, logger: Logger): BreachedIndex | null {
  const settings = config.passwordPolicy.breached;
  if (!settings.enabled) return null;
  const path = resolve(dataDir, settings.indexFile);
  try {
    const index = openBreachedIndex(path);
    if (index === null) logger.info({ path }, 'no breached-password index imported yet; run `nyckel breached import`');
    else logger.info({ path, entries: index.info.entries }, 'breached-password index loaded');
    return index;
  } catch (error) {
    // A damaged index stops the start (with the file and the fault named) rather than silently
    // letting breached passwords through; re-import it or point indexFile elsewhere.
    if (error instanceof BreachedIndexFileError) throw new NyckelError('config_invalid', error.message, { cause: error });
    throw error;
  }
}

/** The breached check for the policy: the offline index, then (when enabled) the HIBP range API. */
function breachedCheck(config: Config, index: BreachedIndex | null, logger: Logger): { isBreached?: IsBreached } {
  const online = config.passwordPolicy.breached.online;
  if (index === null && !online.enabled) return {};
  return {
    isBreached: async (password) => {
      if (index?.hasPassword(password) === true) return true;
      if (!online.enabled) return false;
      const answer = await checkPasswordOnline(password, { apiUrl: online.apiUrl, padding: online.padding });
      // The offline index has already been asked; an unreachable API must not block every change.
      if (answer.status === 'unavailable') logger.warn({ reason: answer.reason }, 'breached-password range API unavailable');
      return answer.status === 'breached';
    },
  };
}

/** The account's words the policy refuses (name, username, e-mail name, department, phone) and the organisation's name. */
export function passwordContextFor(config: Config, account: DirectoryAccount): PasswordContext {
  return {
    username: account.username,
    displayName: account.displayName,
    ...(account.email === null ? {} : { email: account.email }),
    organisationName: config.organisation.name,
    otherAttributes: [account.department ?? undefined, account.mobile ?? undefined],
  };
}
