// The reports' store queries on SQLite and PostgreSQL: method counts per account (recovery codes
// not counted), audit events counted per hour and kind, failure reasons ranked, the period checks
// and the CSV writer's defusing of formulas.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditBackends } from '../audit/audit-store.test-support.ts';
import type { KyselyStore } from '../store/kysely-store.ts';
import { measureActivity } from './activity-report.ts';
import { csvCell, csvFileName, toCsv } from './csv.ts';
import { addMethod } from './report.test-support.ts';
import { parsePeriod } from './report-period.ts';
import { ReportQueries } from './report-queries.ts';

// Days are the server's local days: run in Sweden's time zone, so a UTC day would put the events
// just after local midnight on the wrong day.
process.env.TZ = 'Europe/Stockholm';

for (const backend of auditBackends) {
  describe(`report queries on ${backend.name}`, () => {
    let database: Awaited<ReturnType<(typeof backend)['create']>>;
    let store: KyselyStore;
    let queries: ReportQueries;
    before(async () => {
      database = await backend.create();
      store = await database.open();
      queries = new ReportQueries(store.db, store.dialect);
    });
    after(async () => {
      await store.close();
      await database.cleanup();
    });

    it('counts the methods of each account, recovery codes left out, in chunks past the parameter limit', async () => {
      await addMethod(store, 'm1', 'anna', 'totp');
      await addMethod(store, 'm2', 'anna', 'sms');
      await addMethod(store, 'm3', 'anna', 'recovery_codes');
      await addMethod(store, 'm4', 'bo', 'passkey');
      await addMethod(store, 'm5', 'cia', 'recovery_codes');
      const ids = [...Array.from({ length: 1200 }, (_, i) => `nobody-${i}`), 'anna', 'bo', 'cia'];
      const counts = await queries.countMethods(ids);
      assert.deepEqual([...counts.entries()].sort(), [
        ['anna', 2],
        ['bo', 1],
      ]);
      assert.equal((await queries.countMethods([])).size, 0);
    });

    it('counts resets, unlocks and failures per local day, and ranks the failure reasons', async () => {
      const day = (d: number, hour: number) => new Date(2026, 2, d, hour, 30);
      const events: Array<[string, 'success' | 'failure' | 'refused' | 'info', Date, Record<string, unknown>?]> = [
        ['reset.password_changed', 'success', day(2, 0)], // just after local midnight: 2 March, whatever UTC says
        ['reset.password_changed', 'success', day(2, 23)],
        ['reset.unlocked', 'success', day(3, 9)],
        ['helpdesk.unlock', 'success', day(3, 10)],
        ['sign_in', 'failure', day(3, 11), { reason: 'wrong_password' }],
        ['sign_in', 'failure', day(3, 12), { reason: 'wrong_password' }],
        ['sign_in', 'refused', day(4, 8), { reason: 'rate_limited_ip' }],
        ['sign_in', 'success', day(4, 8)],
        ['passkey_sign_in', 'failure', day(4, 9), { reason: 'unknown_credential' }],
        ['reset.verify', 'failure', day(4, 9)],
        ['reset.password', 'failure', day(4, 10), { reason: 'policy' }],
        ['reset.start', 'info', day(4, 10)],
        ['security_info.code_sent', 'failure', day(4, 11)],
        ['reset.password_changed', 'success', day(5, 1)], // outside the period
      ];
      for (const [type, outcome, at, detail] of events) await store.appendAudit({ type, outcome, detail }, at);

      const parsed = parsePeriod('2026-03-02', '2026-03-04', new Date(2026, 2, 20));
      assert.ok(parsed.ok);
      const report = await measureActivity(queries, parsed.period);
      assert.deepEqual(report.days, [
        { day: '2026-03-02', resets: 2, unlocks: 0, signInFailures: 0, resetFailures: 0 },
        { day: '2026-03-03', resets: 0, unlocks: 2, signInFailures: 2, resetFailures: 0 },
        { day: '2026-03-04', resets: 0, unlocks: 0, signInFailures: 2, resetFailures: 2 },
      ]);
      assert.deepEqual(report.totals, { resets: 2, unlocks: 2, signInFailures: 4, resetFailures: 2 });
      assert.deepEqual(report.reasons, [
        { type: 'sign_in', reason: 'wrong_password', count: 2 },
        { type: 'passkey_sign_in', reason: 'unknown_credential', count: 1 },
        { type: 'reset.password', reason: 'policy', count: 1 },
        { type: 'reset.verify', reason: null, count: 1 },
        { type: 'sign_in', reason: 'rate_limited_ip', count: 1 },
      ]);
      assert.deepEqual(
        (await queries.topFailureReasons(parsed.period.start, parsed.period.end, 1)).map((r) => r.count),
        [2],
      );
    });
  });
}

describe('report period', () => {
  const now = new Date(2026, 2, 20, 15, 0);

  it('defaults to the last 30 days, today included', () => {
    const result = parsePeriod(undefined, '', now);
    assert.ok(result.ok);
    assert.equal(result.period.from, '2026-02-19');
    assert.equal(result.period.to, '2026-03-20');
    assert.equal(result.period.days.length, 30);
    assert.equal(result.period.end.getTime(), new Date(2026, 2, 21).getTime());
  });

  it('refuses impossible dates, a reversed or over-long period, and one starting in the future', () => {
    const problems = (from: string, to: string) => {
      const result = parsePeriod(from, to, now);
      return result.ok ? [] : result.problems;
    };
    assert.deepEqual(problems('2026-02-31', '2026-03-01'), ['from_invalid']);
    assert.deepEqual(problems('2026-03-01', '20260302'), ['to_invalid']);
    assert.deepEqual(problems('2026-03-05', '2026-03-01'), ['order']);
    assert.deepEqual(problems('2024-01-01', '2026-03-01'), ['too_long']);
    assert.deepEqual(problems('2026-03-21', '2026-03-25'), ['future']);
    assert.deepEqual(problems('2025-03-20', '2026-03-20'), []);
  });
});

describe('CSV', () => {
  it('defuses formulas, quotes separators and keeps numbers as numbers', () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('+46 70'), "'+46 70");
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell('Skola, förskola'), '"Skola, förskola"');
    assert.equal(csvCell('två\nrader'), '"två\nrader"');
    assert.equal(csvCell(-3), '-3');
    assert.equal(csvCell(null), '');
    assert.equal(toCsv(['a', 'b'], [['x', 1]]), '\uFEFFa,b\r\nx,1\r\n');
    assert.equal(csvFileName('täckning 2026/03'), 't-ckning-2026-03.csv');
  });
});
