// Tests for the language choice: query, cookie, Accept-Language, default.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, TestBrowser, type TestContext } from '../test-harness.ts';
import { pickFromAcceptLanguage } from './language.ts';

describe('pickFromAcceptLanguage', () => {
  it('takes the best supported language by quality', () => {
    assert.equal(pickFromAcceptLanguage('en-GB,en;q=0.9,sv;q=0.8'), 'en');
    assert.equal(pickFromAcceptLanguage('de-DE, sv-SE;q=0.7, en;q=0.5'), 'sv');
    assert.equal(pickFromAcceptLanguage('en;q=0.2, sv;q=0.9'), 'sv');
    assert.equal(pickFromAcceptLanguage('fi, de'), null);
    assert.equal(pickFromAcceptLanguage('sv;q=0, en;q=0.1'), 'en');
    assert.equal(pickFromAcceptLanguage(undefined), null);
    assert.equal(pickFromAcceptLanguage('garbage;;;q=x'), null);
  });
});

describe('language middleware', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(() => ctx.close());

  const langOf = (html: string) => /<html lang="([a-z]+)"/.exec(html)?.[1];

  it('defaults to Swedish', async () => {
    assert.equal(langOf((await new TestBrowser(ctx.app).get('/')).body), 'sv');
  });
  it('follows Accept-Language', async () => {
    assert.equal(langOf((await new TestBrowser(ctx.app).get('/', { 'accept-language': 'en-US,en;q=0.9' })).body), 'en');
  });
  it('lets ?lang override and remembers it over Accept-Language', async () => {
    const browser = new TestBrowser(ctx.app);
    const res = await browser.get('/?lang=sv', { 'accept-language': 'en' });
    assert.equal(langOf(res.body), 'sv');
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('nyckel_lang=sv') && c.includes('HttpOnly')));
    assert.equal(langOf((await browser.get('/', { 'accept-language': 'en' })).body), 'sv');
  });
  it('ignores an unsupported ?lang and a forged cookie', async () => {
    const browser = new TestBrowser(ctx.app);
    browser.cookies.set('nyckel_lang', '<script>');
    const res = await browser.get('/?lang=de');
    assert.equal(langOf(res.body), 'sv');
    assert.equal(
      res.headers.getSetCookie().some((c) => c.startsWith('nyckel_lang=')),
      false,
    );
  });
});
