// TOTP against RFC 6238's test vectors (SHA-1, 8 digits) and Debian's oathtool, an independent
// implementation, plus drift limits, code normalisation and the otpauth URI.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oathtool } from '../../test/support/oathtool.ts';
import { ManualClock } from '../domain/clock.ts';
import { generateTotp, groupSecret, matchTotpStep, newTotpSecret, normaliseTotpCode, totpStepAt, totpUri } from './totp.ts';

// RFC 6238 Appendix B: seed "12345678901234567890" (ASCII), SHA-1, 8 digits.
const rfcVectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('produces the RFC 6238 SHA-1 test vectors', () => {
    for (const [seconds, expected] of rfcVectors) {
      assert.equal(
        generateTotp('12345678901234567890', new Date(seconds * 1000), { digits: 8, secretEncoding: 'latin1' }),
        expected,
        `T=${seconds}`,
      );
    }
  });

  it('accepts the codes oathtool computes from a new secret', () => {
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits in base32');
    for (const at of ['2026-01-01T08:00:00Z', '2026-06-30T23:59:59Z', '2031-03-14T12:00:15Z']) {
      const moment = new Date(at);
      const code = oathtool(secret, moment);
      assert.match(code, /^\d{6}$/);
      assert.equal(generateTotp(secret, moment), code);
      assert.equal(matchTotpStep(secret, code, moment, 1), totpStepAt(moment));
    }
  });

  it('accepts ±1 step of drift and refuses ±2', () => {
    const secret = newTotpSecret();
    const clock = new ManualClock('2026-01-01T08:00:10Z');
    const code = oathtool(secret, clock.now());
    const step = totpStepAt(clock.now());
    clock.advance(30_000);
    assert.equal(matchTotpStep(secret, code, clock.now(), 1), step, 'one step late');
    clock.advance(30_000);
    assert.equal(matchTotpStep(secret, code, clock.now(), 1), null, 'two steps late');
    clock.set('2026-01-01T07:59:40Z');
    assert.equal(matchTotpStep(secret, code, clock.now(), 1), step, 'one step early');
    clock.advance(-30_000);
    assert.equal(matchTotpStep(secret, code, clock.now(), 1), null, 'two steps early');
    assert.equal(matchTotpStep(secret, code, clock.now(), 2), step, 'a wider window when configured');
  });

  it('normalises typed codes and refuses anything else', () => {
    assert.equal(normaliseTotpCode(' 123 456 '), '123456');
    assert.equal(normaliseTotpCode('123-456'), '123456');
    assert.equal(normaliseTotpCode('12345'), null);
    assert.equal(normaliseTotpCode('12345a'), null);
    assert.equal(normaliseTotpCode('1234567'), null);
  });

  it('groups the secret in fours and builds an otpauth URI with the organisation as issuer', () => {
    assert.equal(groupSecret('JBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP');
    const uri = new URL(totpUri({ issuer: 'Eslövs kommun', accountLabel: 'anna.berg', secret: 'JBSWY3DPEHPK3PXP' }));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Eslövs kommun:anna.berg');
    assert.equal(uri.searchParams.get('issuer'), 'Eslövs kommun');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });
});
