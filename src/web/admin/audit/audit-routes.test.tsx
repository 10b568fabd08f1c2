// The audit view through the whole app in-process: events newest first in plain words, with
// usernames, escaped detail and the chain check; filters by user (username or raw id), type,
// outcome and date; 50 to a page with newer/older links; bad filters get messages; a tampered
// event shows a warning; only administrators get in.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DirectoryAccount } from '../../../directory/directory.ts';
import { TEST_PASSWORD, type TestContext } from '../../test-harness.ts';
import { createStaffContext, signInAsHelpdesk, signInAsStaff } from '../reports/staff.test-support.ts';

/** The rows of the events table: each row's cells as text. */
function eventRows(html: string): string[][] {
  const start = html.indexOf('<caption id="audit-table-caption">');
  if (start < 0) return [];
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.matchAll(/<tr id="event-\d+">(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] as string).matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((m) => (m[1] as string).replace(/<[^>]+>/g, '')),
  );
}

describe('audit view', () => {
  let ctx: TestContext;
  let bo: DirectoryAccount;

  beforeEach(async () => {
    ctx = await createStaffContext();
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    bo = await directory.createAccount(
      { username: 'bo.berg', email: 'bo.berg@example.se', displayName: 'Bo Berg', department: 'IT', mobile: '' },
      TEST_PASSWORD,
    );
    const { store } = ctx.services;
    await store.appendAudit(
      {
        type: 'sign_in',
        actor: bo.id,
        subject: bo.id,
        ip: '10.9.8.7',
        outcome: 'failure',
        detail: { reason: '<script>alert(1)</script>' },
      },
      new Date('2026-03-01T09:00:00Z'),
    );
    await store.appendAudit({ type: 'custom.thing', subject: 'raw-id-42', outcome: 'info' }, new Date('2026-03-01T10:00:00Z'));
  });

  afterEach(() => ctx.close());

  it('lists events newest first in plain words, with usernames, escaped detail and the chain check', async () => {
    const browser = await signInAsStaff(ctx);
    const page = await browser.get('/admin/audit');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Händelselogg<\/h1>/);
    assert.match(page.body, /<a href="\/admin\/audit" aria-current="page">Händelselogg<\/a>/);
    const rows = eventRows(page.body);
    // The staff member's own sign-in and registration events come last (newest).
    const boRow = rows.find((r) => r[1] === 'Inloggning' && r[2] === 'bo.berg');
    assert.ok(boRow, 'the sign-in failure is listed with the username');
    assert.deepEqual(boRow.slice(2, 6), ['bo.berg', 'bo.berg', '10.9.8.7', 'Misslyckades']);
    assert.ok(page.body.includes('{&quot;reason&quot;:&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;}'), 'detail escaped');
    assert.ok(!page.body.includes('<script>alert'), 'no markup from the detail');
    const custom = rows.find((r) => r[1] === 'custom.thing');
    assert.ok(custom, 'an unknown type shows raw');
    assert.deepEqual(custom.slice(2, 6), ['–', 'raw-id-42', '–', 'Information']);
    assert.match(page.body, /<time datetime="2026-03-01T09:00:00.000Z">/);
    assert.match(page.body, /Kedjan stämmer för de \d+ händelserna på sidan/);
    // Newest first: the first row is later than the seeded events.
    assert.ok(rows.indexOf(custom) < rows.indexOf(boRow));
  });

  it('filters by username, raw id, type, outcome and date', async () => {
    const browser = await signInAsStaff(ctx);
    const byUser = await browser.get('/admin/audit?user=BO.BERG');
    assert.deepEqual(
      eventRows(byUser.body).map((r) => r[1]),
      ['Inloggning'],
    );
    assert.match(byUser.body, /value="BO.BERG"/);
    const byRawId = await browser.get('/admin/audit?user=raw-id-42&lang=en');
    assert.match(byRawId.body, /No user &quot;raw-id-42&quot; was found. Showing events with account id &quot;raw-id-42&quot;./);
    assert.deepEqual(
      eventRows(byRawId.body).map((r) => r[1]),
      ['custom.thing'],
    );
    const byType = await browser.get('/admin/audit?type=custom.&lang=sv');
    assert.equal(eventRows(byType.body).length, 1);
    const byOutcome = await browser.get('/admin/audit?outcome=failure');
    assert.ok(
      eventRows(byOutcome.body).length > 0 && eventRows(byOutcome.body).every((r) => r[5] === 'Misslyckades'),
      JSON.stringify(eventRows(byOutcome.body)),
    );
    assert.match(byOutcome.body, /<option value="failure" selected="">Misslyckades<\/option>/);
    const byDate = await browser.get('/admin/audit?from=2026-03-01&to=2026-03-01');
    assert.equal(eventRows(byDate.body).length, 2);
    const empty = await browser.get('/admin/audit?to=2026-02-01');
    assert.match(empty.body, /Inga händelser matchar filtret./);
  });

  it('explains bad filters instead of failing', async () => {
    const browser = await signInAsStaff(ctx);
    const bad = await browser.get('/admin/audit?type=%3Cscript%3E&from=2026-13-01&to=2026-03-01');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<title>Fel: Händelselogg/);
    assert.match(bad.body, /<a href="#audit-type">Händelsetypen får bara innehålla/);
    assert.match(bad.body, /<a href="#audit-from">Skriv startdatumet som ÅÅÅÅ-MM-DD/);
    const reversed = await browser.get('/admin/audit?from=2026-03-02&to=2026-03-01&lang=en');
    assert.equal(reversed.status, 400);
    assert.match(reversed.body, /The start date must be before the end date./);
    // A tampered cursor just starts from the newest.
    assert.equal((await browser.get('/admin/audit?before=abc')).status, 200);
  });

  it('pages 50 events at a time with older and newer links that keep the filter', async () => {
    const { store } = ctx.services;
    for (let i = 0; i < 60; i++)
      await store.appendAudit({ type: 'bulk.event', subject: bo.id, outcome: 'info', detail: { n: i } }, new Date('2026-03-01T11:00:00Z'));
    const browser = await signInAsStaff(ctx);
    const first = await browser.get('/admin/audit?type=bulk');
    assert.equal(eventRows(first.body).length, 50);
    assert.match(first.body, /\{&quot;n&quot;:59\}/);
    const older = /<a href="([^"]+)" rel="next">Äldre händelser<\/a>/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(older !== undefined, 'an older-events link');
    assert.ok(older.includes('type=bulk') && older.includes('before='), older);
    assert.doesNotMatch(first.body, /Nyare händelser/);
    const second = await browser.get(older);
    assert.equal(eventRows(second.body).length, 10);
    assert.match(second.body, /\{&quot;n&quot;:0\}/);
    assert.doesNotMatch(second.body, /Äldre händelser/);
    const newer = /<a href="([^"]+)" rel="prev">Nyare händelser<\/a>/.exec(second.body)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(newer !== undefined);
    const back = await browser.get(newer);
    assert.deepEqual(eventRows(back.body), eventRows(first.body));
  });

  it('warns when an event shown was changed', async () => {
    await ctx.services.store.db.updateTable('audit_events').set({ ip: '6.6.6.6' }).where('type', '=', 'custom.thing').execute();
    const browser = await signInAsStaff(ctx);
    const page = await browser.get('/admin/audit?type=custom');
    assert.match(page.body, /class="audit-chain audit-chain--broken"><strong>Varning: händelse \d+ har ändrats i efterhand/);
  });

  it('is for administrators only', async () => {
    const helpdesk = await signInAsHelpdesk(ctx);
    const refused = await helpdesk.get('/admin/audit');
    assert.equal(refused.status, 403);
    assert.doesNotMatch(refused.body, /audit-table/);
  });
});
