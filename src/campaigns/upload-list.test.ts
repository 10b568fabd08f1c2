// The uploaded list of leaked accounts: CSV and plain lists, headers, duplicates (the same entry,
// and two identifiers of one account), unknown and malformed entries reported by line, and
// hostile input — oversized, binary, a 1 MB line, too many lines, control characters — refused
// or reported without echoing anything but the (sanitised) upload itself.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, type CampaignWorld, openCampaignWorld, seedAccounts } from './campaign.test-support.ts';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_LINES, type UploadReport } from './campaign.ts';
import { decodeUpload, parseUpload, showEntry } from './upload-list.ts';

const DAY = 86_400_000;

function parsed(text: string) {
  const result = parseUpload(text);
  assert.ok(!('error' in result), JSON.stringify(result));
  return result;
}

describe('parseUpload', () => {
  it('reads plain lists and CSV first columns, skipping a header, blanks and comments', () => {
    const result = parsed('\uFEFFusername;department\r\nanst00001;Skola\n\n# comment\n"Anst00002@Kommun.Example",x\n\tanst00003\t\n');
    assert.deepEqual(
      result.entries.map((e) => [e.line, e.identifier]),
      [
        [2, 'anst00001'],
        [5, 'anst00002@kommun.example'],
        [6, 'anst00003'],
      ],
    );
    assert.equal(result.lines, 3);
    assert.deepEqual(result.problems, []);
  });

  it('reports duplicates (case-insensitive) with the first line, and malformed entries', () => {
    const result = parsed('anst1\nANST1\nnot an@address\nx@y\n*)(uid=*\nanst2\n');
    assert.deepEqual(result.problems, [
      { line: 2, kind: 'duplicate', entry: 'ANST1', firstLine: 1 },
      { line: 3, kind: 'malformed', entry: 'not an@address' },
      { line: 4, kind: 'malformed', entry: 'x@y' },
      { line: 5, kind: 'malformed', entry: '*)(uid=*' },
    ]);
    assert.equal(result.entries.length, 2);
  });

  it('refuses oversized, binary, empty and too-long uploads whole', () => {
    assert.deepEqual(parseUpload('a'.repeat(MAX_UPLOAD_BYTES + 1)), { error: { field: 'upload', code: 'upload_too_large' } });
    // Counted in UTF-8 bytes, not characters.
    assert.deepEqual(parseUpload('å'.repeat(MAX_UPLOAD_BYTES / 2 + 1)), { error: { field: 'upload', code: 'upload_too_large' } });
    assert.deepEqual(parseUpload('anst1\n\u0000\u0001PK\u0003\u0004'), { error: { field: 'upload', code: 'upload_binary' } });
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const decoded = decodeUpload(random);
    assert.equal(typeof decoded, 'string');
    assert.deepEqual(parseUpload(decoded as string), { error: { field: 'upload', code: 'upload_binary' } });
    assert.deepEqual(decodeUpload(new Uint8Array(MAX_UPLOAD_BYTES + 1)), { error: { field: 'upload', code: 'upload_too_large' } });
    assert.deepEqual(parseUpload('\n\n  \n# only comments\n'), { error: { field: 'upload', code: 'upload_empty' } });
    assert.deepEqual(parseUpload('username\n'), { error: { field: 'upload', code: 'upload_empty' } });
    const tooMany = Array.from({ length: MAX_UPLOAD_LINES + 1 }, (_, i) => `u${i}`).join('\n');
    assert.deepEqual(parseUpload(tooMany), { error: { field: 'upload', code: 'upload_too_many_lines' } });
    const justRight = Array.from({ length: MAX_UPLOAD_LINES }, (_, i) => `u${i}`).join('\n');
    assert.equal(parsed(justRight).entries.length, MAX_UPLOAD_LINES);
  });

  it('reports a 1 MB line as malformed, shortened, quickly', () => {
    const started = performance.now();
    const result = parsed(`anst1\n${'x'.repeat(1024 * 1024)}\nanst2\n`);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(result.entries.length, 2);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.line, 2);
    assert.ok((result.problems[0]?.entry.length ?? 0) <= 80);
  });

  it('never shows control, format or bidi characters back', () => {
    assert.equal(showEntry('ev\u202Eil\u0007\u2028x'), 'ev\uFFFDil\uFFFD\uFFFDx');
    const result = parsed('anst1\n<script>\u0007\n');
    assert.equal(result.problems[0]?.entry, '<script>\uFFFD');
  });
});

describe('a campaign from an uploaded list', () => {
  let w: CampaignWorld;
  before(async () => {
    w = await openCampaignWorld('sqlite');
    await seedAccounts(w.directory, 20);
  });
  after(async () => {
    await w?.cleanup();
  });

  const create = (text: string) =>
    w.service.create(
      {
        title: 'Läckan från leverantören',
        deadline: new Date(w.clock.now().getTime() + 5 * DAY),
        target: { kind: 'list', text },
        channels: ['work_email'],
        deadlineAction: 'none',
      },
      ADMIN,
    );

  it('resolves the accounts and reports unknown, duplicate (also by another identifier) and malformed lines', async () => {
    const result = await create(
      'email\nanst00001@kommun.example\nanst00002\nANST00001\nnobody@kommun.example\nbad entry\nanst00002@kommun.example\nanst00003\n',
    );
    assert.ok(result.ok);
    const upload = result.upload as UploadReport;
    assert.equal(upload.lines, 7);
    assert.equal(upload.accounts, 3);
    assert.deepEqual(upload.problems, [
      { line: 4, kind: 'duplicate', entry: 'ANST00001', firstLine: 2 },
      { line: 5, kind: 'unknown', entry: 'nobody@kommun.example' },
      { line: 6, kind: 'malformed', entry: 'bad entry' },
      { line: 7, kind: 'duplicate', entry: 'anst00002@kommun.example', firstLine: 3 },
    ]);
    assert.deepEqual([upload.unknown, upload.duplicates, upload.malformed], [1, 2, 1]);
    assert.deepEqual(result.campaign.target, { kind: 'list', entries: 3 });
    assert.equal((await w.service.progress(result.campaign.id)).total, 3);
    // Only the listed accounts are touched.
    await w.service.start(result.campaign.id, ADMIN);
    await w.runner().runOnce();
    assert.deepEqual(w.messenger.sent.map((m) => m.to).sort(), [
      'anst00001@kommun.example',
      'anst00002@kommun.example',
      'anst00003@kommun.example',
    ]);
  });

  it('refuses an upload where no line is an account, and a binary one, creating nothing', async () => {
    const before = (await w.service.list()).length;
    const none = await create('nobody1\nnobody2@kommun.example\n');
    assert.equal(none.ok, false);
    assert.deepEqual(!none.ok && none.errors, [{ field: 'upload', code: 'no_members' }]);
    assert.equal(none.upload?.unknown, 2);
    const binary = await create('\u0000\u0000\u0000');
    assert.deepEqual(!binary.ok && binary.errors, [{ field: 'upload', code: 'upload_binary' }]);
    const notText = await create(42 as never);
    assert.deepEqual(!notText.ok && notText.errors, [{ field: 'upload', code: 'upload_empty' }]);
    assert.equal((await w.service.list()).length, before);
  });

  it('lists at most 200 problems but counts them all', async () => {
    const text = ['anst00004', ...Array.from({ length: 500 }, (_, i) => `okand${i}`)].join('\n');
    const result = await create(text);
    assert.ok(result.ok);
    assert.equal(result.upload?.unknown, 500);
    assert.equal(result.upload?.problems.length, 200);
    assert.equal(result.upload?.problemsTruncated, true);
  });
});

describe('endOfDayInSweden', () => {
  it('is 23:59:59.999 Swedish time, winter and summer, and null for non-dates', async () => {
    const { endOfDayInSweden } = await import('./campaign-service.ts');
    assert.equal(endOfDayInSweden('2026-01-15')?.toISOString(), '2026-01-15T22:59:59.999Z');
    assert.equal(endOfDayInSweden('2026-07-15')?.toISOString(), '2026-07-15T21:59:59.999Z');
    assert.equal(endOfDayInSweden('2026-02-30'), null);
    assert.equal(endOfDayInSweden('15/1/2026'), null);
  });
});
