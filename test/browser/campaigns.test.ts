// Password-change campaigns in Chromium with the keyboard alone, in Swedish and in English: an
// administrator of the demo organisation registers an authenticator app (code from Debian's
// oathtool) and proves it, opens the campaigns, sends the form with a mistake, corrects it,
// confirms a campaign for one department with a reason and lands on its progress page; a member
// of that department signs in, is made to change password, and the progress shows one changed;
// the CSV of who is pending downloads; cancelling asks first. axe-core finds no WCAG 2.1 AA
// violation on any campaign page, with or without errors showing.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Campaign } from '../../src/campaigns/campaign.ts';
import { demoEmployees } from '../../src/demo/demo-organisation.ts';
import { seedDemo } from '../../src/demo/seed.ts';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { runCampaignsOnce } from '../../src/jobs/campaign-job.ts';
import { axeViolationReport, focusedElement, hasVisibleFocusIndicator, launchBrowser } from '../support/browser.ts';
import { mainHeading, startTestPortal, type TestPortal, textOf, withPortalPage } from '../support/portal.ts';

let browser: Browser;
let portal: TestPortal;

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('campaigns', {
      // The browser comes from 127.0.0.1: the office, where the staff area and a first method are allowed.
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      securityInfo: { registrationRequired: false, firstRegistration: { zones: ['office'] } },
      admin: { zones: ['office'], roles: { admin: { users: ['karin.holm', 'per.wikstrom'] } } },
    }),
  ]);
  await seedDemo(portal.services);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

function demo(username: string): (typeof demoEmployees)[number] {
  const employee = demoEmployees.find((e) => e.username === username);
  assert.ok(employee, username);
  return employee;
}

/** The code an authenticator app shows `offsetSeconds` from now, from oathtool (an independent TOTP implementation). */
function oathtool(secret: string, offsetSeconds = 0): string {
  const at = new Date(Date.now() + offsetSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', '--now', at, secret.replace(/\s+/g, '')], { encoding: 'utf8' }).trim();
}

/** The id of the focused element. */
async function focusedId(page: Page): Promise<string> {
  return page.evaluate(
    () => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? '',
  );
}

/**
 * Presses Tab until the element with this id has focus, checking that everything reached on the
 * way shows where focus is (WCAG 2.4.7).
 */
async function tabToId(page: Page, id: string, limit = 40): Promise<void> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    assert.ok(focused, `Tab press ${presses} (looking for #${id}) left focus on nothing`);
    assert.ok(hasVisibleFocusIndicator(focused), `no visible focus indicator on <${focused.tag}> "${focused.text}" on the way to #${id}`);
    if ((await focusedId(page)) === id) return;
  }
  throw new Error(`#${id} was not reached within ${limit} Tab presses`);
}

/** Presses Tab until a link or button with exactly this text has focus. */
async function tabToText(page: Page, text: string, limit = 60): Promise<void> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    assert.ok(focused, `Tab press ${presses} (looking for "${text}") left focus on nothing`);
    assert.ok(
      hasVisibleFocusIndicator(focused),
      `no visible focus indicator on <${focused.tag}> "${focused.text}" on the way to "${text}"`,
    );
    if (focused.text === text) return;
  }
  throw new Error(`"${text}" was not reached within ${limit} Tab presses`);
}

/** Enter on the focused control, waiting for the page it leads to. */
async function pressEnterAndWait(page: Page): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

/** Collects axe reports over a journey so one run shows every problem. */
class Scanner {
  readonly reports: string[] = [];
  constructor(
    readonly page: Page,
    readonly lang: Language,
  ) {}
  async scan(label: string, heading: string): Promise<void> {
    assert.equal(await mainHeading(this.page), heading, `expected to be on ${label}`);
    assert.equal(await this.page.locator('html').getAttribute('lang'), this.lang);
    const report = await axeViolationReport(this.page, `${label} (${this.lang})`);
    if (report !== null) this.reports.push(report);
  }
  assertClean(): void {
    assert.deepEqual(this.reports, [], this.reports.join('\n'));
  }
}

/** Signs in by typing, adds an authenticator app (proving it counts as the staff area's second step). */
async function signInAndRegisterAuthenticator(page: Page, t: Catalog, username: string, password: string): Promise<void> {
  await page.goto(`${portal.url}/sign-in`);
  await page.getByLabel(t.signIn.identifierLabel, { exact: true }).focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await pressEnterAndWait(page);
  assert.equal(await mainHeading(page), t.account.title);
  await page.goto(`${portal.url}/account/security-info/authenticator`);
  assert.equal(await mainHeading(page), t.securityInfo.totpTitle);
  const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
  await page.getByLabel(t.securityInfo.totpCodeLabel).focus();
  await page.keyboard.type(oathtool(secret));
  await pressEnterAndWait(page);
  assert.equal(await mainHeading(page), t.securityInfo.doneTitle);
}

async function campaignByTitle(title: string): Promise<Campaign> {
  const found = (await portal.services.campaigns.list()).find((c) => c.title === title);
  assert.ok(found, `no campaign "${title}"`);
  return found;
}

/** Waits for the campaign job (woken by start()) to have marked every member. */
async function waitUntilMarked(id: string, expected: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const progress = await portal.services.campaigns.progress(id);
    if (progress.total === expected && progress.marked === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the campaign job did not mark ${expected} members`);
}

/** A day some weeks ahead, as YYYY-MM-DD. */
function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The text of a progress figure ("1 Har bytt 33,3 % av alla"), found by its label. */
async function figure(page: Page, label: string): Promise<string> {
  return textOf(page.locator('.campaign-figure').filter({ has: page.getByText(label, { exact: true }) }));
}

const journeys: { lang: Language; admin: string; department: string; members: string[]; changer: string | null }[] = [
  {
    lang: 'sv',
    admin: 'karin.holm',
    department: 'Socialtjänsten',
    members: ['anna.lindqvist', 'erik.johansson', 'fatima.hassan'],
    changer: 'anna.lindqvist',
  },
  {
    lang: 'en',
    admin: 'per.wikstrom',
    department: 'Skola och förskola',
    members: ['asa.oberg', 'lars.nilsson', 'maja.karlsson'],
    changer: 'maja.karlsson',
  },
];

for (const journey of journeys) {
  const { lang } = journey;
  const t: Catalog = catalogs[lang];
  const tc = t.campaigns;

  test(`a campaign for a department, keyboard only (${lang}): create, confirm, progress, a member changes, CSV, cancel; axe-clean`, async () => {
    const admin = demo(journey.admin);
    const title = lang === 'sv' ? 'Läckta lösenord' : 'Leaked passwords';
    const deadline = daysAhead(21);
    let campaignId = '';
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const s = new Scanner(page, lang);
      await signInAndRegisterAuthenticator(page, t, admin.username, admin.password);

      // The list, then the new-campaign form by the keyboard.
      await page.goto(`${portal.url}/admin/campaigns`);
      await s.scan('campaign list', tc.title);
      await tabToText(page, tc.newCampaign);
      await pressEnterAndWait(page);
      await s.scan('new campaign form', tc.newTitle);

      // A first try with a mistake: no deadline.
      await tabToId(page, 'title');
      await page.keyboard.type(title);
      await tabToId(page, 'target-everyone', 3);
      await page.keyboard.press('ArrowDown');
      assert.equal(await focusedId(page), 'target-department', 'the arrow key moves to the department choice');
      assert.ok(await page.locator('#target-department').isChecked());
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(page), 'department', 'Tab from the choice reaches its department field');
      await page.keyboard.type(journey.department);
      await tabToId(page, 'deadlineAction-none');
      await page.keyboard.press('ArrowDown');
      assert.ok(await page.locator('#deadlineAction-block_sign_in').isChecked());
      await tabToText(page, tc.next, 5);
      await pressEnterAndWait(page);
      await s.scan('new campaign form with an error', tc.newTitle);
      assert.equal(await focusedElement(page).then((f) => f?.tag), 'div', 'the error summary has focus');
      const errors = await page.getByRole('alert').getByRole('link').allInnerTexts();
      assert.deepEqual(
        errors.map((e) => e.trim()),
        [tc.deadlineMissing],
      );
      // The values are kept.
      assert.equal(await page.locator('#title').inputValue(), title);
      assert.equal(await page.locator('#department').inputValue(), journey.department);
      assert.ok(await page.locator('#deadlineAction-block_sign_in').isChecked());

      // The error summary's link takes focus to the field; the day is typed.
      await tabToText(page, tc.deadlineMissing, 3);
      await page.keyboard.press('Enter');
      assert.equal(await focusedId(page), 'deadline');
      await page.keyboard.type(deadline);
      assert.equal(await page.locator('#deadline').inputValue(), deadline);
      await tabToText(page, tc.next);
      await pressEnterAndWait(page);

      // The confirmation: how many accounts, then the reason (required).
      await s.scan('confirmation', tc.confirmTitle);
      const impact = await textOf(page.locator('#campaign-impact'));
      assert.match(
        impact,
        new RegExp(`^${lang === 'sv' ? 'Det här kräver att 3 konton byter lösenord' : 'This will require 3 accounts to change password'}`),
      );
      await tabToText(page, tc.start);
      await pressEnterAndWait(page);
      await s.scan('confirmation without a reason', tc.confirmTitle);
      await tabToId(page, 'reason', 5);
      await page.keyboard.type(lang === 'sv' ? 'Ärende 2026-0417, läckta lösenord' : 'Case 2026-0417, leaked passwords');
      await pressEnterAndWait(page);

      // The progress page.
      await s.scan('campaign progress', title);
      assert.equal(await textOf(page.getByRole('status')), tc.startedNotice);
      const campaign = await campaignByTitle(title);
      campaignId = campaign.id;
      assert.equal(campaign.status, 'running');
      await waitUntilMarked(campaign.id, journey.members.length);
      await page.reload();
      await s.scan('campaign progress, all marked', title);
      assert.match(await figure(page, tc.figurePending), /^3 /);
      assert.match(await figure(page, tc.figureChanged), /^0 /);

      // Meanwhile a member of the department signs in and is made to change password.
      if (journey.changer !== null) await changePasswordAsMember(t, lang, journey.changer);
      // The engine's pass (its refresh reads the directory); the scheduled job may hold the lease, so wait for either.
      await runCampaignsOnce(portal.services);
      for (let i = 0; i < 50 && (await portal.services.campaigns.progress(campaignId)).changed < 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      await page.goto(`${portal.url}/admin/campaigns`);
      await s.scan('campaign list with a campaign', tc.title);
      await tabToText(page, lang === 'sv' ? 'Läckta lösenord' : 'Leaked passwords');
      await pressEnterAndWait(page);
      await s.scan('campaign progress after a change', title);
      assert.match(await figure(page, tc.figureChanged), lang === 'sv' ? /^1 Har bytt 33,3\s%\sav alla$/u : /^1 Changed 33.3% of all$/);
      assert.match(await figure(page, tc.figurePending), /^2 /);
      // The department table says the same in words and numbers.
      const row = await textOf(page.locator('#campaign-departments tbody tr').first());
      assert.ok(row.startsWith(journey.department), row);

      // The CSV of who is pending downloads as a file.
      await tabToText(page, tc.exportLink);
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      assert.match(download.suggestedFilename(), /^pending-.+\.csv$/);
      const csv = (await readFile((await download.path()) as string, 'utf8')).replace(/^\uFEFF/, '');
      const lines = csv.split('\r\n').filter((l) => l !== '');
      assert.equal(lines[0], `${tc.csvUsername},${tc.csvName},${tc.csvDepartment},${tc.csvEmail}`);
      const pendingNames = lines.slice(1).map((l) => l.split(',')[0]);
      assert.deepEqual(
        pendingNames,
        journey.members.filter((m) => m !== journey.changer),
      );

      // Cancelling asks first, and needs a reason.
      await tabToText(page, tc.cancelCampaign);
      await pressEnterAndWait(page);
      await s.scan('cancel confirmation', tc.cancelTitle);
      await tabToText(page, tc.cancelConfirm);
      await pressEnterAndWait(page);
      await s.scan('cancel confirmation without a reason', tc.cancelTitle);
      await tabToId(page, 'reason', 5);
      await page.keyboard.type(lang === 'sv' ? 'Fel förvaltning' : 'Wrong department');
      await pressEnterAndWait(page);
      await s.scan('cancelled campaign', title);
      assert.equal(await textOf(page.getByRole('status')), tc.cancelledNotice);
      assert.equal((await portal.services.campaigns.get(campaignId))?.status, 'cancelled');
      s.assertClean();
    });
  });
}

/** A member of the campaign's department signs in (in their own browser), is made to change password, and does. */
async function changePasswordAsMember(t: Catalog, lang: Language, username: string): Promise<void> {
  const member = demo(username);
  await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
    await page.goto(`${portal.url}/sign-in`);
    await page.getByLabel(t.signIn.identifierLabel, { exact: true }).focus();
    await page.keyboard.type(member.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(member.password);
    await pressEnterAndWait(page);
    assert.equal(await mainHeading(page), t.changePassword.title);
    assert.ok(await page.getByText(t.changePassword.forcedMustChange).isVisible());
    const next = `Nytt-Vårlösenord-${lang}-2026!`;
    await page.getByLabel(t.changePassword.currentLabel, { exact: true }).focus();
    await page.keyboard.type(member.password);
    await page.getByLabel(t.changePassword.newLabel, { exact: true }).focus();
    await page.keyboard.type(next);
    await page.getByLabel(t.changePassword.confirmLabel, { exact: true }).focus();
    await page.keyboard.type(next);
    await pressEnterAndWait(page);
    assert.equal(await mainHeading(page), t.account.title);
  });
}
