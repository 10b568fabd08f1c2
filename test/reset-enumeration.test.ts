// No account enumeration through the reset: many flows each for a known account with methods,
// a known account without methods and an unknown identifier, interleaved at random. Every
// answer (status, redirect, body with tokens and ids removed) must be identical, and the
// response times must not be separable: medians close, and a two-sample Kolmogorov–Smirnov
// test at α = 0.0001 must not reject. A control run in the same test adds a deliberate 5 ms to
// one group and shows the same test does reject it, so the check can fail. The passkey step
// (its page with the WebAuthn options, and the answer to a passkey that is not the account's)
// must be identical too.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { SoftAuthenticator } from '../src/methods/soft-authenticator.test-support.ts';
import {
  accountWithPasskey,
  addAuthenticator,
  addPasskey,
  addPhone,
  answerPasskeyPage,
  resetTestConfig,
  solveCaptchaFromPage,
} from '../src/web/routes/reset.test-support.ts';
import { settleResetWork } from '../src/web/routes/reset-routes.tsx';
import { createTestContext, TEST_PASSWORD, TestBrowser, type TestContext } from '../src/web/test-harness.ts';

const SAMPLES = 200;
const WARM_UP = 20;
/**
 * c(α) for α = 0.0001 in the two-sample Kolmogorov–Smirnov test (asymptotic): six comparisons
 * run, so each is strict about false alarms; the control below shows 5 ms is still far over it.
 */
const KS_C_ALPHA = 2.146;

type Kind = 'with_methods' | 'without_methods' | 'unknown';
const identifiers: Record<Kind, string> = {
  with_methods: 'anna.andersson',
  without_methods: 'bo.berg@example.se',
  unknown: 'carl.okand@example.se',
};

/** The two-sample KS statistic D = sup |F1(x) − F2(x)|. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const xs = [...a].sort((p, q) => p - q);
  const ys = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < xs.length && j < ys.length) {
    const x = xs[i] as number;
    const y = ys[j] as number;
    const v = Math.min(x, y);
    while (i < xs.length && (xs[i] as number) <= v) i += 1;
    while (j < ys.length && (ys[j] as number) <= v) j += 1;
    d = Math.max(d, Math.abs(i / xs.length - j / ys.length));
  }
  return d;
}

function ksCritical(n: number, m: number): number {
  return KS_C_ALPHA * Math.sqrt((n + m) / (n * m));
}

function median(values: readonly number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Removes what differs per request by design: CSRF tokens, captcha and WebAuthn challenges, flow tokens. */
function normalise(body: string): string {
  return body
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="…"')
    .replace(/challenge="[^"]*"/g, 'challenge="…"')
    .replace(/&quot;challenge&quot;:&quot;[A-Za-z0-9_-]*&quot;/g, '&quot;challenge&quot;:&quot;…&quot;');
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const k = Math.floor(Math.random() * (i + 1));
    [out[i], out[k]] = [out[k] as T, out[i] as T];
  }
  return out;
}

interface Sample {
  kind: Kind;
  /** Milliseconds per measured step. */
  times: { identify: number; page: number; method: number };
  answers: string[];
}

describe('reset: no account enumeration', () => {
  let ctx: TestContext;
  /** A passkey of the account with methods, and one of another account (what an attacker may hold). */
  const annaKey = new SoftAuthenticator();
  const strangerKey = new SoftAuthenticator();
  let strangerId: string;

  before(async () => {
    ctx = await createTestContext(resetTestConfig());
    await addAuthenticator(ctx, ctx.account.id);
    await addPhone(ctx, ctx.account.id);
    await addPasskey(ctx, ctx.account.id, annaKey);
    strangerId = await accountWithPasskey(
      ctx,
      { username: 'stina.stranger', email: 'stina@example.se', displayName: 'Stina' },
      strangerKey,
    );
    await ctx.services.embeddedDirectory?.createAccount(
      { username: 'bo.berg', email: 'bo.berg@example.se', displayName: 'Bo Berg' },
      TEST_PASSWORD,
    );
  });
  after(() => ctx.close());

  /** One flow up to the code page; only the app's own handling is timed (not the captcha solving). */
  async function runFlow(app: TestContext['app'], kind: Kind): Promise<Sample> {
    const browser = new TestBrowser(app);
    const start = await browser.get('/reset');
    const altcha = await solveCaptchaFromPage(start.body);
    const answers: string[] = [];
    const timed = async (run: () => Promise<{ status: number; location: string | null; body: string }>) => {
      const t0 = performance.now();
      const res = await run();
      const ms = performance.now() - t0;
      answers.push(`${res.status} ${res.location ?? ''} ${normalise(res.body)}`);
      return ms;
    };
    const identify = await timed(() => browser.post('/reset', { identifier: identifiers[kind], altcha }));
    const page = await timed(() => browser.get('/reset/flow'));
    const method = await timed(() => browser.post('/reset/method', { method: 'sms' }));
    answers.push(normalise((await browser.get('/reset/flow')).body));
    // Code sends run after the answer; let them finish so they don't load the next sample.
    await settleResetWork(ctx.services);
    return { kind, times: { identify, page, method }, answers };
  }

  async function collect(app: TestContext['app'], kinds: Kind[]): Promise<Sample[]> {
    for (const kind of kinds) for (let i = 0; i < WARM_UP; i += 1) await runFlow(app, kind);
    const order = shuffled(kinds.flatMap((kind) => Array.from({ length: SAMPLES }, () => kind)));
    const samples: Sample[] = [];
    for (const kind of order) samples.push(await runFlow(app, kind));
    return samples;
  }

  const timesOf = (samples: Sample[], kind: Kind, step: keyof Sample['times']) =>
    samples.filter((s) => s.kind === kind).map((s) => s.times[step]);

  test('identical answers and inseparable timing for known, method-less and unknown accounts', async () => {
    const kinds: Kind[] = ['with_methods', 'without_methods', 'unknown'];
    const samples = await collect(ctx.app, kinds);

    const reference = samples.find((s) => s.kind === 'with_methods')?.answers;
    assert.ok(reference !== undefined && reference.length === 4);
    assert.match(reference[0] ?? '', /^303 \/reset\/flow/);
    for (const sample of samples) assert.deepEqual(sample.answers, reference, `answers for ${sample.kind} differ`);

    const report: string[] = [];
    for (const step of ['identify', 'page', 'method'] as const) {
      const base = timesOf(samples, 'with_methods', step);
      for (const kind of ['without_methods', 'unknown'] as const) {
        const other = timesOf(samples, kind, step);
        const d = ksStatistic(base, other);
        const critical = ksCritical(base.length, other.length);
        const medianGap = Math.abs(median(base) - median(other));
        report.push(
          `${step} with_methods vs ${kind}: D=${d.toFixed(3)} (critical ${critical.toFixed(3)}), median gap ${medianGap.toFixed(3)} ms`,
        );
        assert.ok(d < critical, `${step}: timing of ${kind} is separable from with_methods (D=${d.toFixed(3)} ≥ ${critical.toFixed(3)})`);
        assert.ok(medianGap < 1, `${step}: medians differ by ${medianGap.toFixed(3)} ms`);
      }
    }
    console.log(report.join('\n'));
  });

  test('the passkey step: the same page (options without credentials) and the same refusal for every kind', async () => {
    const reference: string[][] = [];
    for (const kind of ['with_methods', 'without_methods', 'unknown', 'with_methods', 'unknown', 'without_methods'] as Kind[]) {
      const browser = new TestBrowser(ctx.app);
      const start = await browser.get('/reset');
      await browser.post('/reset', { identifier: identifiers[kind], altcha: await solveCaptchaFromPage(start.body) });
      const chosen = await browser.post('/reset/method', { method: 'passkey' });
      const page = await browser.get('/reset/flow');
      assert.match(page.body, /&quot;allowCredentials&quot;:\[\]/);
      const refused = await browser.post('/reset/passkey', { credential: await answerPasskeyPage(page.body, strangerKey, strangerId) });
      const answers = [chosen, page, refused].map((res) => `${res.status} ${res.location ?? ''} ${normalise(res.body)}`);
      if (reference.length === 0) reference.push(answers);
      assert.deepEqual(answers, reference[0], `passkey answers for ${kind} differ`);
    }
    assert.match(reference[0]?.[2] ?? '', /^400 /);
  });

  test('control: the same test rejects a deliberate 5 ms difference', async () => {
    // The same app, with 5 ms added in front for one identifier: a real delay in the measured answer.
    const front = new Hono();
    front.all('*', async (c) => {
      const raw = c.req.raw;
      if (raw.method === 'POST' && new URL(raw.url).pathname === '/reset') {
        const body = await raw.clone().text();
        if (body.includes(encodeURIComponent(identifiers.unknown))) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return ctx.app.fetch(raw);
    });
    const samples = await collect(front as unknown as TestContext['app'], ['with_methods', 'unknown']);
    const base = timesOf(samples, 'with_methods', 'identify');
    const delayed = timesOf(samples, 'unknown', 'identify');
    const d = ksStatistic(base, delayed);
    console.log(`control identify with 5 ms added: D=${d.toFixed(3)} (critical ${ksCritical(base.length, delayed.length).toFixed(3)})`);
    assert.ok(d >= ksCritical(base.length, delayed.length), 'the KS test detects a 5 ms difference');
    assert.ok(median(delayed) - median(base) >= 1, 'the medians show it too');
  });
});
