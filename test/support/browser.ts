// Browser test support: launches Debian's Chromium through playwright-core (no downloaded
// browsers), runs axe-core against a page with the WCAG 2.1 A/AA rules, records every request
// a page makes, and reads the focus indicator of the focused element.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** A phone viewport (iPhone 12–15 size), for the small-screen checks. */
export const phoneViewport = { width: 390, height: 844 } as const;

/** The WCAG 2.1 AA conformance level the portal promises (DOS-lagen, EN 301 549). */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Launches a headless Chromium with a fresh profile. Flags turn off everything that would
 * talk to Google's servers, so the only network traffic is the test's own.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium was not found at ${chromiumPath}; install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      // Containers run the tests as root without user namespaces, where the sandbox can't start;
      // the browser only ever loads the local test portal.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ContextOptions {
  /** The browser's preferred language (Accept-Language and navigator.language). */
  locale?: 'sv-SE' | 'en-GB';
  phone?: boolean;
  javaScriptEnabled?: boolean;
}

/** A new, isolated browser context (own cookies and storage) for one test. */
export async function newContext(browser: Browser, options: ContextOptions = {}): Promise<BrowserContext> {
  const contextOptions: BrowserContextOptions = {
    locale: options.locale ?? 'sv-SE',
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: options.phone ? { ...phoneViewport } : { width: 1280, height: 900 },
  };
  if (options.phone) {
    contextOptions.isMobile = true;
    contextOptions.hasTouch = true;
    contextOptions.deviceScaleFactor = 2;
  }
  const context = await browser.newContext(contextOptions);
  context.setDefaultTimeout(5_000);
  context.setDefaultNavigationTimeout(10_000);
  return context;
}

export interface AxeViolationNode {
  target: unknown[];
  failureSummary?: string | undefined;
}

export interface AxeViolation {
  id: string;
  impact?: string | null | undefined;
  help: string;
  helpUrl: string;
  nodes: AxeViolationNode[];
}

/** The rule line of a violation: id, impact, help and where to read more. */
export function describeRule(v: AxeViolation): string {
  return `${v.id} (${v.impact ?? 'unknown impact'}): ${v.help} — ${v.helpUrl}`;
}

/** The element line of a violation: its selector and what axe says to fix. */
export function describeNode(n: AxeViolationNode): string {
  return `at ${JSON.stringify(n.target)}${n.failureSummary ? `: ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`;
}

/** One line per violation and one per offending element, readable in a test failure. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations.map((v) => [`  ${describeRule(v)}`, ...v.nodes.map((n) => `    ${describeNode(n)}`)].join('\n')).join('\n');
}

/** Runs axe-core on the page as it is now with the WCAG 2.1 A and AA rules; returns the violations. */
export async function findAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Legacy mode runs axe.run() in the page itself instead of once per frame plus a blank page
  // to merge the results; the portal has no frames (frame-ancestors 'none'), so the result is
  // the same and each scan is about twice as fast.
  const results = await new AxeBuilder({ page }).withTags(wcagTags).setLegacyMode(true).analyze();
  return results.violations as AxeViolation[];
}

/** Runs axe-core with the WCAG 2.1 A and AA rules; null when clean, else a readable report of every violation. */
export async function axeViolationReport(page: Page, label: string): Promise<string | null> {
  const violations = await findAxeViolations(page);
  if (violations.length === 0) return null;
  return `axe found ${violations.length} WCAG 2.1 AA violation(s) on ${label} (${page.url()}):\n${formatViolations(violations)}`;
}

/** Runs axe-core with the WCAG 2.1 A and AA rules and fails with a readable list of violations. */
export async function assertNoAxeViolations(page: Page, label: string): Promise<void> {
  const report = await axeViolationReport(page, label);
  assert.equal(report, null, report ?? '');
}

/** Records the URL of every request made in a context (all its pages, frames and workers). */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** Requests that went anywhere other than the given origin (data: and blob: URLs never leave the browser). */
export function foreignRequests(urls: string[], origin: string): string[] {
  return urls.filter((url) => {
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return false;
    return new URL(url).origin !== origin;
  });
}

export interface FocusedElement {
  tag: string;
  text: string;
  outlineStyle: string;
  outlineWidth: string;
  boxShadow: string;
  /** True when the element is rendered (non-zero size, not clipped to 1px). */
  isRendered: boolean;
}

// Runs in the browser. The project compiles without the DOM typings, so the few browser
// globals used here are typed locally.
const readFocused = (): FocusedElement | null => {
  const doc = (globalThis as unknown as { document: { activeElement: BrowserElement | null; body: unknown } }).document;
  const el = doc.activeElement;
  if (!el || el === doc.body) return null;
  const style = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent ?? '').trim().slice(0, 80),
    outlineStyle: style.outlineStyle ?? '',
    outlineWidth: style.outlineWidth ?? '',
    boxShadow: style.boxShadow ?? '',
    isRendered: rect.width > 1 && rect.height > 1,
  };
};

interface BrowserElement {
  tagName: string;
  textContent: string | null;
  getBoundingClientRect(): { width: number; height: number };
}

/** What the browser shows of the focused element: its tag, text and focus indicator. */
export async function focusedElement(page: Page): Promise<FocusedElement | null> {
  return page.evaluate(readFocused);
}

/** True when the focused element has a visible outline or a box-shadow ring (WCAG 2.4.7 Focus Visible). */
export function hasVisibleFocusIndicator(focused: FocusedElement): boolean {
  const outline = focused.outlineStyle !== 'none' && focused.outlineStyle !== '' && Number.parseFloat(focused.outlineWidth) >= 1;
  const shadow = focused.boxShadow !== 'none' && focused.boxShadow !== '';
  return outline || shadow;
}

/**
 * Presses Tab until the focused element matches, asserting that every element reached on the
 * way shows where focus is (WCAG 2.4.7 Focus Visible). Returns the matching element.
 */
export async function tabTo(
  page: Page,
  description: string,
  matches: (focused: FocusedElement) => boolean,
  limit = 25,
): Promise<FocusedElement> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    assert.ok(focused, `Tab press ${presses} (looking for ${description}) left focus on nothing`);
    assert.ok(
      hasVisibleFocusIndicator(focused),
      `no visible focus indicator on <${focused.tag}> "${focused.text}" (outline ${focused.outlineStyle} ${focused.outlineWidth}, box-shadow ${focused.boxShadow})`,
    );
    if (matches(focused)) return focused;
  }
  throw new Error(`${description} was not reached within ${limit} Tab presses`);
}
