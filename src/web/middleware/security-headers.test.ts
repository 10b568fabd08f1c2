// Tests the security headers on pages, redirects, errors and assets.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TestBrowser, type TestContext } from '../test-harness.ts';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';

describe('security headers', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(() => ctx.close());

  it('are on every kind of response', async () => {
    const browser = new TestBrowser(ctx.app);
    const responses = [
      await browser.get('/'),
      await browser.get('/account'), // redirect
      await browser.get('/nowhere'), // 404
      await browser.post('/sign-in', { _csrf: null }), // 403
      await browser.get('/assets/app.css'),
      await browser.get('/healthz'),
    ];
    for (const res of responses) {
      const what = `${res.status}`;
      assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, what);
      assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', what);
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', what);
      assert.ok(res.headers.get('permissions-policy'), what);
      assert.ok(res.headers.get('cache-control'), what);
    }
    assert.equal(responses[0]?.headers.get('cache-control'), 'no-store');
    assert.equal(responses[1]?.status, 303);
  });
});
