// The live checklist's endpoint: POST /password-policy/check with {"password": "…"} answers each
// rule's state and text in the page's language, from the same policy code the server enforces on
// submit. It is a guessing aid for nobody: CSRF-protected (the token in X-CSRF-Token, checked by
// the CSRF middleware), rate-limited per session and per IP, a small body limit, and it never
// asks the breached-password index (that answer comes only with a real submit, which is
// rate-limited and audited like any password change). The password is never logged or stored.
// Also serves the checklist script.

import type { Context, Handler } from 'hono';
import { z } from 'zod';
import { describePolicyCheck, evaluatePasswordRules, type PasswordContext } from '../../passwords/policy.ts';
import { passwordChecklistScript } from '../components/new-password-field.tsx';
import type { WebEnv } from '../context.ts';
import type { RouteTable } from '../route-table.ts';

/** Larger than the longest password the policy allows (1024 code points, JSON-escaped), far below the form limit. */
export const PASSWORD_CHECK_BODY_LIMIT = 32 * 1024;

/**
 * Checks per minute. Typing with a 250 ms pause sends a few a second at most; the limits stop a
 * script from using the endpoint as a fast policy oracle. Per IP is wider: a whole office can
 * share one address.
 */
export const PASSWORD_CHECK_LIMITS = {
  perSession: { limit: 120, windowMs: 60_000 },
  perIp: { limit: 600, windowMs: 60_000 },
} as const;

const checkRequest = z.strictObject({ password: z.string() });

/** Who the password is for: the account's own words for the "not your name" rule; null when unknown. */
export type PasswordContextResolver = (c: Context<WebEnv>) => Promise<PasswordContext | null>;

/** The signed-in session's account (change password, forced or not). */
export const sessionPasswordContext: PasswordContextResolver = async (c) => {
  const session = c.get('session');
  if (session === null) return null;
  const account = await c.get('services').directory.getAccount(session.accountId);
  return account === null ? null : c.get('services').passwordContextFor(account);
};

function problem(c: Context<WebEnv>, status: 400 | 413 | 415 | 429, error: string): Response {
  return c.json({ error }, status);
}

/**
 * A check handler with the account taken by `resolveContext` (the reset flow passes one that reads
 * its flow). Without an account the organisation's name is still refused.
 */
export function passwordCheckHandler(resolveContext: PasswordContextResolver): Handler<WebEnv> {
  return async (c) => {
    const { store, clock, config, passwordPolicy } = c.get('services');

    // Counted first, before any work: a refused request costs us almost nothing.
    const now = clock.now();
    const { perSession, perIp } = PASSWORD_CHECK_LIMITS;
    const session = c.get('session');
    const decisions = await Promise.all([
      store.hitRateLimit(`pwcheck:ip:${c.get('clientIp')}`, perIp.limit, perIp.windowMs, now),
      session === null ? null : store.hitRateLimit(`pwcheck:session:${session.idHash}`, perSession.limit, perSession.windowMs, now),
    ]);
    const refused = decisions.find((d) => d !== null && !d.allowed);
    if (refused !== undefined && refused !== null) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))));
      return problem(c, 429, 'rate_limited');
    }

    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) return problem(c, 415, 'json_required');
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > PASSWORD_CHECK_BODY_LIMIT) return problem(c, 413, 'payload_too_large');
    let raw: string;
    try {
      const bytes = await c.req.arrayBuffer();
      if (bytes.byteLength > PASSWORD_CHECK_BODY_LIMIT) return problem(c, 413, 'payload_too_large');
      raw = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return problem(c, 400, 'invalid_input');
    }
    let parsed: z.infer<typeof checkRequest>;
    try {
      const result = checkRequest.safeParse(JSON.parse(raw));
      if (!result.success) return problem(c, 400, 'invalid_input');
      parsed = result.data;
    } catch {
      // Only that the body was not JSON is logged; never the body, which holds a password.
      c.get('log').info('password check: body is not JSON');
      return problem(c, 400, 'invalid_input');
    }

    const context = (await resolveContext(c)) ?? { organisationName: config.organisation.name };
    // evaluatePasswordRules, not evaluatePassword: no breached lookup here (see the header).
    const result = evaluatePasswordRules(parsed.password, context, passwordPolicy);
    const t = c.get('t');
    return c.json({
      checks: result.checks.map((check) => ({ rule: check.rule, passed: check.passed, text: describePolicyCheck(t, check) })),
    });
  };
}

export function registerPasswordPolicyRoutes(routes: RouteTable): void {
  routes.post('/password-policy/check', passwordCheckHandler(sessionPasswordContext));

  routes.get('/assets/password-checklist.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    // The link carries a content hash (?v=), so a day's caching never serves a stale script.
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(passwordChecklistScript);
  });
}
