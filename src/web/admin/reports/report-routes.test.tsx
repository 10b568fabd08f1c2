// The reports pages through the whole app in-process: an administrator sees registration coverage
// by department, activity per day and failure reasons as charts and tables, in Swedish and
// English; a bad period gets messages, not a 500; the CSV downloads are attachments and defuse
// formulas; helpdesk staff and other networks are kept out.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { addMethod } from '../../../reports/report.test-support.ts';
import { browserFrom } from '../../routes/second-step.test-support.ts';
import { TEST_PASSWORD, type TestContext } from '../../test-harness.ts';
import { createStaffContext, HOME_IP, signInAsHelpdesk, signInAsStaff } from './staff.test-support.ts';

/** The text of every cell in the table with this caption. */
function tableRows(html: string, caption: string): string[][] {
  const start = html.search(new RegExp(`<caption[^>]*>${caption.replace(/[()]/g, '\\$&')}</caption>`));
  assert.ok(start >= 0, `no table "${caption}"`);
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.matchAll(/<tr>(.*?)<\/tr>/gs)]
    .slice(1)
    .map((row) => [...(row[1] as string).matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((m) => m[1] as string));
}

describe('reports pages', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createStaffContext();
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    // anna.andersson (IT) gets an authenticator app when she signs in: one method.
    const bo = await directory.createAccount(
      { username: 'bo.berg', email: 'bo.berg@example.se', displayName: 'Bo Berg', department: 'IT', mobile: '' },
      TEST_PASSWORD,
    );
    const cia = await directory.createAccount(
      { username: 'cia.carlsson', email: '', displayName: 'Cia Carlsson', department: '=HYPERLINK("x")', mobile: '' },
      TEST_PASSWORD,
    );
    await directory.createAccount({ username: 'dan.dahl', email: '', displayName: 'Dan Dahl', department: '', mobile: '' }, TEST_PASSWORD);
    await addMethod(ctx.services.store, 'm-bo-1', bo.id, 'sms');
    await addMethod(ctx.services.store, 'm-bo-2', bo.id, 'email');
    await addMethod(ctx.services.store, 'm-cia-r', cia.id, 'recovery_codes');
    const { store } = ctx.services;
    // The test clock starts on 2 March 2026; events on 1 and 2 March.
    const at = (iso: string) => new Date(iso);
    await store.appendAudit({ type: 'reset.password_changed', subject: bo.id, outcome: 'success' }, at('2026-03-01T10:00:00Z'));
    await store.appendAudit({ type: 'reset.unlocked', subject: bo.id, outcome: 'success' }, at('2026-03-01T11:00:00Z'));
    await store.appendAudit(
      { type: 'sign_in', subject: null, outcome: 'failure', detail: { reason: 'unknown_account' } },
      at('2026-03-01T12:00:00Z'),
    );
    await store.appendAudit(
      { type: 'sign_in', subject: bo.id, outcome: 'failure', detail: { reason: 'wrong_password' } },
      at('2026-03-02T07:00:00Z'),
    );
    await store.appendAudit(
      { type: 'sign_in', subject: bo.id, outcome: 'failure', detail: { reason: 'wrong_password' } },
      at('2026-03-02T07:10:00Z'),
    );
  });

  afterEach(() => ctx.close());

  it('shows coverage by department, activity per day and failure reasons, as charts with tables', async () => {
    const browser = await signInAsStaff(ctx);
    const page = await browser.get('/admin/reports?from=2026-02-28&to=2026-03-02');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Rapporter<\/h1>/);
    assert.match(page.body, /<a href="\/admin\/reports" aria-current="page">Rapporter<\/a>/);
    // 4 accounts: anna (1 method), bo (2), cia (recovery codes only), dan (none).
    assert.deepEqual(tableRows(page.body, 'Registrerade metoder per förvaltning'), [
      ['Alla konton', '4', '2', '50\u00a0%', '1', '25\u00a0%'],
      ['=HYPERLINK(&quot;x&quot;)', '1', '0', '0\u00a0%', '0', '0\u00a0%'],
      ['IT', '2', '2', '100\u00a0%', '1', '50\u00a0%'],
      ['(ingen förvaltning)', '1', '0', '0\u00a0%', '0', '0\u00a0%'],
    ]);
    assert.match(page.body, /<svg class="chart__image"[^>]*role="img"[^>]*aria-labelledby="coverage-chart-title"/);
    assert.match(page.body, /<svg class="chart__image"[^>]*role="img"[^>]*aria-labelledby="activity-chart-title"/);
    const days = tableRows(page.body, 'Återställningar, upplåsningar och fel per dag');
    assert.equal(days.length, 3);
    assert.deepEqual(
      days.map((row) => row.slice(1)),
      [
        ['0', '0', '0', '0'],
        ['1', '1', '1', '0'],
        ['0', '0', '2', '0'],
      ],
    );
    assert.deepEqual(tableRows(page.body, 'Orsaker till fel'), [
      ['Fel lösenord', 'Inloggning', '2'],
      ['Okänt konto', 'Inloggning', '1'],
    ]);
    assert.match(page.body, /href="\/admin\/reports\/csv\?table=activity&amp;from=2026-02-28&amp;to=2026-03-02"/);
  });

  it('defaults to the last 30 days and speaks English', async () => {
    const browser = await signInAsStaff(ctx);
    const page = await browser.get('/admin/reports?lang=en');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Reports<\/h1>/);
    assert.match(page.body, /value="2026-02-01"/);
    assert.match(page.body, /value="2026-03-02"/);
    assert.equal(tableRows(page.body, 'Resets, unlocks and failures per day').length, 30);
    assert.match(page.body, /Wrong password/);
    assert.match(page.body, /<th scope="row">All accounts<\/th><td class="chart-table__number">4<\/td>/);
  });

  it('explains a bad period in both languages instead of failing', async () => {
    const browser = await signInAsStaff(ctx);
    const bad = await browser.get('/admin/reports?from=2026-02-30&to=2026-03-01');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<title>Fel: Rapporter/);
    assert.match(bad.body, /<a href="#period-from">Skriv startdatumet som ÅÅÅÅ-MM-DD/);
    assert.match(bad.body, /aria-invalid="true"/);
    assert.doesNotMatch(bad.body, /activity-chart/);
    const reversed = await browser.get('/admin/reports?from=2026-03-02&to=2026-03-01&lang=en');
    assert.equal(reversed.status, 400);
    assert.match(reversed.body, /The start date must be before the end date/);
    const csv = await browser.get('/admin/reports/csv?table=activity&from=x');
    assert.equal(csv.status, 400);
    assert.doesNotMatch(csv.headers.get('content-disposition') ?? '', /attachment/);
  });

  it('downloads each table as a CSV attachment with formulas defused', async () => {
    const browser = await signInAsStaff(ctx);
    const coverage = await browser.get('/admin/reports/csv?table=coverage');
    assert.equal(coverage.status, 200);
    assert.equal(coverage.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(coverage.headers.get('content-disposition'), 'attachment; filename="nyckel-coverage-2026-03-02.csv"');
    const lines = coverage.body.replace(/^\uFEFF/, '').split('\r\n');
    assert.equal(
      lines[0],
      'Förvaltning,Konton,"Minst en metod, antal","Minst en metod, andel (%)","Minst två metoder, antal","Minst två metoder, andel (%)"',
    );
    assert.equal(lines[1], 'Alla konton,4,2,50,1,25');
    assert.equal(lines[2], `"'=HYPERLINK(""x"")",1,0,0,0,0`);
    const activity = await browser.get('/admin/reports/csv?table=activity&from=2026-03-01&to=2026-03-02&lang=en');
    assert.equal(activity.headers.get('content-disposition'), 'attachment; filename="nyckel-activity-2026-03-01-2026-03-02.csv"');
    // (The byte-order mark is there, but the test browser's text decoding drops it.)
    assert.equal(
      activity.body.replace(/^\uFEFF/, ''),
      'Day,Passwords reset,Accounts unlocked,Failed sign-ins,Failed resets\r\n2026-03-01,1,1,1,0\r\n2026-03-02,0,0,2,0\r\n',
    );
    const reasons = await browser.get('/admin/reports/csv?table=reasons&from=2026-03-01&to=2026-03-02&lang=en');
    assert.equal(reasons.body.replace(/^\uFEFF/, ''), 'Reason,Event,Count\r\nWrong password,Sign-in,2\r\nUnknown account,Sign-in,1\r\n');
    assert.equal((await browser.get('/admin/reports/csv?table=secrets')).status, 404);
  });

  it('is for administrators only, and only from the staff zone', async () => {
    const helpdesk = await signInAsHelpdesk(ctx);
    const refused = await helpdesk.get('/admin/reports');
    assert.equal(refused.status, 403);
    assert.doesNotMatch(refused.body, /Registrerad säkerhetsinformation/);
    assert.equal((await helpdesk.get('/admin/reports/csv?table=coverage')).status, 403);
    const outside = browserFrom(ctx, HOME_IP);
    assert.equal((await outside.get('/admin/reports')).status, 403);
    const signedOut = await browserFrom(ctx, '10.1.1.1').get('/admin/reports');
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, '/sign-in');
  });
});
