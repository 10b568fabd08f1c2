// Tests what the app believes about the client: https through trusted proxies only, and the
// origins a form may come from.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../test-harness.ts';

describe('client address', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ server: { trustedProxies: ['10.0.0.0/8'], publicUrl: 'https://nyckel.example.se' } });
  });
  after(() => ctx.close());

  const get = (peer: string, headers: Record<string, string>, path = '/') =>
    ctx.app.request(`http://nyckel.example.se${path}`, { headers }, { incoming: { socket: { remoteAddress: peer } } });

  it('believes X-Forwarded-Proto only from a trusted proxy', async () => {
    const trusted = await get('10.0.0.1', { 'x-forwarded-proto': 'https', host: 'nyckel.example.se' });
    assert.match(trusted.headers.get('strict-transport-security') ?? '', /max-age/);
    const untrusted = await get('203.0.113.1', { 'x-forwarded-proto': 'https', host: 'nyckel.example.se' });
    assert.equal(untrusted.headers.get('strict-transport-security'), null);
  });

  it('accepts forms from the public URL behind a TLS-terminating proxy', async () => {
    const page = await get('10.0.0.1', { 'x-forwarded-proto': 'https', host: 'nyckel.example.se' }, '/sign-in');
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith('__Host-nyckel_csrf=')) ?? '';
    const token = cookie.split(';')[0]?.split('=')[1] ?? '';
    assert.ok(token !== '');
    const post = (origin: string) =>
      ctx.app.request(
        'http://nyckel.example.se/sign-in',
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-proto': 'https',
            host: 'nyckel.example.se',
            origin,
            cookie: `__Host-nyckel_csrf=${token}`,
          },
          body: new URLSearchParams({ _csrf: token, identifier: 'nobody', password: 'x' }).toString(),
        },
        { incoming: { socket: { remoteAddress: '10.0.0.1' } } },
      );
    assert.equal((await post('https://nyckel.example.se')).status, 401);
    assert.equal((await post('https://evil.example')).status, 403);
  });
});
