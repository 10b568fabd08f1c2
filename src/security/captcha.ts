// The human check before a reset: a self-hosted proof-of-work captcha (ALTCHA, altcha-lib on
// the server, the altcha widget in the browser). No third-party service sees the user. The
// challenge is signed with an HMAC key kept in the store (shared by every instance), carries
// its own expiry on the injected clock, and each solved challenge is accepted once. A solution is
// checked here with node:crypto's synchronous HMAC (two HMACs of under a kilobyte, microseconds):
// altcha-lib's own verifySolution uses WebCrypto, whose every HMAC is a job in libuv's thread
// pool, where it queued behind password hashing on breach day.

import { createHmac } from 'node:crypto';
import { type Challenge, createChallenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '../domain/clock.ts';
import { constantTimeEqual, hmacSha256, randomToken, sha256 } from './tokens.ts';

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

/** The signing secrets derived from the stored key: one for the challenge, one for the derived key. */
interface Secrets {
  signature: string;
  keySignature: string;
}

export class ProofOfWorkCaptcha {
  readonly #o: CaptchaOptions;
  #key: Promise<Secrets> | undefined;

  constructor(options: CaptchaOptions) {
    this.#o = options;
  }

  /**
   * The HMAC key, created on first use; read back so racing instances agree. The two signing
   * secrets derived from it are derived once with it, not on every challenge and check.
   */
  #secrets(): Promise<Secrets> {
    this.#key ??= (async () => {
      let secret = await this.#o.keys.getSetting(KEY_SETTING);
      if (secret === null) {
        await this.#o.keys.setSetting(KEY_SETTING, randomToken(32));
        secret = (await this.#o.keys.getSetting(KEY_SETTING)) as string;
      }
      return { signature: hmacSha256(secret, 'altcha-signature'), keySignature: hmacSha256(secret, 'altcha-key-signature') };
    })().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  /** A new signed challenge, as the JSON the widget takes in its `challenge` attribute. */
  async createChallenge(): Promise<string> {
    const secrets = await this.#secrets();
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
      hmacSignatureSecret: secrets.signature,
      // Deterministic mode: the derived key is signed, so checking a solution costs one HMAC, not the work again.
      hmacKeySignatureSecret: secrets.keySignature,
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
    const secrets = await this.#secrets();
    const exp = parsed.challenge.parameters.data?.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'invalid';
    const verified = isSignedSolution(parsed.challenge, parsed.solution, secrets);
    if (!verified) return 'invalid';
    // The signature covers data.exp, so it is ours; checked after the signature so a forged one says nothing.
    const now = this.#o.clock.now();
    const libraryExpiry = parsed.challenge.parameters.expiresAt;
    if (exp <= now.getTime() || (typeof libraryExpiry === 'number' && libraryExpiry * 1000 <= now.getTime())) return 'expired';
    // Accepted once: the signature identifies the challenge (it covers the random nonce and salt).
    const id = sha256(parsed.challenge.signature ?? '');
    return (await this.#o.replay.markUsed(id, new Date(exp), now)) ? 'ok' : 'replayed';
  }
}

/** altcha-lib's canonical form of the signed parameters: object keys sorted at every level, undefined left out. */
function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.keys(value)
    .sort()
    .flatMap((key) => {
      const item = (value as Record<string, unknown>)[key];
      return item === undefined ? [] : [[key, sortKeys(item)] as const];
    });
  return Object.fromEntries(entries);
}

const hmacHex = (key: string, data: string | Buffer) => createHmac('sha256', key).update(data).digest('hex');

/**
 * altcha-lib's verifySolution in deterministic mode, step for step, on node:crypto: (1) the
 * challenge's signature is our HMAC of its canonical parameters, so nothing in it was changed;
 * (2) the solution is well-formed (lower-case hex key, a uint32 counter); (3) the derived key's
 * HMAC is the key signature we put in the challenge, so the key is the one the work leads to.
 * Both comparisons are constant-time. Only challenges we made (always with a key signature) pass.
 */
function isSignedSolution(challenge: Challenge, solution: Solution, secrets: { signature: string; keySignature: string }): boolean {
  const expected = hmacHex(secrets.signature, JSON.stringify(sortKeys(challenge.parameters)));
  if (typeof challenge.signature !== 'string' || !constantTimeEqual(challenge.signature, expected)) return false;
  const { derivedKey, counter } = solution;
  if (typeof derivedKey !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(derivedKey)) return false;
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) return false;
  const keySignature = challenge.parameters.keySignature;
  if (typeof keySignature !== 'string') return false;
  return constantTimeEqual(keySignature, hmacHex(secrets.keySignature, Buffer.from(derivedKey, 'hex')));
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
