// Tests for the CSRF token and origin checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDoubleSubmitToken,
  createSessionCsrfToken,
  isSameOriginRequest,
  isValidDoubleSubmitCookie,
  verifyDoubleSubmit,
  verifySessionCsrfToken,
} from './csrf.ts';

const key = 'k'.repeat(64);

describe('double-submit token', () => {
  it('accepts the cookie echoed in the form', () => {
    const token = createDoubleSubmitToken(key);
    assert.equal(verifyDoubleSubmit(key, token, token), true);
  });
  it('refuses a form value that differs from the cookie', () => {
    const a = createDoubleSubmitToken(key);
    const b = createDoubleSubmitToken(key);
    assert.notEqual(a, b);
    assert.equal(verifyDoubleSubmit(key, a, b), false);
    assert.equal(verifyDoubleSubmit(key, a, undefined), false);
    assert.equal(verifyDoubleSubmit(key, undefined, a), false);
  });
  it('refuses a cookie not signed with our key, even when echoed', () => {
    const forged = createDoubleSubmitToken('another key entirely, 32+ chars long');
    assert.equal(isValidDoubleSubmitCookie(key, forged), false);
    assert.equal(verifyDoubleSubmit(key, forged, forged), false);
    assert.equal(verifyDoubleSubmit(key, 'abc.def', 'abc.def'), false);
    assert.equal(verifyDoubleSubmit(key, 'nodot', 'nodot'), false);
  });
});

describe('session token', () => {
  it('accepts only the exact token', () => {
    const token = createSessionCsrfToken();
    assert.equal(token.length >= 43, true);
    assert.equal(verifySessionCsrfToken(token, token), true);
    assert.equal(verifySessionCsrfToken(token, `${token}x`), false);
    assert.equal(verifySessionCsrfToken(token, ''), false);
    assert.equal(verifySessionCsrfToken(undefined, ''), false);
  });
});

describe('isSameOriginRequest', () => {
  const allowed = ['https://nyckel.example.se'];
  it('accepts same-origin fetch metadata and a matching Origin', () => {
    assert.equal(isSameOriginRequest({ origin: 'https://nyckel.example.se', secFetchSite: 'same-origin' }, allowed), true);
  });
  it('accepts a request without either header (token decides)', () => {
    assert.equal(isSameOriginRequest({ origin: undefined, secFetchSite: undefined }, allowed), true);
  });
  it('refuses cross-site and same-site fetch metadata', () => {
    assert.equal(isSameOriginRequest({ origin: undefined, secFetchSite: 'cross-site' }, allowed), false);
    assert.equal(isSameOriginRequest({ origin: undefined, secFetchSite: 'same-site' }, allowed), false);
  });
  it('refuses a foreign Origin', () => {
    assert.equal(isSameOriginRequest({ origin: 'https://evil.example', secFetchSite: undefined }, allowed), false);
    assert.equal(isSameOriginRequest({ origin: 'https://nyckel.example.se.evil.example', secFetchSite: undefined }, allowed), false);
  });
  it('accepts Origin null (sent under Referrer-Policy: no-referrer) only when fetch metadata agrees or is absent', () => {
    assert.equal(isSameOriginRequest({ origin: 'null', secFetchSite: 'same-origin' }, allowed), true);
    assert.equal(isSameOriginRequest({ origin: 'null', secFetchSite: 'cross-site' }, allowed), false);
    assert.equal(isSameOriginRequest({ origin: 'null', secFetchSite: undefined }, allowed), true);
  });
});
