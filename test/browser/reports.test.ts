// Reports and the audit view in Chromium, in Swedish and English: an administrator signs in with
// her authenticator app (code from Debian's oathtool), opens the reports (charts as named images
// with their tables), goes to the audit view with the keyboard, and filters it by user with the
// keyboard alone; axe-core finds no WCAG 2.1 AA violation on either page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Catalog, catalogs } from '../../src/i18n/catalog.ts';
import { axeViolationReport, launchBrowser, tabTo } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, testAccounts, textOf, withPortalPage } from '../support/portal.ts';

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let portal: TestPortal;

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;
const admins = {
  sv: { username: 'admin.sv', password: 'Administratör-sv-2026' },
  en: { username: 'admin.en', password: 'Administratör-en-2026' },
};
const secrets: Record<string, string> = {};

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('reports', {
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      admin: { zones: ['office'], roles: { admin: { users: [admins.sv.username, admins.en.username] } } },
    }),
  ]);
  const directory = portal.services.embeddedDirectory;
  assert.ok(directory);
  for (const admin of Object.values(admins)) {
    const account = await directory.createAccount(
      { username: admin.username, email: `${admin.username}@example.se`, displayName: `Admin ${admin.username}`, department: 'IT' },
      admin.password,
    );
    const enrollment = await portal.services.securityInfo.startTotpEnrollment(account.id, 'test');
    const secret = enrollment.secretGrouped.replace(/\s+/g, '');
    assert.ok((await portal.services.securityInfo.completeTotpEnrollment(account.id, enrollment.enrollmentId, oathtool(secret, -30))).ok);
    secrets[admin.username] = secret;
  }
  // Something about another user to filter for: a failed sign-in by anna.berg.
  const anna = await directory.findAccount(testAccounts.normal.username);
  assert.ok(anna);
  await directory.authenticate(testAccounts.normal.username, 'fel-lösenord');
  await portal.services.store.appendAudit(
    { type: 'sign_in', actor: anna.id, subject: anna.id, ip: '127.0.0.1', outcome: 'failure', detail: { reason: 'wrong_password' } },
    new Date(),
  );
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

async function activeId(page: Page): Promise<string> {
  return page.evaluate(
    () => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? '',
  );
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];
  const admin = admins[lang];

  test(`reports and the audit view (${lang}): signed in with a second step, filtered by keyboard, axe-clean`, async () => {
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const reports: string[] = [];
      const scan = async (label: string) => {
        const report = await axeViolationReport(page, `${label} (${lang})`);
        if (report !== null) reports.push(report);
      };

      await page.goto(`${portal.url}/sign-in?lang=${lang}`);
      await submitSignIn(page, t, admin.username, admin.password);
      assert.equal(await mainHeading(page), t.secondStep.title);
      await page.getByLabel(t.secondStep.codeLabel, { exact: true }).fill(oathtool(secrets[admin.username] as string, 30));
      await page.getByRole('button', { name: t.secondStep.submit, exact: true }).click();
      await page.waitForLoadState('load');

      await page.goto(`${portal.url}/admin/reports`);
      assert.equal(await mainHeading(page), t.reports.title);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(
        await page.getByRole('img', { name: t.reports.coverageChartTitle, exact: true }).count(),
        1,
        'the coverage chart is a named image',
      );
      assert.equal(
        await page.getByRole('img', { name: t.reports.activityChartTitle, exact: true }).count(),
        1,
        'the activity chart is a named image',
      );
      assert.equal(await page.getByRole('table', { name: t.reports.coverageTableCaption, exact: true }).count(), 1);
      assert.ok(
        (await textOf(page.getByRole('table', { name: t.reports.reasonsTableCaption, exact: true }))).includes(
          t.reports.reasons.wrong_password as string,
        ),
      );
      await scan('reports');

      // A bad period, typed: the messages, still axe-clean.
      await page.getByLabel(t.reports.periodFrom, { exact: true }).fill('2026-03-05');
      await page.getByLabel(t.reports.periodTo, { exact: true }).fill('2026-03-01');
      await page.getByRole('button', { name: t.reports.periodShow, exact: true }).click();
      await page.waitForLoadState('load');
      assert.ok((await textOf(page.locator('.error-summary'))).includes(t.reports.periodProblems.order));
      await scan('reports with an error');

      // Back to the page as it opens, and to the audit view by keyboard: Tab to its link in the staff navigation, Enter.
      await page.goto(`${portal.url}/admin/reports`);
      await tabTo(page, 'the audit log link', (f) => f.tag === 'a' && f.text === t.admin.navAudit, 40);
      await Promise.all([page.waitForURL(/\/admin\/audit$/), page.keyboard.press('Enter')]);
      await page.waitForLoadState('load');
      assert.equal(await mainHeading(page), t.reports.audit.title);
      assert.ok((await textOf(page.locator('.audit-chain'))).startsWith(t.reports.audit.chainIntact(1).slice(0, 12)));
      await scan('audit view');

      // Filter by user, keyboard only: Tab to the type field, once more to the user field, type, Enter.
      await tabTo(page, 'the event type field', (f) => f.tag === 'input', 40);
      assert.equal(await activeId(page), 'audit-type');
      await page.keyboard.press('Tab');
      assert.equal(await activeId(page), 'audit-user');
      await page.keyboard.type(testAccounts.normal.username);
      await Promise.all([page.waitForURL(/[?&]user=/), page.keyboard.press('Enter')]);
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).searchParams.get('user'), testAccounts.normal.username);
      const rows = page.locator('.audit-table tbody tr');
      assert.ok((await rows.count()) >= 1, 'the user has events');
      for (const row of await rows.all()) assert.equal(await textOf(row.locator('td').nth(2)), testAccounts.normal.username);
      assert.ok((await textOf(page.locator('.audit-table'))).includes(t.reports.audit.outcomes.failure as string));
      await scan('audit view filtered by user');

      assert.deepEqual(reports, [], reports.join('\n'));
    });
  });
}
