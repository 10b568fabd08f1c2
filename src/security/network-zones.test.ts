// Tests for network zones: IPv4 and IPv6 ranges, IPv4-mapped addresses, unknown names deny.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkZones } from './network-zones.ts';

describe('NetworkZones', () => {
  const zones = new NetworkZones({ office: ['10.0.0.0/8', '2001:db8::/32'], vpn: ['192.168.100.0/24', '203.0.113.7'] });

  it('matches IPv4 and IPv6 addresses against the named ranges', () => {
    assert.deepEqual(zones.zonesOf('10.1.2.3'), ['office']);
    assert.deepEqual(zones.zonesOf('2001:db8:1::5'), ['office']);
    assert.deepEqual(zones.zonesOf('192.168.100.200'), ['vpn']);
    assert.deepEqual(zones.zonesOf('203.0.113.7'), ['vpn']);
    assert.deepEqual(zones.zonesOf('203.0.113.8'), []);
    assert.deepEqual(zones.zonesOf('11.0.0.1'), []);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    assert.equal(zones.isInAny('::ffff:10.9.9.9', ['office']), true);
  });

  it('denies unknown zone names, garbage and "unknown" addresses', () => {
    assert.equal(zones.isInAny('10.1.2.3', ['branch']), false);
    assert.equal(zones.isInAny('10.1.2.3', []), false);
    assert.equal(zones.isInAny('unknown', ['office', 'vpn']), false);
    assert.equal(zones.isInAny('10.1.2.3', ['vpn', 'office']), true);
  });

  it('names the zone when a range is not valid', () => {
    assert.throws(() => new NetworkZones({ branch: ['10.0.0.0/33'] }), /networkZones\.branch/);
    assert.throws(() => new NetworkZones({ branch: ['999.1.1.1'] }), /networkZones\.branch/);
  });
});
