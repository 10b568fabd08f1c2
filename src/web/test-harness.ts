// Test support for the web app: real services on a temporary SQLite store with the embedded
// directory (cheap argon2 parameters), a hand-moved clock, and a small cookie-keeping browser
// that drives the app in-process through app.request().

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { createServices, type Services } from '../app/services.ts';
import { type ConfigInput, configSchema } from '../config/schema.ts';
import type { DirectoryAccount } from '../directory/directory.ts';
import { ManualClock } from '../domain/clock.ts';
import { createLogger } from '../observability/logger.ts';
import { createApp } from './app.tsx';
import type { WebEnv } from './context.ts';
import type { RouteTable } from './route-table.ts';

export const TEST_PASSWORD = 'Korrekt-Häst-Batteri-Häftklammer';

export interface TestContext {
  services: Services;
  clock: ManualClock;
  app: Hono<WebEnv>;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
  account: DirectoryAccount;
  close(): Promise<void>;
}

/** Deep-merges test overrides onto the base test configuration. */
function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export async function createTestContext(
  overrides: ConfigInput = {},
  options: { extraRoutes?: (routes: RouteTable) => void } = {},
): Promise<TestContext> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nyckel-web-'));
  const config = configSchema.parse(
    merge(
      {
        dataDir,
        log: { level: 'info' },
        directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1 } } },
        // Most tests are about other pages: accounts without methods go straight in. The
        // second-step and security-info tests turn registration back on.
        securityInfo: { registrationRequired: false },
      },
      overrides as Record<string, unknown>,
    ),
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const services = await createServices(config, { clock, logger: createLogger(config.log.level, sink) });
  const directory = services.embeddedDirectory;
  if (directory === null) throw new Error('the web tests need the embedded directory');
  const account = await directory.createAccount(
    {
      username: 'anna.andersson',
      email: 'anna.andersson@example.se',
      displayName: 'Anna Andersson',
      department: 'IT',
      mobile: '0701234567',
    },
    TEST_PASSWORD,
  );
  const app = createApp(services, options.extraRoutes === undefined ? {} : { extraRoutes: options.extraRoutes });
  return {
    services,
    clock,
    app,
    logs,
    account,
    async close() {
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BrowserResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

/** Keeps cookies between requests, like a browser without JavaScript. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly #app: Hono<WebEnv>;
  readonly #origin: string;
  /** The last CSRF token seen in a page. */
  csrf: string | undefined;

  constructor(app: Hono<WebEnv>, origin = 'http://localhost') {
    this.#app = app;
    this.#origin = origin;
  }

  async request(path: string, init: RequestInit = {}): Promise<BrowserResponse> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has('cookie')) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await this.#app.request(`${this.#origin}${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const isDeletion = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (isDeletion) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token !== undefined) this.csrf = token;
    return { status: res.status, headers: res.headers, body, location: res.headers.get('location') };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.request(path, { headers });
  }

  /** Posts a form with the last CSRF token seen (unless `_csrf` is given, or null to leave it out). */
  post(path: string, fields: Record<string, string | null>, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    const form = new URLSearchParams();
    const all: Record<string, string | null> = { _csrf: this.csrf ?? null, ...fields };
    for (const [key, value] of Object.entries(all)) if (value !== null) form.set(key, value);
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: form.toString(),
    });
  }

  /** Opens the sign-in page and signs in; returns the final response of the POST. */
  async signIn(identifier: string, password: string): Promise<BrowserResponse> {
    await this.get('/sign-in');
    return this.post('/sign-in', { identifier, password });
  }
}
