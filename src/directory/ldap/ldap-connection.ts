// Connections to an LDAP server for both LDAP adapters: a small pool of connections bound as the
// service account, failover over the configured URLs (tried in order, the last one that answered
// first), reconnect after a server restart, timeouts, TLS with a configured CA, and fresh
// connections for binding as a user. Transport failures become 'directory_unavailable'.

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { type Change, Client, type Control, type SearchOptions, type SearchResult } from 'ldapts';
import { NyckelError } from '../../domain/errors.ts';
import type { LdapSettings } from './ldap-config.ts';
import { directoryUnavailable, isTransportError } from './ldap-errors.ts';

/** The subset of ldapts' Client that Nyckel uses (so tests and other backends can stand in). */
export interface LdapClient {
  readonly isConnected: boolean;
  bind(dn: string, password?: string, controls?: Control | Control[]): Promise<void>;
  search(baseDn: string, options?: SearchOptions, controls?: Control | Control[]): Promise<SearchResult>;
  modify(dn: string, changes: Change | Change[], controls?: Control | Control[]): Promise<void>;
  exop(oid: string, value?: Buffer | string, controls?: Control | Control[]): Promise<{ oid?: string; value?: string }>;
  unbind(): Promise<void>;
}

export interface LdapConnection {
  client: LdapClient;
  url: string;
  /** ldaps:// (TLS from the first byte). */
  isEncrypted: boolean;
}

export interface LdapPoolOptions {
  /** Where warnings go (failover, plain ldap://); pino's warn signature. */
  logger?: { warn(object: Record<string, unknown>, message: string): void };
  /** Makes a client for a URL; ldapts by default. */
  createClient?: (url: string, tls: ConnectionOptions | undefined, timeoutMs: number) => LdapClient;
}

function createLdaptsClient(url: string, tls: ConnectionOptions | undefined, timeoutMs: number): LdapClient {
  // tlsOptions only for ldaps://: ldapts would otherwise speak TLS on a plain ldap:// port.
  return new Client({ url, timeout: timeoutMs, connectTimeout: timeoutMs, ...(tls === undefined ? {} : { tlsOptions: tls }) });
}

export class LdapConnectionPool {
  private readonly idle: LdapConnection[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly tls: ConnectionOptions;
  private readonly createClient: NonNullable<LdapPoolOptions['createClient']>;
  private readonly logger: LdapPoolOptions['logger'];
  /** Index of the URL that answered last; new connections try it first. */
  private preferred = 0;
  private active = 0;
  private isClosed = false;

  constructor(
    private readonly settings: LdapSettings,
    options: LdapPoolOptions = {},
  ) {
    if (settings.urls.length === 0) throw new NyckelError('config_invalid', 'directory.ldap.urls needs at least one server');
    this.createClient = options.createClient ?? createLdaptsClient;
    this.logger = options.logger;
    let ca: Buffer[] | undefined;
    if (settings.tls.caFile !== null) {
      try {
        ca = [readFileSync(settings.tls.caFile)];
      } catch (error) {
        throw new NyckelError('config_invalid', `directory.ldap.tls.caFile can't be read: ${settings.tls.caFile}`, { cause: error });
      }
    }
    // Certificates are verified unless explicitly turned off; Node checks the host name against the certificate.
    this.tls = { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: settings.tls.rejectUnauthorized, minVersion: 'TLSv1.2' };
    if (settings.dangerouslyAllowPlainLdap) {
      this.logger?.warn(
        { urls: settings.urls },
        'directory.ldap.dangerouslyAllowPlainLdap is on: passwords may cross the network unencrypted',
      );
    } else if (settings.urls.some((url) => !isEncryptedUrl(url))) {
      this.logger?.warn({ urls: settings.urls }, 'directory.ldap.urls has ldap:// servers: Nyckel will not send user passwords to them');
    }
    if (!settings.tls.rejectUnauthorized)
      this.logger?.warn({}, 'directory.ldap.tls.rejectUnauthorized is false: the directory server is not verified');
  }

  /**
   * Runs `work` on a connection bound as the service account. A read (`isWrite` false) whose
   * connection broke is retried once on a fresh connection (a restarted server, failover);
   * a write is not, since it may have reached the server.
   */
  async withService<T>(
    operation: string,
    work: (connection: LdapConnection) => Promise<T>,
    options: { isWrite?: boolean } = {},
  ): Promise<T> {
    const attempts = options.isWrite ? 1 : 2;
    for (let attempt = 1; ; attempt++) {
      const connection = await this.acquire(operation);
      let isBroken = false;
      try {
        return await work(connection);
      } catch (error) {
        if (isTransportError(error)) {
          isBroken = true;
          if (attempt < attempts && !this.isClosed) continue;
          throw directoryUnavailable(operation, error);
        }
        throw error;
      } finally {
        this.release(connection, isBroken);
      }
    }
  }

  /**
   * Opens a new connection (failover over the URLs) and binds as `dn`. The caller must pass the
   * connection to `discard` in a `finally` (a failed bind leaves the socket open). LDAP answers
   * such as 49 are thrown as they are; transport failures as 'directory_unavailable'.
   */
  async openAs(operation: string, dn: string, password: string, controls?: Control[]): Promise<LdapConnection> {
    return await this.connect(operation, async (connection) => {
      this.assertMaySendPassword(connection, operation);
      await connection.client.bind(dn, password, controls);
    });
  }

  /** Ends a connection from openAs (unbind; errors ignored, the socket is closed either way). */
  async discard(connection: LdapConnection): Promise<void> {
    await connection.client.unbind().catch(() => undefined);
  }

  /** Refuses to send a user's password over unencrypted ldap:// unless dangerouslyAllowPlainLdap is set. */
  assertMaySendPassword(connection: LdapConnection, operation: string): void {
    if (connection.isEncrypted || this.settings.dangerouslyAllowPlainLdap) return;
    const hint = `refusing to send a password over unencrypted ${connection.url}: use ldaps:// (or set directory.ldap.dangerouslyAllowPlainLdap)`;
    throw new NyckelError('directory_unavailable', `directory ${operation} refused: ${hint}`, {
      detail: { operation, url: connection.url, hint },
    });
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const connections = this.idle.splice(0);
    await Promise.all(connections.map((connection) => this.discard(connection)));
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async acquire(operation: string): Promise<LdapConnection> {
    if (this.isClosed) throw new NyckelError('directory_unavailable', 'the directory connection pool is closed');
    while (this.active >= this.settings.poolSize) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.isClosed) throw new NyckelError('directory_unavailable', 'the directory connection pool is closed');
    }
    this.active += 1;
    try {
      // A pooled connection the server has closed (restart, idle timeout) is dropped, not reused.
      for (let pooled = this.idle.pop(); pooled !== undefined; pooled = this.idle.pop()) {
        if (pooled.client.isConnected) return pooled;
        await this.discard(pooled);
      }
      return await this.connect(operation, async (connection) => {
        try {
          await connection.client.bind(this.settings.bindDn, this.settings.bindPassword);
        } catch (error) {
          if (isTransportError(error)) throw error;
          // Not the user's doing: a wrong service password must never read as the user's wrong password.
          const refused = directoryUnavailable(`${operation} (service account bind)`, error);
          if (refused.detail !== undefined)
            refused.detail.hint = 'the service account could not bind: check directory.ldap.bindDn and bindPassword';
          throw refused;
        }
      });
    } catch (error) {
      this.active -= 1;
      this.waiters.shift()?.();
      throw error;
    }
  }

  private release(connection: LdapConnection, isBroken: boolean): void {
    this.active -= 1;
    if (isBroken || this.isClosed || !connection.client.isConnected) void this.discard(connection);
    else this.idle.push(connection);
    this.waiters.shift()?.();
  }

  /**
   * Tries the URLs in order, starting with the one that answered last, until one connects and
   * `setup` (a bind) gets an answer. A server that doesn't answer is skipped; an LDAP answer
   * (such as 49) ends the search and is thrown.
   */
  private async connect(operation: string, setup: (connection: LdapConnection) => Promise<void>): Promise<LdapConnection> {
    const urls = this.settings.urls;
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      const index = (this.preferred + i) % urls.length;
      const url = urls[index] as string;
      const isEncrypted = isEncryptedUrl(url);
      const connection: LdapConnection = {
        client: this.createClient(url, isEncrypted ? this.tls : undefined, this.settings.timeoutMs),
        url,
        isEncrypted,
      };
      try {
        await setup(connection);
        if (index !== this.preferred) {
          this.logger?.warn({ url, previous: urls[this.preferred] }, 'directory: failed over to another server');
          this.preferred = index;
        }
        return connection;
      } catch (error) {
        if (!isTransportError(error)) {
          await this.discard(connection);
          throw error;
        }
        lastError = error;
        await this.discard(connection);
      }
    }
    throw directoryUnavailable(operation, lastError);
  }
}

export function isEncryptedUrl(url: string): boolean {
  return url.toLowerCase().startsWith('ldaps://');
}
