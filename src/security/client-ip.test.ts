// Tests for client IP resolution behind trusted proxies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, forwardedForList, normaliseIp, resolveClientIp } from './client-ip.ts';

describe('normaliseIp', () => {
  it('cleans the forms sockets and proxies write', () => {
    assert.equal(normaliseIp('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(normaliseIp('[2001:DB8::1]:443'), '2001:db8::1');
    assert.equal(normaliseIp('192.0.2.7:8080'), '192.0.2.7');
    assert.equal(normaliseIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normaliseIp(' 198.51.100.2 '), '198.51.100.2');
    assert.equal(normaliseIp('not-an-ip'), null);
    assert.equal(normaliseIp("' OR 1=1 --"), null);
  });
});

describe('CidrSet', () => {
  it('matches IPv4 and IPv6 ranges and single addresses', () => {
    const set = new CidrSet(['10.0.0.0/8', '2001:db8::/32', '192.0.2.10']);
    assert.equal(set.has('10.200.1.1'), true);
    assert.equal(set.has('::ffff:10.0.0.1'), true);
    assert.equal(set.has('11.0.0.1'), false);
    assert.equal(set.has('2001:db8:abcd::5'), true);
    assert.equal(set.has('2001:db9::5'), false);
    assert.equal(set.has('192.0.2.10'), true);
    assert.equal(set.has('192.0.2.11'), false);
  });
  it('refuses malformed ranges', () => {
    assert.throws(() => new CidrSet(['10.0.0.0/33']));
    assert.throws(() => new CidrSet(['banana/8']));
  });
});

describe('resolveClientIp', () => {
  const proxies = new CidrSet(['10.0.0.0/8', 'fd00::/8']);
  it('uses the peer when there are no trusted proxies', () => {
    assert.equal(resolveClientIp('203.0.113.9', '198.51.100.1', new CidrSet([])), '203.0.113.9');
  });
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    assert.equal(resolveClientIp('203.0.113.9', '198.51.100.1', proxies), '203.0.113.9');
  });
  it('takes the right-most untrusted address behind trusted proxies', () => {
    assert.equal(resolveClientIp('10.0.0.2', '1.2.3.4, 198.51.100.1, 10.0.0.7', proxies), '198.51.100.1');
    assert.equal(resolveClientIp('fd00::2', '2001:db8::9', proxies), '2001:db8::9');
  });
  it('takes the left-most when every hop is trusted', () => {
    assert.equal(resolveClientIp('10.0.0.2', '10.0.0.5, 10.0.0.6', proxies), '10.0.0.5');
  });
  it('stops at a malformed hop', () => {
    assert.equal(resolveClientIp('10.0.0.2', '198.51.100.1, garbage', proxies), '10.0.0.2');
  });
  it('reports unknown without a peer', () => {
    assert.equal(resolveClientIp(undefined, '198.51.100.1', proxies), 'unknown');
  });
});

describe('forwardedForList (RFC 7239 Forwarded)', () => {
  const proxies = new CidrSet(['10.0.0.0/8', 'fd00::/8']);
  it('reads for= of every element, quoted IPv6 with port included', () => {
    assert.equal(forwardedForList('for=192.0.2.60;proto=https;by=203.0.113.43'), '192.0.2.60');
    assert.equal(forwardedForList('for="[2001:db8:cafe::17]:4711", For=198.51.100.1'), '[2001:db8:cafe::17]:4711,198.51.100.1');
    assert.equal(forwardedForList(undefined), null);
    assert.equal(forwardedForList('  '), null);
  });
  it('walks like X-Forwarded-For: right-most untrusted behind trusted proxies', () => {
    const list = forwardedForList('for=1.2.3.4, for="[2001:db8::9]", for=10.0.0.7');
    assert.equal(resolveClientIp('10.0.0.2', list, proxies), '2001:db8::9');
  });
  it('stops at an obfuscated, unknown or missing for=', () => {
    for (const header of ['for=198.51.100.1, for=_hidden', 'for=198.51.100.1, for=unknown', 'for=198.51.100.1, proto=https']) {
      assert.equal(resolveClientIp('10.0.0.2', forwardedForList(header), proxies), '10.0.0.2', header);
    }
  });
  it('is ignored from an untrusted peer', () => {
    assert.equal(resolveClientIp('203.0.113.9', forwardedForList('for=10.0.0.5'), proxies), '203.0.113.9');
  });
});
