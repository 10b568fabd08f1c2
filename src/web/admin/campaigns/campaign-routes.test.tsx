// The campaign pages through the whole app in-process (SQLite, embedded directory, the real
// campaign engine and job): every field of the new-campaign form refused with a clear message
// (hostile input included) and nothing created; an oversized upload refused; an uploaded list's
// line-numbered problems; the confirmation step's numbers; start with a required reason; the
// progress page after a member changes password; the CSV export's content and formula escaping;
// cancelling; and helpdesk staff kept out.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Campaign } from '../../../campaigns/campaign.ts';
import { catalogFor } from '../../../i18n/catalog.ts';
import { runCampaignsOnce } from '../../../jobs/campaign-job.ts';
import { type BrowserResponse, TEST_PASSWORD, type TestBrowser, type TestContext } from '../../test-harness.ts';
import { createStaffContext, signInAsStaff } from '../reports/staff.test-support.ts';
import { campaignFormBodyLimitBytes, formatKiB, uploadLimitBytes } from './campaign-form.ts';

const ids = /id="([^"]+)"/g;

/** Unescapes the few entities the JSX renderer writes. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The error summary's links: [field id, message]. */
function summaryErrors(html: string): [string, string][] {
  const start = html.indexOf('class="error-summary"');
  if (start < 0) return [];
  const list = html.slice(start, html.indexOf('</ul>', start));
  return [...list.matchAll(/<a href="#([^"]+)">(.*?)<\/a>/gs)].map((m) => [m[1] as string, unescapeHtml(m[2] as string)]);
}

/** Every error in the summary links to a control that exists on the page and is marked invalid. */
function assertErrorsLinked(html: string): void {
  const present = new Set([...html.matchAll(ids)].map((m) => m[1]));
  for (const [field] of summaryErrors(html)) {
    assert.ok(present.has(field), `the error summary links to #${field}, which is not on the page`);
    assert.match(
      html,
      new RegExp(`id="${field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="${field}"`),
      `#${field} is not marked invalid`,
    );
  }
}

const validFields: Record<string, string | string[]> = {
  title: 'Läckta lösenord mars',
  deadline: '2026-03-20',
  target: 'department',
  department: 'Socialtjänsten',
  message: 'Lösenorden har läckt.',
  channels: ['email', 'sms'],
  reminders: '7, 1',
  deadlineAction: 'block_sign_in',
};

/** Posts the new-campaign form as multipart/form-data (a file part when given), like a browser. */
async function postCampaign(
  browser: TestBrowser,
  fields: Record<string, string | string[] | null>,
  file?: { name: string; content: string | Uint8Array },
): Promise<BrowserResponse> {
  const form = new FormData();
  form.set('_csrf', browser.csrf ?? '');
  for (const [key, value] of Object.entries({ ...validFields, ...fields })) {
    if (value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) form.append(key, one);
  }
  if (file !== undefined) form.set('upload', new Blob([file.content], { type: 'text/plain' }), file.name);
  else form.set('upload', new Blob([]), '');
  return browser.request('/admin/campaigns/new', { method: 'POST', body: form });
}

describe('campaign pages', () => {
  let ctx: TestContext;
  let admin: TestBrowser;
  const departmentIds: string[] = [];

  beforeEach(async () => {
    ctx = await createStaffContext();
    const directory = ctx.services.embeddedDirectory;
    assert.ok(directory !== null);
    departmentIds.length = 0;
    const people: [string, string, string, string][] = [
      ['sara.social', 'Sara Social', 'Socialtjänsten', 'sara.social@example.se'],
      ['olle.social', '=HYPERLINK("http://evil.example","klicka")', 'Socialtjänsten', '+46@example.se'],
      ['greta.social', 'Greta, "G" Social', 'Socialtjänsten', 'greta.social@example.se'],
      ['pia.plan', 'Pia Plan', 'Samhällsbyggnad', 'pia.plan@example.se'],
      ['eva.ek', 'Eva Ek', 'IT', 'eva.ek@example.se'],
    ];
    for (const [username, displayName, department, email] of people) {
      const account = await directory.createAccount({ username, displayName, department, email, mobile: '' }, TEST_PASSWORD);
      if (department === 'Socialtjänsten') departmentIds.push(account.id);
    }
    admin = await signInAsStaff(ctx);
  });

  afterEach(async () => {
    await ctx.close();
  });

  async function campaigns(): Promise<Campaign[]> {
    return ctx.services.campaigns.list();
  }

  it('helpdesk staff get 403 on every campaign page, and nothing is created', async () => {
    const helpdesk = await signInAsStaff(ctx, 'eva.ek');
    for (const path of [
      '/admin/campaigns',
      '/admin/campaigns/new',
      '/admin/campaigns/campaign?id=x',
      '/admin/campaigns/pending.csv?id=x',
    ]) {
      const page = await helpdesk.get(path);
      assert.equal(page.status, 403, path);
      assert.doesNotMatch(page.body, /Nytt lösenordsbyte|Användarnamn,|<h1>Lösenordsbyten/);
    }
    const post = await postCampaign(helpdesk, {});
    assert.equal(post.status, 403);
    assert.deepEqual(await campaigns(), []);
  });

  it('lists no campaigns, then shows the form with its CSRF token and every field labelled', async () => {
    const list = await admin.get('/admin/campaigns');
    assert.equal(list.status, 200);
    assert.match(list.body, /Inga lösenordsbyten har startats ännu/);
    assert.match(list.body, /href="\/admin\/campaigns\/new"/);
    const form = await admin.get('/admin/campaigns/new');
    assert.equal(form.status, 200);
    assert.match(form.body, /enctype="multipart\/form-data"/);
    assert.match(form.body, /name="_csrf" value="[^"]+"/);
    for (const id of ['title', 'deadline', 'department', 'group', 'upload', 'message', 'reminders']) {
      assert.match(form.body, new RegExp(`<label[^>]*for="${id}"`), `no label for #${id}`);
    }
    for (const id of ['target-everyone', 'target-list', 'channels-email', 'channels-sms', 'deadlineAction-none', 'deadlineAction-lock']) {
      assert.match(form.body, new RegExp(`<label[^>]*for="${id}"`), `no label for #${id}`);
    }
    assert.match(form.body, /<legend[^>]*>Vilka ska byta lösenord\?<\/legend>/);
  });

  it('a form without the CSRF token is refused and creates nothing', async () => {
    const form = new FormData();
    for (const [key, value] of Object.entries(validFields)) for (const one of [value].flat()) form.append(key, one);
    const res = await admin.request('/admin/campaigns/new', { method: 'POST', body: form });
    assert.equal(res.status, 403);
    assert.deepEqual(await campaigns(), []);
  });

  it('an empty form gets a message for every required field, linked from the error summary', async () => {
    const res = await postCampaign(admin, {
      title: '',
      deadline: '',
      target: null,
      department: '',
      message: '',
      channels: [],
      reminders: '',
      deadlineAction: null,
    });
    assert.equal(res.status, 400);
    assert.match(res.body, /<title>Fel: /);
    assert.deepEqual(summaryErrors(res.body), [
      ['title', 'Skriv ett namn på lösenordsbytet.'],
      ['deadline', 'Skriv sista dag att byta lösenord.'],
      ['target-everyone', 'Välj vilka som ska byta lösenord.'],
      ['channels-email', 'Välj minst ett sätt att meddela användarna.'],
      ['deadlineAction-none', 'Välj vad som händer vid sista dagen.'],
    ]);
    assertErrorsLinked(res.body);
    assert.deepEqual(await campaigns(), []);
  });

  const hostile: { name: string; fields: Record<string, string | string[] | null>; field: string; message: RegExp }[] = [
    { name: 'an over-long title', fields: { title: 'x'.repeat(201) }, field: 'title', message: /högst 200 tecken/ },
    { name: 'a title with control characters', fields: { title: 'Hej\u0000då' }, field: 'title', message: /./ },
    { name: 'an impossible date', fields: { deadline: '2026-02-30' }, field: 'deadline', message: /riktigt datum/ },
    { name: 'a date in words', fields: { deadline: 'i morgon' }, field: 'deadline', message: /riktigt datum/ },
    { name: 'a path as a date', fields: { deadline: '../../etc/passwd' }, field: 'deadline', message: /riktigt datum/ },
    { name: 'today as the deadline', fields: { deadline: '2026-03-02' }, field: 'deadline', message: /efter i dag/ },
    { name: 'a deadline in the past', fields: { deadline: '2025-12-24' }, field: 'deadline', message: /efter i dag/ },
    { name: 'a deadline too far ahead', fields: { deadline: '2027-06-01' }, field: 'deadline', message: /högst 364 dagar/ },
    { name: 'an unknown target', fields: { target: 'admins' }, field: 'target-everyone', message: /Välj vilka/ },
    { name: 'a department left empty', fields: { department: '   ' }, field: 'department', message: /Skriv vilken förvaltning/ },
    { name: 'a department with a line break', fields: { department: 'IT\n)(uid=*' }, field: 'department', message: /./ },
    { name: 'an over-long department', fields: { department: 'x'.repeat(300) }, field: 'department', message: /högst 256 tecken/ },
    { name: 'a group left empty', fields: { target: 'group', group: '' }, field: 'group', message: /Skriv vilken grupp/ },
    { name: 'a list without a file', fields: { target: 'list' }, field: 'upload', message: /Välj en fil/ },
    { name: 'an over-long message', fields: { message: 'x'.repeat(2001) }, field: 'message', message: /högst 2000 tecken/ },
    { name: 'an unknown channel', fields: { channels: ['email', 'fax'] }, field: 'channels-email', message: /Välj bland/ },
    { name: 'a reminder of 0 days', fields: { reminders: '0' }, field: 'reminders', message: /hela dagar mellan 1 och 90/ },
    { name: 'reminders in words', fields: { reminders: 'sju' }, field: 'reminders', message: /hela dagar/ },
    { name: 'negative reminders', fields: { reminders: '-3' }, field: 'reminders', message: /hela dagar/ },
    { name: 'too many reminders', fields: { reminders: '1,2,3,4,5,6' }, field: 'reminders', message: /Högst 5 påminnelser/ },
    { name: 'a reminder before today', fields: { reminders: '30' }, field: 'reminders', message: /före i dag/ },
    {
      name: 'an unknown deadline action',
      fields: { deadlineAction: 'delete' },
      field: 'deadlineAction-none',
      message: /Välj vad som händer/,
    },
  ];
  for (const { name, fields, field, message } of hostile) {
    it(`refuses ${name} with a message on its field, keeps the values, creates nothing`, async () => {
      const res = await postCampaign(admin, { ...fields, title: fields.title ?? '<script>alert(1)</script>' });
      assert.equal(res.status, 400);
      const errors = summaryErrors(res.body);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]?.[0], field);
      assert.match(errors[0]?.[1] ?? '', message);
      assertErrorsLinked(res.body);
      // The values come back, escaped: the hostile title is text, never markup.
      assert.doesNotMatch(res.body, /<script>alert/);
      if (fields.title === undefined) assert.match(res.body, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
      if (field !== 'department' && fields.department === undefined) assert.match(res.body, /value="Socialtjänsten"/);
      if (fields.deadlineAction === undefined) assert.match(res.body, /id="deadlineAction-block_sign_in"[^>]*checked/);
      assert.deepEqual(await campaigns(), []);
    });
  }

  it('where the directory cannot lock, locking is not offered (the form says why) and a posted lock is refused with the reason', async () => {
    // As with Active Directory: the adapter says it can't lock.
    Object.defineProperty(ctx.services.directory, 'canLock', { value: false });
    assert.equal(ctx.services.directory.canLock, false);
    const form = await admin.get('/admin/campaigns/new');
    assert.equal(form.status, 200);
    assert.doesNotMatch(form.body, /id="deadlineAction-lock"/);
    assert.match(form.body, /id="deadlineAction-block_sign_in"/);
    assert.match(form.body, /Katalogen kan inte låsa konton, så det går inte att välja\. Spärra självservice-inloggningen i stället\./);
    const res = await postCampaign(admin, { deadlineAction: 'lock' });
    assert.equal(res.status, 400);
    assert.deepEqual(summaryErrors(res.body), [
      ['deadlineAction-none', 'Katalogen kan inte låsa konton. Välj att spärra självservice-inloggningen i stället.'],
    ]);
    assertErrorsLinked(res.body);
    assert.deepEqual(await campaigns(), []);
    assert.equal(
      catalogFor('en').campaigns.lockUnsupported,
      "The directory can't lock accounts. Choose to block self-service sign-in instead.",
    );
    // Blocking sign-in is still accepted.
    const blocked = await postCampaign(admin, { deadlineAction: 'block_sign_in' });
    assert.equal(blocked.status, 200, summaryErrors(blocked.body).join('\n'));
    assert.equal((await campaigns())[0]?.deadlineAction, 'block_sign_in');
  });

  it('where the directory can lock, a campaign with lock is accepted', async () => {
    assert.equal(ctx.services.directory.canLock, true);
    const res = await postCampaign(admin, { deadlineAction: 'lock' });
    assert.equal(res.status, 200, summaryErrors(res.body).join('\n'));
    assert.equal((await campaigns())[0]?.deadlineAction, 'lock');
  });

  it('a department campaign: the confirmation counts its accounts; start needs a reason', async () => {
    const res = await postCampaign(admin, {});
    assert.equal(res.status, 200, summaryErrors(res.body).join('\n'));
    assert.match(res.body, /Det här kräver att 3 konton byter lösenord senast 20 mars 2026/);
    const [draft] = await campaigns();
    assert.ok(draft);
    assert.equal(draft.status, 'draft');
    assert.deepEqual(draft.reminderDaysBefore, [7, 1]);
    assert.deepEqual(draft.channels, ['email', 'sms']);
    assert.equal(draft.deadlineAction, 'block_sign_in');
    // The deadline is the end of the chosen day in Sweden (CET in March).
    assert.equal(draft.deadline.toISOString(), '2026-03-20T22:59:59.999Z');

    // The same step again by its address (from the list), with the same number.
    const again = await admin.get(`/admin/campaigns/confirm?id=${draft.id}`);
    assert.match(again.body, /Det här kräver att 3 konton byter lösenord/);

    const noReason = await admin.post('/admin/campaigns/start', { id: draft.id, reason: '  ' });
    assert.equal(noReason.status, 400);
    assert.deepEqual(summaryErrors(noReason.body), [['reason', 'Skriv en anledning. Den sparas i händelseloggen.']]);
    assert.equal((await ctx.services.campaigns.get(draft.id))?.status, 'draft');

    const started = await admin.post('/admin/campaigns/start', { id: draft.id, reason: 'Incident 2026-17' });
    assert.equal(started.status, 303);
    assert.equal(started.location, `/admin/campaigns/campaign?id=${draft.id}&notice=started`);
    assert.equal((await ctx.services.campaigns.get(draft.id))?.status, 'running');
    const events = await ctx.services.store.db.selectFrom('audit_events').select(['type', 'detail']).execute();
    const reasonEvent = events.find((e) => e.type === 'campaign.started');
    assert.ok(reasonEvent, 'the reason is in the event log');
    assert.match(String(reasonEvent.detail), /Incident 2026-17/);
    assert.match(String(reasonEvent.detail), /anna\.andersson/);
    // Started twice (a double click): the second does nothing.
    const twice = await admin.post('/admin/campaigns/start', { id: draft.id, reason: 'igen' });
    assert.equal(twice.location, `/admin/campaigns/campaign?id=${draft.id}`);
  });

  it('"change the details" brings the draft back into the form; the new draft replaces it', async () => {
    await postCampaign(admin, { title: 'Första försöket' });
    const [first] = await campaigns();
    assert.ok(first);
    const list = await admin.get('/admin/campaigns');
    assert.match(
      list.body,
      new RegExp(`href="/admin/campaigns/confirm\\?id=${first.id}">Första försöket</a>`),
      'a draft links to its confirmation',
    );
    assert.match(list.body, /Inte startat/);
    const form = await admin.get(`/admin/campaigns/new?from=${first.id}`);
    assert.equal(form.status, 200);
    assert.match(form.body, /id="title" name="title" type="text" value="Första försöket"/);
    assert.match(form.body, /id="deadline" name="deadline" type="text" value="2026-03-20"/);
    assert.match(form.body, /id="department" name="department" type="text" value="Socialtjänsten"/);
    assert.match(form.body, /id="reminders" name="reminders" type="text" value="7, 1"/);
    assert.match(form.body, /id="channels-sms"[^>]*checked/);
    assert.match(form.body, new RegExp(`name="replaces" value="${first.id}"`));
    const second = await postCampaign(admin, { title: 'Andra försöket', department: 'Samhällsbyggnad', replaces: first.id });
    assert.match(second.body, /Det här kräver att 1 konto byter lösenord/);
    const all = await campaigns();
    assert.equal(all.length, 2);
    assert.equal(all.find((c) => c.id === first.id)?.status, 'cancelled', 'the replaced draft is gone');
    assert.equal(all.find((c) => c.id !== first.id)?.status, 'draft');
  });

  it('everyone: the confirmation counts every account in the directory', async () => {
    const res = await postCampaign(admin, { target: 'everyone' });
    assert.equal(res.status, 200);
    // anna.andersson and the five accounts made above.
    assert.match(res.body, /Det här kräver att 6 konton byter lösenord/);
  });

  it('an uploaded list: unknown and repeated lines are listed by line number, the rest counted', async () => {
    const list = ['username', 'sara.social', 'PIA.PLAN@example.se', 'ingen.alls', 'sara.social@example.se', '# kommentar', 'pia.plan'].join(
      '\n',
    );
    const res = await postCampaign(admin, { target: 'list' }, { name: 'läckta.txt', content: list });
    assert.equal(res.status, 200, JSON.stringify(summaryErrors(res.body)));
    assert.match(res.body, /Det här kräver att 2 konton byter lösenord/);
    assert.match(res.body, /3 rader i filen används inte/);
    assert.match(res.body, /Rad 4: ingen\.alls: inget konto med det användarnamnet eller den e-postadressen/);
    assert.match(res.body, /Rad 5: sara\.social@example\.se: samma konto som på rad 2/);
    const [draft] = await campaigns();
    assert.equal(draft?.target.kind, 'list');
  });

  it('an uploaded list with malformed lines: line-numbered errors, the values kept, nothing created', async () => {
    const list = ['sara.social', 'inte en användare', '=cmd|calc', 'pia.plan'].join('\n');
    const res = await postCampaign(admin, { target: 'list', title: 'Lista' }, { name: 'lista.csv', content: list });
    assert.equal(res.status, 400);
    const errors = summaryErrors(res.body);
    assert.ok(errors.length >= 1);
    assert.ok(errors.every(([field]) => field === 'upload'));
    assert.ok(
      errors.some(([, message]) => message.startsWith('Rad 2: inte en användare')),
      JSON.stringify(errors),
    );
    assertErrorsLinked(res.body);
    assert.match(res.body, /value="Lista"/);
    assert.match(res.body, /id="target-list"[^>]*checked/);
    assert.match(res.body, /Välj filen igen/);
    assert.deepEqual(await campaigns(), []);
  });

  it('an uploaded list matching no account is refused with its lines, nothing created', async () => {
    const res = await postCampaign(admin, { target: 'list' }, { name: 'lista.txt', content: 'ingen.alls\nnågon.annan@example.se\n' });
    assert.equal(res.status, 400);
    const errors = summaryErrors(res.body).map(([, m]) => m);
    assert.ok(
      errors.some((m) => /Ingen rad i listan matchar ett konto/.test(m)),
      JSON.stringify(errors),
    );
    assert.ok(errors.some((m) => m.startsWith('Rad 1: ingen.alls')));
    assert.deepEqual(await campaigns(), []);
  });

  it('a binary file is refused as unreadable, nothing created', async () => {
    const bytes = new Uint8Array(512).map((_, i) => i % 256);
    const res = await postCampaign(admin, { target: 'list' }, { name: 'bild.png', content: bytes });
    assert.equal(res.status, 400);
    assert.match(summaryErrors(res.body)[0]?.[1] ?? '', /kunde inte läsas som text/);
    assert.deepEqual(await campaigns(), []);
  });

  it('an oversized upload: a clear error on the file field (or the 413 page past the body limit), nothing created', async () => {
    const limit = uploadLimitBytes(ctx.services.config.server.bodyLimitBytes);
    const justOver = `${'sara.social\n'.repeat(Math.ceil((limit + 100) / 12))}`;
    const res = await postCampaign(admin, { target: 'list' }, { name: 'stor.txt', content: justOver });
    assert.equal(res.status, 400);
    assert.deepEqual(summaryErrors(res.body), [
      ['upload', `Filen är för stor. Den får vara högst ${formatKiB(catalogFor('sv'), limit)} KiB. Inget har sparats.`],
    ]);
    const huge = 'x'.repeat(campaignFormBodyLimitBytes(ctx.services.config.server.bodyLimitBytes) + 1024);
    const tooLarge = await postCampaign(admin, { target: 'list' }, { name: 'enorm.txt', content: huge });
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.body, /Ingenting har ändrats/);
    assert.deepEqual(await campaigns(), []);
  });

  it('progress after a member changes password, by department and in the CSV of who is pending', async () => {
    // A list, so the signed-in admin is not among the members (their session would end).
    const list = 'sara.social\nolle.social\ngreta.social\npia.plan\n';
    const created = await postCampaign(admin, { target: 'list', deadlineAction: 'none' }, { name: 'lista.txt', content: list });
    assert.match(created.body, /Det här kräver att 4 konton byter lösenord/);
    const [draft] = await campaigns();
    assert.ok(draft);
    await admin.post('/admin/campaigns/start', { id: draft.id, reason: 'Läcka' });
    const pass = await runCampaignsOnce(ctx.services);
    assert.ok(pass !== null);
    assert.equal(pass.marked, 4);

    // Sara changes her password (through Nyckel's directory, which tells the campaigns at once).
    const sara = departmentIds[0] as string;
    await ctx.services.directory.changePassword(sara, TEST_PASSWORD, 'Ett-helt-nytt-lösenord-2026!');
    await runCampaignsOnce(ctx.services);

    const page = await admin.get(`/admin/campaigns/campaign?id=${draft.id}`);
    assert.equal(page.status, 200);
    const figures = page.body.slice(
      page.body.indexOf('campaign-figures'),
      page.body.indexOf('</ul>', page.body.indexOf('campaign-figures')),
    );
    assert.match(
      figures,
      /campaign-figure__number">1<\/span> <span class="campaign-figure__label">Har bytt<\/span> <span class="campaign-figure__share">25\s%\sav alla/u,
    );
    assert.match(figures, /campaign-figure__number">3<\/span> <span class="campaign-figure__label">Har inte bytt/);
    assert.match(figures, /campaign-figure__number">0<\/span> <span class="campaign-figure__label">Låsta/);
    // The charts are images with names, and their figures are text.
    assert.match(page.body, /role="img" aria-labelledby="campaign-over-time-title"/);
    assert.match(page.body, /role="img" aria-labelledby="campaign-by-department-title"/);
    const table = page.body.slice(page.body.indexOf('id="campaign-departments"'));
    assert.match(
      table,
      /<th scope="row">Socialtjänsten<\/th><td class="number">1<\/td><td class="number">2<\/td><td class="number">0<\/td><td class="number">3<\/td><td class="number">33,3\s%/u,
    );

    const csv = await admin.get(`/admin/campaigns/pending.csv?id=${draft.id}`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="pending-[A-Za-z0-9_-]+-2026-03-02\.csv"$/);
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
    assert.equal(lines[0], 'Användarnamn,Namn,Förvaltning,E-post');
    assert.equal(lines.at(-1), '', 'the file ends with a line break');
    const rows = lines.slice(1, -1);
    assert.equal(rows.length, 3, 'three still pending');
    assert.ok(!rows.some((r) => r.startsWith('sara.social,')), 'Sara has changed and is not listed');
    assert.ok(rows.includes('greta.social,"Greta, ""G"" Social",Socialtjänsten,greta.social@example.se'), rows.join('\n'));
    // Formula-looking cells start with an apostrophe, so a spreadsheet shows them as text.
    assert.ok(
      rows.includes(`olle.social,"'=HYPERLINK(""http://evil.example"",""klicka"")",Socialtjänsten,'+46@example.se`),
      rows.join('\n'),
    );
    assert.ok(rows.includes('pia.plan,Pia Plan,Samhällsbyggnad,pia.plan@example.se'));
    const exported = await ctx.services.store.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', '=', 'campaign.pending_exported')
      .execute();
    assert.equal(exported.length, 1, 'the export is in the event log');
  });

  it('cancel: a confirmation page, a required reason, then cancelled', async () => {
    await postCampaign(admin, {});
    const [draft] = await campaigns();
    assert.ok(draft);
    await admin.post('/admin/campaigns/start', { id: draft.id, reason: 'Läcka' });
    const confirm = await admin.get(`/admin/campaigns/cancel?id=${draft.id}`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.body, /Avbryta lösenordsbytet\?/);
    const noReason = await admin.post('/admin/campaigns/cancel', { id: draft.id, reason: '' });
    assert.equal(noReason.status, 400);
    assert.equal((await ctx.services.campaigns.get(draft.id))?.status, 'running');
    const done = await admin.post('/admin/campaigns/cancel', { id: draft.id, reason: 'Fel förvaltning' });
    assert.equal(done.status, 303);
    assert.equal((await ctx.services.campaigns.get(draft.id))?.status, 'cancelled');
    const cancelEvents = await ctx.services.store.listAudit({ type: 'campaign.cancelled', limit: 10 });
    const event = cancelEvents.find((e) => (e.detail as { campaignId?: string }).campaignId === draft.id);
    assert.equal((event?.detail as { reason?: string } | undefined)?.reason, 'Fel förvaltning', 'the reason is in the cancel event');
    const page = await admin.get(done.location ?? '');
    assert.match(page.body, /Lösenordsbytet har avbrutits/);
    assert.match(page.body, /Avbrutet/);
    assert.doesNotMatch(page.body, /href="\/admin\/campaigns\/cancel/);
  });

  it('unknown or malformed ids get the not-found page, never a 500', async () => {
    for (const path of [
      '/admin/campaigns/campaign?id=finns-inte',
      '/admin/campaigns/campaign?id=%27%20OR%201%3D1',
      '/admin/campaigns/campaign',
      '/admin/campaigns/pending.csv?id=../../x',
      '/admin/campaigns/confirm?id=',
      '/admin/campaigns/cancel?id=x',
    ]) {
      const res = await admin.get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.body, /Lösenordsbytet finns inte/);
    }
    const post = await admin.post('/admin/campaigns/start', { id: 'finns-inte', reason: 'x' });
    assert.equal(post.status, 404);
  });

  it('the list shows each campaign with its deadline, state and progress, in English too', async () => {
    await postCampaign(admin, { title: 'Mars' });
    const [draft] = await campaigns();
    assert.ok(draft);
    await admin.post('/admin/campaigns/start', { id: draft.id, reason: 'Läcka' });
    await runCampaignsOnce(ctx.services);
    const sv = await admin.get('/admin/campaigns');
    assert.match(sv.body, /Mars<\/a><\/th><td>20 mars 2026<\/td><td class="campaign-state">Pågår<\/td><td>0 av 3 har bytt \(0\s%\)<\/td>/u);
    const en = await admin.get('/admin/campaigns?lang=en');
    assert.match(
      en.body,
      /Mars<\/a><\/th><td>20 March 2026<\/td><td class="campaign-state">Running<\/td><td>0 of 3 have changed \(0%\)<\/td>/,
    );
  });
});
