// Tests the HTTP server over a real socket: a free port, the real URL, the peer address, close.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningServer, startServer } from './server.ts';
import { createTestContext, type TestContext } from './test-harness.ts';

describe('startServer', () => {
  let ctx: TestContext;
  let server: RunningServer;
  before(async () => {
    ctx = await createTestContext();
    server = await startServer(ctx.services, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await ctx.close();
  });

  it('listens on a real port and serves pages with the security headers', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(server.url, /:0$/);
    const res = await fetch(`${server.url}/sign-in`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await res.text(), /<html lang="sv">/);
  });

  it('logs the socket peer as the client address', async () => {
    await fetch(`${server.url}/healthz`);
    const line = ctx.logs.find((l) => l.msg === 'request' && l.path === '/healthz');
    assert.equal(line?.ip, '127.0.0.1');
  });

  it('refuses a large declared body without reading it', async () => {
    const res = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a='.padEnd(200 * 1024, 'x'),
    });
    assert.equal(res.status, 413);
  });
});
