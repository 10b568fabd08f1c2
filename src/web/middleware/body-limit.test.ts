// Tests the body limit: just under passes, just over gets the 413 page.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TestBrowser, type TestContext } from '../test-harness.ts';

describe('body limit', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ server: { bodyLimitBytes: 2048 } });
  });
  after(() => ctx.close());

  it('lets a form within the limit through and refuses one over it', async () => {
    const browser = new TestBrowser(ctx.app);
    await browser.get('/sign-in?lang=en');
    const small = await browser.post('/sign-in', { identifier: 'x'.repeat(100), password: 'y' });
    assert.equal(small.status, 401);
    const large = await browser.post('/sign-in', { identifier: 'x'.repeat(3000), password: 'y' });
    assert.equal(large.status, 413);
    assert.match(large.body, /What you sent was too large/);
    assert.equal((await ctx.services.store.listAudit({ type: 'sign_in', limit: 10 })).length, 1, 'the large one never reached the flow');
  });
});

describe('body limit for a named upload path', () => {
  it('gives only that path its larger limit, and still refuses past it', async () => {
    const { Hono } = await import('hono');
    const { bodyLimit } = await import('./body-limit.ts');
    const app = new Hono();
    app.use('*', bodyLimit(1000, (c) => c.text('too large', 413), { '/upload': 5000 }) as never);
    app.post('*', async (c) => c.text(String((await c.req.text()).length)));
    const post = (path: string, size: number) => app.request(path, { method: 'POST', body: 'x'.repeat(size) });
    assert.equal((await post('/upload', 4000)).status, 200);
    assert.equal((await post('/upload', 6000)).status, 413);
    assert.equal((await post('/other', 4000)).status, 413);
    assert.equal((await post('/other', 900)).status, 200);
  });
});
