// Tests the access log: one JSON line per request, with no query string, cookie or password.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';
import { ACCESS_LOG_FIELDS } from './access-log.ts';

describe('access log', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(() => ctx.close());

  it('logs method, path, status and time, never query strings, cookies or passwords', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.get('/accessibility?token=very-secret-token');
    await browser.signIn('anna.andersson', TEST_PASSWORD);
    await browser.get('/account');
    const lines = ctx.logs.filter((l) => l.msg === 'request');
    const line = lines.find((l) => l.path === '/accessibility');
    assert.ok(line);
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.equal(line.ip, 'unknown');
    const all = JSON.stringify(ctx.logs);
    assert.equal(all.includes('very-secret-token'), false);
    assert.equal(all.includes(TEST_PASSWORD), false);
    assert.equal(all.includes(browser.cookies.get('nyckel_session') ?? 'no-cookie'), false);
    assert.ok(lines.some((l) => l.path === '/sign-in' && l.method === 'POST' && l.status === 303));
    // Access lines skip the redaction pass: they must carry nothing but their fixed fields.
    const fixed = ['level', 'time', 'service', 'msg', ...ACCESS_LOG_FIELDS].sort();
    for (const l of lines) assert.deepEqual(Object.keys(l).sort(), fixed);
    assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
  });
});
