// Tests that every request gets its own id, in the header and on every log line of the request.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../test-harness.ts';

describe('request id', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(() => ctx.close());

  it('is random per request, ignores a client-sent one, and stamps the log lines', async () => {
    const browser = new TestBrowser(ctx.app);
    const a = await browser.get('/', { 'x-request-id': 'client-chosen' });
    const b = await browser.get('/');
    const idA = a.headers.get('x-request-id');
    const idB = b.headers.get('x-request-id');
    assert.match(idA ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(idA, idB);
    assert.notEqual(idA, 'client-chosen');

    await browser.signIn('anna.andersson', TEST_PASSWORD);
    const signInLines = ctx.logs.filter((l) => l.msg === 'signed in');
    assert.equal(signInLines.length, 1);
    const reqId = signInLines[0]?.reqId;
    assert.ok(
      ctx.logs.some((l) => l.msg === 'request' && l.reqId === reqId && l.path === '/sign-in'),
      'access line has the same id',
    );
  });
});
