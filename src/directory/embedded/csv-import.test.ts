// Tests for planning a CSV import: header rules, encodings, separators, validation, duplicates.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '../../../test/support/temp-dir.ts';
import { type CsvImportPlan, formatCsvProblem, MAX_CSV_BYTES, planCsvImport, readCsvFile } from './csv-import.ts';

const HEADER = 'username,email,display_name,department,mobile';
const none = { usernames: new Set<string>(), emails: new Set<string>() };

function plan(text: string | Uint8Array, existing = none): CsvImportPlan {
  return planCsvImport(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, existing);
}

function rows(result: CsvImportPlan) {
  assert.equal(result.kind, 'rows', result.kind === 'unusable' ? result.problems.map(formatCsvProblem).join('\n') : '');
  return result as Extract<CsvImportPlan, { kind: 'rows' }>;
}

function problems(result: CsvImportPlan): string[] {
  return result.kind === 'unusable'
    ? result.problems.map(formatCsvProblem)
    : result.rejected.flatMap((r) => r.problems.map(formatCsvProblem));
}

describe('planCsvImport', () => {
  it('accepts a good file and normalises the rows', () => {
    const result = rows(plan(`${HEADER}\nAnna.Berg,Anna.Berg@Example.se,Anna Berg,Socialtjänsten,070-174 06 05\nbo.ek,,Bo Ek,,\n`));
    assert.equal(result.delimiter, ',');
    assert.deepEqual(
      result.accepted.map((r) => [r.line, r.account.username, r.account.email, r.account.mobile, r.account.department]),
      [
        [2, 'anna.berg', 'anna.berg@example.se', '+46701740605', 'Socialtjänsten'],
        [3, 'bo.ek', undefined, undefined, undefined],
      ],
    );
    assert.deepEqual(result.rejected, []);
  });

  it('accepts the columns in any order', () => {
    const result = rows(plan('mobile,display_name,username,department,email\n0701740606,Cecilia Holm,cecilia,IT,c@example.se\n'));
    assert.equal(result.accepted[0]?.account.username, 'cecilia');
    assert.equal(result.accepted[0]?.account.email, 'c@example.se');
    assert.equal(result.accepted[0]?.account.mobile, '+46701740606');
  });

  it('names missing and extra columns', () => {
    const result = plan('username,e-mail,display_name,department\nanna,a@example.se,Anna,IT\n');
    assert.equal(result.kind, 'unusable');
    const text = problems(result).join('\n');
    assert.match(text, /line 1: header: missing columns email, mobile/);
    assert.match(text, /line 1: header: unknown column e-mail/);
  });

  it('reports a column given twice', () => {
    assert.match(problems(plan(`${HEADER},email\n`)).join('\n'), /column email more than once/);
  });

  it('reads semicolon-separated files (Swedish Excel) and a UTF-8 BOM', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const body = Buffer.from(
      'username;email;display_name;department;mobile\r\nåsa.öberg;asa@example.se;Åsa Öberg;Skola och förskola;+46 70 174 06 07\r\n;;;;\r\n',
    );
    const result = rows(plan(Buffer.concat([bom, body])));
    assert.equal(result.delimiter, ';');
    assert.equal(result.accepted.length, 1);
    assert.equal(result.accepted[0]?.account.username, 'åsa.öberg');
    assert.equal(result.accepted[0]?.account.displayName, 'Åsa Öberg');
  });

  it('refuses Latin-1 with the first bad line', () => {
    const latin1 = Buffer.from(`${HEADER}\nanna,a@example.se,Anna,IT,\nasa,asa@example.se,\xc5sa \xd6berg,IT,\n`, 'latin1');
    const result = plan(latin1);
    assert.equal(result.kind, 'unusable');
    assert.deepEqual(problems(result), ["line 3: the file is not UTF-8; save it as 'CSV UTF-8'"]);
  });

  it('reports every bad row with line, column and reason', () => {
    const result = rows(plan(`${HEADER}\nanna,not-an-email,Anna,IT,\n,b@example.se,,IT,12345\nok.user,ok@example.se,Ok,IT,\n`));
    assert.deepEqual(
      result.accepted.map((r) => r.line),
      [4],
    );
    const text = problems(result);
    assert.ok(
      text.some((p) => /^line 2: email: /.test(p)),
      text.join('\n'),
    );
    assert.ok(
      text.some((p) => /^line 3: username: Username is required/.test(p)),
      text.join('\n'),
    );
    assert.ok(
      text.some((p) => /^line 3: display_name: /.test(p)),
      text.join('\n'),
    );
    assert.ok(
      text.some((p) => /^line 3: mobile: This is not a Swedish mobile number/.test(p)),
      text.join('\n'),
    );
  });

  it('rejects every occurrence of a username or e-mail repeated in the file', () => {
    const result = rows(
      plan(`${HEADER}\nanna,a@example.se,Anna,IT,\nbo,b@example.se,Bo,IT,\nANNA,c@example.se,Anna 2,IT,\ncilla,B@example.se,Cilla,IT,\n`),
    );
    assert.deepEqual(result.accepted, []);
    const text = problems(result);
    assert.ok(text.includes('line 2: username: the same username is also on line 4'), text.join('\n'));
    assert.ok(text.includes('line 4: username: the same username is also on line 2'), text.join('\n'));
    assert.ok(text.includes('line 3: email: the same e-mail address is also on line 5'), text.join('\n'));
  });

  it('rejects rows that clash with existing accounts', () => {
    const existing = { usernames: new Set(['anna']), emails: new Set(['bo@example.se']) };
    const result = rows(plan(`${HEADER}\nAnna,new@example.se,Anna,IT,\nbo.ek,Bo@Example.se,Bo,IT,\ncilla,,Cilla,,\n`, existing));
    assert.deepEqual(
      result.accepted.map((r) => r.account.username),
      ['cilla'],
    );
    assert.deepEqual(problems(result), [
      'line 2: username: an account with username anna already exists',
      'line 3: email: an account with e-mail address bo@example.se already exists',
    ]);
  });

  it('gives a multi-line quoted row the line it starts on, and counts values per row', () => {
    const result = rows(plan(`${HEADER}\n"anna","a@example.se","Anna\nBerg",IT,\nbo,b@example.se,Bo\n`));
    const text = problems(result);
    assert.ok(
      text.some((p) => p.startsWith('line 2: display_name: ')),
      text.join('\n'),
    );
    assert.ok(
      text.includes('line 4: the row has 3 values; the header has 5 (username,email,display_name,department,mobile)'),
      text.join('\n'),
    );
  });

  it('keeps SQL metacharacters as text', () => {
    const result = rows(plan(`${HEADER}\nrobert,r@example.se,"Robert'); DROP TABLE accounts;--","IT"" OR 1=1 --",\n`));
    assert.equal(result.accepted[0]?.account.displayName, "Robert'); DROP TABLE accounts;--");
    assert.equal(result.accepted[0]?.account.department, 'IT" OR 1=1 --');
  });

  it('refuses an unclosed quote, an empty file and a file with only blank lines', () => {
    assert.match(problems(plan(`${HEADER}\nanna,"a@example.se,Anna,IT,\n`)).join(''), /line \d+: a quoted value is not closed/);
    assert.match(problems(plan('')).join(''), /the file is empty/);
    assert.match(problems(plan('\n\n')).join(''), /the file is empty/);
  });

  it('a header-only file has no rows', () => {
    const result = rows(plan(`${HEADER}\n`));
    assert.deepEqual([result.accepted, result.rejected], [[], []]);
  });
});

describe('readCsvFile', () => {
  it('refuses a file larger than 10 MB before reading it, and names a missing file', async () => {
    const temp = await makeTempDir('csv-read');
    try {
      const big = join(temp.path, 'big.csv');
      await writeFile(big, Buffer.alloc(MAX_CSV_BYTES + 1, 0x61));
      await assert.rejects(readCsvFile(big), (error: Error) => /the largest file accepted is 10 MB/.test(error.message));
      await assert.rejects(readCsvFile(join(temp.path, 'missing.csv')), /the file does not exist/);
      await assert.rejects(readCsvFile(temp.path), /is not a file/);
    } finally {
      await temp.cleanup();
    }
  });
});
