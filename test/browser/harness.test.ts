// Checks the browser test support itself on small hand-written pages: the axe check fails on
// a page with known violations (so a pass elsewhere means something), the focus reader sees
// a missing focus indicator, and the request recorder sees a foreign request.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  assertNoAxeViolations,
  focusedElement,
  foreignRequests,
  hasVisibleFocusIndicator,
  launchBrowser,
  newContext,
  recordRequests,
} from '../support/browser.ts';

let browser: Browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('the axe check fails with rule id, impact, target and help for each violation', async () => {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    // No lang, no title, an unlabelled input and an image without alt text.
    await page.setContent('<html><body><main><h1>Form</h1><img src="data:," id="logo"><input id="name" type="text"></main></body></html>');
    await assert.rejects(assertNoAxeViolations(page, 'a broken page'), (error: Error) => {
      assert.match(error.message, /violation\(s\) on a broken page/);
      assert.match(error.message, /html-has-lang \(serious\)/);
      assert.match(error.message, /image-alt \(critical\): Images must have alternative text/);
      assert.match(error.message, /label \(critical\)/);
      assert.match(error.message, /at \["#name"\]/);
      assert.match(error.message, /https:\/\/dequeuniversity\.com\/rules\/axe\//);
      return true;
    });
  } finally {
    await context.close();
  }
});

test('the axe check passes a small accessible page', async () => {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await page.setContent(
      '<!doctype html><html lang="sv"><head><title>Prov</title></head><body><main><h1>Prov</h1>' +
        '<label for="n">Namn</label><input id="n" type="text"></main></body></html>',
    );
    await assertNoAxeViolations(page, 'an accessible page');
  } finally {
    await context.close();
  }
});

test('the focus reader tells a visible focus ring from a removed one', async () => {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>Focus</title><style>#bare:focus{outline:none}' +
        '#ring:focus{outline:3px solid #000}</style></head><body><a id="ring" href="#a">Ring</a><a id="bare" href="#b">Bare</a></body></html>',
    );
    await page.keyboard.press('Tab');
    const ring = await focusedElement(page);
    assert.ok(ring);
    assert.equal(ring.text, 'Ring');
    assert.equal(hasVisibleFocusIndicator(ring), true);
    await page.keyboard.press('Tab');
    const bare = await focusedElement(page);
    assert.ok(bare);
    assert.equal(bare.text, 'Bare');
    assert.equal(hasVisibleFocusIndicator(bare), false);
  } finally {
    await context.close();
  }
});

test('the request recorder sees requests to other origins', async () => {
  const context = await newContext(browser);
  try {
    // Nothing may really leave the machine: answer every request locally.
    await context.route('**/*', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>x</title><img src="http://elsewhere.invalid/p.png" alt="">' }),
    );
    const urls = recordRequests(context);
    const page = await context.newPage();
    await page.goto('http://portal.invalid/start');
    await page.waitForLoadState('load');
    assert.deepEqual(foreignRequests(urls, 'http://portal.invalid'), ['http://elsewhere.invalid/p.png']);
  } finally {
    await context.close();
  }
});
