// The human check before a reset: a self-hosted proof-of-work captcha (ALTCHA, altcha-lib on
// the server, the altcha widget in the browser). No third-party service sees the user. The
// challenge is signed with an HMAC key kept in the store (shared by every instance), carries
// its own expiry on the injected clock, and each solved challenge is accepted once.

import { type Challenge, createChallenge, type Solution, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '../domain/clock.ts';
import { hmacSha256, randomToken, sha256 } from './tokens.ts';

const KEY_SETTING = 'reset.captcha_key';

/** Records a solved challenge; false when it was already recorded (a replay). */
export interface CaptchaReplayGuard {
  markUsed(id: string, expiresAt: Date, now: Date): Promise<boolean>;
}

/** Where the HMAC key lives: the store's settings table (so every instance uses the same). */
export interface CaptchaKeyStore {
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
}

export interface CaptchaSettings {
  /** The secret counter is drawn from 0..maxCounter: the work a browser has to do. */
  maxCounter: number;
  /** SHA-256 rounds per attempt. */
  cost: number;
  validMinutes: number;
}

export type CaptchaCheck = 'ok' | 'missing' | 'invalid' | 'expired' | 'replayed';

export interface CaptchaOptions {
  keys: CaptchaKeyStore;
  replay: CaptchaReplayGuard;
  clock: Clock;
  settings: CaptchaSettings;
  /** Random counter source (tests may fix it); default a uniform draw from the CSPRNG. */
  randomCounter?: (max: number) => number;
}

/** The largest payload we read: a real one is well under 1 kB. */
const MAX_PAYLOAD_LENGTH = 4096;

function defaultRandomCounter(max: number): number {
  // 48 random bits from the CSPRNG, reduced: the bias for max ≤ 10^7 is below 2^-24.
  const bits = Buffer.from(randomToken(6), 'base64url').readUIntBE(0, 6);
  return bits % (max + 1);
}

export class ProofOfWorkCaptcha {
  readonly #o: CaptchaOptions;
  #key: Promise<string> | undefined;

  constructor(options: CaptchaOptions) {
    this.#o = options;
  }

  /** The HMAC key, created on first use; read back so racing instances agree. */
  #secret(): Promise<string> {
    this.#key ??= (async () => {
      const existing = await this.#o.keys.getSetting(KEY_SETTING);
      if (existing !== null) return existing;
      await this.#o.keys.setSetting(KEY_SETTING, randomToken(32));
      return (await this.#o.keys.getSetting(KEY_SETTING)) as string;
    })().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  /** A new signed challenge, as the JSON the widget takes in its `challenge` attribute. */
  async createChallenge(): Promise<string> {
    const secret = await this.#secret();
    const { settings, clock } = this.#o;
    const counter = (this.#o.randomCounter ?? defaultRandomCounter)(settings.maxCounter);
    const expiresAtMs = clock.now().getTime() + settings.validMinutes * 60_000;
    const challenge = await createChallenge({
      algorithm: 'SHA-256',
      cost: settings.cost,
      counter,
      deriveKey,
      // Expiry on our clock, inside the signed data (the library's own expiry reads the wall clock).
      data: { exp: expiresAtMs },
      hmacSignatureSecret: hmacSha256(secret, 'altcha-signature'),
      // Deterministic mode: the derived key is signed, so checking a solution costs one HMAC, not the work again.
      hmacKeySignatureSecret: hmacSha256(secret, 'altcha-key-signature'),
    });
    return JSON.stringify(challenge);
  }

  /**
   * Checks the widget's payload (base64 JSON of { challenge, solution }) and, when it is right,
   * consumes the challenge: a second use of the same solved challenge is 'replayed'.
   */
  async verifyAndConsume(payload: string): Promise<CaptchaCheck> {
    if (payload === '') return 'missing';
    const parsed = parsePayload(payload);
    if (parsed === null) return 'invalid';
    const secret = await this.#secret();
    const exp = parsed.challenge.parameters.data?.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'invalid';
    let verified: boolean;
    try {
      const result = await verifySolution({
        challenge: parsed.challenge,
        solution: parsed.solution,
        deriveKey,
        hmacSignatureSecret: hmacSha256(secret, 'altcha-signature'),
        hmacKeySignatureSecret: hmacSha256(secret, 'altcha-key-signature'),
      });
      verified = result.verified;
    } catch {
      return 'invalid';
    }
    if (!verified) return 'invalid';
    // The signature covers data.exp, so it is ours; checked after the signature so a forged one says nothing.
    const now = this.#o.clock.now();
    if (exp <= now.getTime()) return 'expired';
    // Accepted once: the signature identifies the challenge (it covers the random nonce and salt).
    const id = sha256(parsed.challenge.signature ?? '');
    return (await this.#o.replay.markUsed(id, new Date(exp), now)) ? 'ok' : 'replayed';
  }
}

/** Reads the payload defensively: anything not shaped like the widget's output is null. */
function parsePayload(payload: string): { challenge: Challenge; solution: Solution } | null {
  if (payload.length > MAX_PAYLOAD_LENGTH || !/^[A-Za-z0-9+/=_-]+$/.test(payload)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { challenge, solution } = value as Record<string, unknown>;
  if (typeof challenge !== 'object' || challenge === null || typeof solution !== 'object' || solution === null) return null;
  const c = challenge as Record<string, unknown>;
  const s = solution as Record<string, unknown>;
  if (typeof c.signature !== 'string' || typeof c.parameters !== 'object' || c.parameters === null) return null;
  if (typeof s.counter !== 'number' || typeof s.derivedKey !== 'string') return null;
  const parameters = c.parameters as Challenge['parameters'];
  return {
    challenge: { parameters, signature: c.signature },
    solution: { counter: s.counter, derivedKey: s.derivedKey },
  };
}

/** Solves a challenge the way the widget does (tests and the benchmark; never used by the server). */
export async function solveCaptchaChallenge(challengeJson: string): Promise<string> {
  const { solveChallenge } = await import('altcha-lib');
  const challenge = JSON.parse(challengeJson) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  if (solution === null) throw new Error('the captcha challenge could not be solved');
  return Buffer.from(JSON.stringify({ challenge, solution }), 'utf8').toString('base64');
}
