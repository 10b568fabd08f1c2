// Passkeys in Chromium's virtual authenticator (DevTools protocol, WebAuthn domain), and a page
// that reaches the portal as http://localhost:<port>: passkeys need a secure context and are bound
// to the rpId "localhost".

import assert from 'node:assert/strict';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { type ContextOptions, foreignRequests, newContext, recordRequests } from './browser.ts';
import type { TestPortal } from './portal.ts';

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
}

/** The portal as the browser reaches it: localhost, the rpId passkeys are bound to. */
export function localhostBase(portal: TestPortal): string {
  return `http://localhost:${new URL(portal.url).port}`;
}

/** A platform authenticator with resident keys and user verification, as a phone or laptop has. */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/**
 * Runs a journey in a fresh browser context (`locale`, with or without JavaScript), then asserts
 * that no request left the portal at `base`.
 */
export async function withLocalhostPage(
  browser: Browser,
  base: string,
  locale: NonNullable<ContextOptions['locale']>,
  journey: (page: Page, context: BrowserContext) => Promise<void>,
  javaScriptEnabled = true,
): Promise<void> {
  const context = await newContext(browser, { locale, javaScriptEnabled });
  try {
    const requests = recordRequests(context);
    const page = await context.newPage();
    await journey(page, context);
    // The scripts (captcha, WebAuthn) come from the portal itself: no CDN.
    assert.deepEqual(foreignRequests(requests, base), [], 'requests left the portal');
  } finally {
    await context.close();
  }
}
