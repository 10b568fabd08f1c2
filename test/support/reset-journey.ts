// Keyboard-only steps shared by the browser journeys of the self-service reset and the forced
// password change: Tab to a field or button and type or press Enter, the reset's identify step
// with the proof-of-work check, the new-password step, sign-in by keyboard, e-mail codes read from
// the outbox, accounts whose password was set long ago (an embedded directory on a clock in the
// past), and one axe-core log per journey so a run reports every violation at once.

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DirectoryAccount } from '../../src/directory/directory.ts';
import { EmbeddedDirectory } from '../../src/directory/embedded/embedded-directory.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import type { Catalog, Language } from '../../src/i18n/catalog.ts';
import { settleResetWork } from '../../src/web/routes/reset-routes.tsx';
import { axeViolationReport, tabTo } from './browser.ts';
import { mainHeading, type TestPortal, textOf } from './portal.ts';

export const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** axe-core reports of one journey, plus the pages scanned, so a test asserts both "clean" and "scanned". */
export class AxeLog {
  readonly reports: string[] = [];
  readonly scanned: string[] = [];

  /** Checks the page is the expected one (its h1 and html lang), then runs axe-core on it. */
  async check(page: Page, label: string, heading: string, lang: Language): Promise<void> {
    const summary = await errorSummaryText(page);
    assert.equal(await mainHeading(page), heading, `expected to be on ${label} (${page.url()}) ${summary}`);
    assert.equal(await page.locator('html').getAttribute('lang'), lang, `${label} is marked up as ${lang}`);
    this.scanned.push(`${label} (${lang})`);
    const report = await axeViolationReport(page, `${label} (${lang})`);
    if (report !== null) this.reports.push(report);
  }

  assertClean(): void {
    assert.deepEqual(this.reports, [], this.reports.join('\n'));
  }
}

/** The error summary's text with whitespace collapsed, or '' when the page shows none. */
export async function errorSummaryText(page: Page): Promise<string> {
  const summary = page.locator('.error-summary');
  return (await summary.count()) > 0 ? textOf(summary.first()) : '';
}

interface FocusTarget {
  id?: string;
  tagName: string;
}

const focusedId = (): string | null =>
  (globalThis as unknown as { document: { activeElement: FocusTarget | null } }).document.activeElement?.id ?? null;

/** Presses Tab until the element with this id has focus (from wherever focus is now). */
export async function tabToId(page: Page, id: string, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(focusedId)) === id) return;
  }
  throw new Error(`the field #${id} was not reached within ${limit} Tab presses on ${page.url()}`);
}

/** Tab to a field by its id and type into it, as a person at a keyboard does. */
export async function typeInto(page: Page, id: string, value: string): Promise<void> {
  await tabToId(page, id);
  await page.keyboard.type(value);
}

/** Presses Enter on what has focus and waits for the page it loads (a form submitted from a field, a link, a button). */
export async function pressEnterAndLoad(page: Page): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
}

/** Tab to a button or link by its visible text (every stop must show focus) and press Enter. */
export async function activate(page: Page, text: string): Promise<void> {
  await tabTo(page, text, (f) => (f.tag === 'button' || f.tag === 'a') && f.text === text, 60);
  await pressEnterAndLoad(page);
}

/** Opens a page by its address, as a person typing it or following a bookmark. */
export async function open(page: Page, portal: TestPortal, path: string): Promise<void> {
  await page.goto(`${portal.url}${path}`);
}

/** Signs in by keyboard: Tab to each field, type, Enter in the password field. */
export async function signInByKeyboard(
  page: Page,
  portal: TestPortal,
  lang: Language,
  identifier: string,
  password: string,
): Promise<void> {
  await open(page, portal, `/sign-in?lang=${lang}`);
  await typeInto(page, 'identifier', identifier);
  await typeInto(page, 'password', password);
  await pressEnterAndLoad(page);
}

/** Signs out with the header's button. */
export async function signOutByKeyboard(page: Page, t: Catalog): Promise<void> {
  await activate(page, t.nav.signOut);
}

/**
 * The reset's proof-of-work check, by keyboard: Tab into the widget's checkbox, Space to start the
 * work (the browser's worker does it), then wait until the widget has put its solution in the form.
 */
export async function passHumanCheck(page: Page): Promise<void> {
  let reached = false;
  for (let presses = 0; presses < 10 && !reached; presses += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: (FocusTarget & { type?: string }) | null } }).document
        .activeElement;
      return el?.tagName === 'INPUT' && el.type === 'checkbox';
    });
  }
  assert.ok(reached, 'the human check is reachable by keyboard');
  await page.keyboard.press('Space');
  await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document;
      return (doc.querySelector('input[name="altcha"]')?.value ?? '') !== '';
    },
    undefined,
    { timeout: 30_000 },
  );
}

/**
 * From the sign-in page to the reset's method page, by keyboard: the "forgot password" link, the
 * identifier, the proof-of-work check (Space on the widget's checkbox; the browser's worker does
 * the work), Continue. Every page on the way is scanned.
 */
export async function identifyForReset(
  page: Page,
  portal: TestPortal,
  t: Catalog,
  lang: Language,
  identifier: string,
  axe: AxeLog,
): Promise<void> {
  await open(page, portal, `/sign-in?lang=${lang}`);
  await axe.check(page, 'sign in', t.signIn.title, lang);
  await activate(page, t.reset.link);
  await axe.check(page, 'reset start', t.reset.startTitle, lang);
  await typeInto(page, 'identifier', identifier);
  await passHumanCheck(page);
  await axe.check(page, 'reset start, check done', t.reset.startTitle, lang);
  await activate(page, t.reset.submit);
  await axe.check(page, 'reset methods', t.reset.methodTitle, lang);
}

/** The reset's new-password step: a password that breaks the length rule first (explained), then a good one. */
export async function setResetPassword(
  page: Page,
  portal: TestPortal,
  t: Catalog,
  lang: Language,
  password: string,
  axe: AxeLog,
): Promise<void> {
  await axe.check(page, 'reset new password', t.reset.passwordTitle, lang);
  const minLength = portal.services.config.passwordPolicy.minLength;
  const short = 'kort-1';
  await typeInto(page, 'new-password', short);
  await typeInto(page, 'confirm-password', short);
  await activate(page, t.reset.submitPassword);
  await axe.check(page, 'reset new password, too short', t.reset.passwordTitle, lang);
  assert.ok(
    (await errorSummaryText(page)).includes(t.passwordPolicy.refusals.minLength(minLength, short.length)),
    `the length rule is explained: ${await errorSummaryText(page)}`,
  );
  await typeInto(page, 'new-password', password);
  await typeInto(page, 'confirm-password', password);
  await activate(page, t.reset.submitPassword);
  await axe.check(page, 'reset done', t.reset.doneTitles.password_changed, lang);
}

/** The codes e-mailed to an address, newest first (the outbox of the demo set-up), after the reset's background sends. */
export async function emailCodes(portal: TestPortal, to: string): Promise<string[]> {
  await settleResetWork(portal.services);
  const codes: string[] = [];
  for (const entry of await portal.services.outbox.read(500)) {
    if (entry.channel !== 'email' || entry.to !== to) continue;
    // Only verification codes: the "your password was changed" notices go to the same address.
    if (!/verifieringskod|verification code/i.test(entry.subject)) continue;
    const code = /\b(\d{6})\b/.exec(entry.text)?.[1];
    if (code !== undefined) codes.push(code);
  }
  return codes;
}

/** The code of the one e-mail sent since `before` codes had been sent to the address. */
export async function newEmailCode(portal: TestPortal, to: string, before: number): Promise<string> {
  const codes = await emailCodes(portal, to);
  assert.equal(codes.length, before + 1, `exactly one new code e-mailed to ${to}`);
  return codes[0] as string;
}

/** Registers a private e-mail address as the account's method, through the service (code from the outbox). */
export async function addPrivateEmail(portal: TestPortal, accountId: string, address: string): Promise<void> {
  const info = portal.services.securityInfo;
  const before = (await emailCodes(portal, address)).length;
  const sent = await info.startEmailEnrollment(accountId, address, { ip: '127.0.0.1', language: 'sv' });
  assert.ok(sent.ok, `a code was sent to ${address}`);
  const verified = await info.completeCodeEnrollment(accountId, sent.challengeId, await newEmailCode(portal, address, before));
  assert.ok(verified.ok, `${address} is registered`);
}

/**
 * Creates an account in the portal's embedded directory whose password was set `daysAgo` days
 * ago: the same store, written by an embedded directory whose clock stands that far back, so
 * `password_changed_at` is what a password of that age has.
 */
export async function createAccountWithOldPassword(
  portal: TestPortal,
  input: { username: string; email: string; displayName: string },
  password: string,
  daysAgo: number,
): Promise<DirectoryAccount> {
  const { config, store } = portal.services;
  const past = new ManualClock(new Date(Date.now() - daysAgo * DAY_MS));
  const directory = new EmbeddedDirectory(store.db, config.directory.embedded, config.passwordPolicy, past);
  return directory.createAccount(input, password);
}
