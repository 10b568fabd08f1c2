// Starts a real portal in-process for browser tests: the whole service (SQLite store in a
// temporary data directory, embedded directory, outbox) behind the real HTTP server on a free
// port, with a few accounts in the states the journeys need.

import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { createServices, type Services } from '../../src/app/services.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { Catalog } from '../../src/i18n/catalog.ts';
import { startServer } from '../../src/web/server.ts';
import { type ContextOptions, foreignRequests, newContext, recordRequests } from './browser.ts';
import { makeTempDir } from './temp-dir.ts';

/** The accounts every test portal has, with their passwords. */
export const testAccounts = {
  normal: { username: 'anna.berg', email: 'anna.berg@example.se', displayName: 'Anna Berg', password: 'Rätt-lösenord-2024' },
  mustChange: { username: 'bo.ek', email: 'bo.ek@example.se', displayName: 'Bo Ek', password: 'Tillfälligt-lösen-1' },
  locked: { username: 'cecilia.holm', email: 'cecilia.holm@example.se', displayName: 'Cecilia Holm', password: 'Cecilias-lösen-123' },
  disabled: { username: 'david.lund', email: 'david.lund@example.se', displayName: 'David Lund', password: 'Davids-lösen-12345' },
} as const;

export type TestAccountName = keyof typeof testAccounts;

export interface TestPortal {
  /** The portal's base URL, for example http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The portal's origin, to compare request URLs against. */
  origin: string;
  services: Services;
  close(): Promise<void>;
}

/** Failed sign-ins before an account locks, kept low so a test can lock one quickly. */
export const lockoutThreshold = 5;

/** `overrides` replace whole top-level sections of the test configuration (for example networkZones, securityInfo). */
export async function startTestPortal(name: string, overrides: Record<string, unknown> = {}): Promise<TestPortal> {
  const dataDir = await makeTempDir(`browser-${name}`);
  let services: Services | null = null;
  let server: { url: string; close(): Promise<void> } | null = null;
  try {
    const config = configSchema.parse({
      dataDir: dataDir.path,
      demo: true,
      log: { level: 'silent' },
      // Cheap hashing: the tests sign in many times; production uses the OWASP defaults.
      directory: { embedded: { lockoutThreshold, argon2: { memoryKiB: 8192, iterations: 1 } } },
      // The journeys sign in more often than a person would; the limits are tested elsewhere.
      rateLimits: { signInPerIp: { limit: 1000 }, signInPerAccount: { limit: 1000 } },
      // Accounts without methods go straight in, as the journeys of the other pages expect; the
      // two-step journeys turn registration on through `overrides`.
      securityInfo: { registrationRequired: false },
      ...overrides,
    });
    services = await createServices(config);
    await createTestAccounts(services);
    server = await startServer(services, { host: '127.0.0.1', port: 0 });
    const url = server.url.replace(/\/$/, '');
    const running = { services, server };
    return {
      url,
      origin: new URL(url).origin,
      services,
      async close() {
        try {
          await running.server.close();
          await running.services.close();
        } finally {
          await dataDir.cleanup();
        }
      },
    };
  } catch (error) {
    await server?.close().catch(() => {});
    await services?.close().catch(() => {});
    await dataDir.cleanup();
    throw error;
  }
}

// From the range the Swedish Post and Telecom Authority keeps for fiction (+46 70 1740 605 … 699).
const fictionMobile = '+46701740699';

async function createTestAccounts(services: Services): Promise<void> {
  const directory = services.embeddedDirectory;
  if (!directory) throw new Error('the test portal needs the embedded directory');
  const ids = {} as Record<TestAccountName, string>;
  for (const [key, account] of Object.entries(testAccounts) as [TestAccountName, (typeof testAccounts)[TestAccountName]][]) {
    const created = await directory.createAccount(
      {
        username: account.username,
        email: account.email,
        displayName: account.displayName,
        department: 'Testförvaltningen',
        mobile: fictionMobile,
      },
      account.password,
    );
    ids[key] = created.id;
  }
  await directory.requireChange(ids.mustChange);
  // Locked the way a real account gets locked: too many wrong passwords.
  for (let attempt = 0; attempt < lockoutThreshold; attempt++) {
    await directory.authenticate(testAccounts.locked.username, 'fel-lösenord-varje-gång');
  }
  const lockedState = await directory.readState(ids.locked);
  if (!lockedState.isLocked) throw new Error('the locked test account did not lock after repeated failures');
  await directory.setDisabled(ids.disabled, true);
}

export interface PortalPage {
  page: Page;
  /** Every URL the browser asked for so far, in order. */
  requests: string[];
}

/**
 * Runs one journey in a new browser context against the portal, then checks that every
 * request the browser made went to the portal itself (no CDNs, fonts, analytics or other
 * third parties: the portal must work on a closed network and leak nothing about its users).
 */
export async function withPortalPage(
  browser: Browser,
  portal: TestPortal,
  options: ContextOptions,
  journey: (journeyPage: PortalPage) => Promise<void>,
): Promise<void> {
  const context = await newContext(browser, options);
  try {
    const requests = recordRequests(context);
    const page = await context.newPage();
    await journey({ page, requests });
    assert.ok(requests.length > 0, 'the journey made no requests at all');
    assert.deepEqual(foreignRequests(requests, portal.origin), [], `requests left the portal's origin ${portal.origin}`);
  } finally {
    await context.close();
  }
}

/** Fills in the sign-in form the way a person does, by its visible labels, and submits it with the button. */
export async function submitSignIn(page: Page, t: Catalog, identifier: string, password: string): Promise<void> {
  await page.getByLabel(t.signIn.identifierLabel, { exact: true }).fill(identifier);
  await page.getByLabel(t.signIn.passwordLabel, { exact: true }).fill(password);
  await page.getByRole('button', { name: t.signIn.submit }).click();
  await page.waitForLoadState('load');
}

/** An element's text with its whitespace collapsed, as a screen reader would read it out. */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The text of the page's one h1. */
export async function mainHeading(page: Page): Promise<string> {
  return textOf(page.getByRole('heading', { level: 1 }));
}
