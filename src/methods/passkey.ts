// Passkeys (WebAuthn Level 3) with @simplewebauthn/server: register a passkey while signed in,
// and use one as the second step after the password. Each ceremony is two calls, start
// (options with a fresh challenge kept server-side, bound to the session) and finish
// (verification, step by step as the spec's checklist). User verification is always required:
// a passkey then proves possession *and* a PIN or biometric, which is what a second step needs.

import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import { randomId } from '../security/tokens.ts';
import type { Database } from '../store/schema.ts';
import type { AuditEventInput } from '../store/store.ts';
import * as passkeyStore from './passkey-store.ts';

/** A challenge answers within this long or not at all (WebAuthn recommends 5 minutes for UV ceremonies). */
export const CHALLENGE_MINUTES = 5;
/** The longest passkey name; short enough for a list row and a screen reader. */
export const MAX_PASSKEY_NAME_LENGTH = 64;
/** ES256 (-7) and RS256 (-257): every platform authenticator and security key supports one of them. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -257];
/** The browser gives up after this long (ms); a little less than the challenge's lifetime. */
const CEREMONY_TIMEOUT_MS = 4 * 60_000;
const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// Relying party

export interface RelyingParty {
  /** The rpId passkeys are bound to: a registrable domain such as nyckel.kommun.se, or localhost. */
  id: string;
  /** Shown by the authenticator beside the passkey. */
  name: string;
  /** Origins configured or implied by server.publicUrl; empty means "the request's own origin, when its host is the rpId". */
  origins: string[];
}

/** webauthn.rpId, else server.publicUrl's host, else localhost; rpName defaults to the organisation's name. */
export function relyingPartyFor(config: Pick<Config, 'webauthn' | 'server' | 'organisation'>): RelyingParty {
  const publicUrl = config.server.publicUrl === undefined ? undefined : new URL(config.server.publicUrl);
  const origins = [...config.webauthn.origins.map((origin) => new URL(origin).origin)];
  if (publicUrl !== undefined && !origins.includes(publicUrl.origin)) origins.push(publicUrl.origin);
  return {
    id: config.webauthn.rpId ?? publicUrl?.hostname ?? 'localhost',
    name: config.webauthn.rpName ?? config.organisation.name,
    origins,
  };
}

/**
 * The origins a response may come from. With none configured (the embedded default on one
 * machine) the request's own origin is accepted when its host is the rpId: the browser signs
 * the real page origin and the rpId hash, so a phishing site still can't produce a valid answer.
 */
export function expectedOrigins(rp: RelyingParty, requestOrigin: string): string[] {
  if (rp.origins.length > 0) return rp.origins;
  const url = URL.canParse(requestOrigin) ? new URL(requestOrigin) : null;
  return url !== null && url.hostname === rp.id ? [url.origin] : [];
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A registered passkey as the ceremonies need it. */
export interface StoredPasskey {
  /** The security method's id (what the security-info page lists and removes). */
  methodId: string;
  /** The credential id, base64url. */
  credentialId: string;
  /** COSE public key. */
  publicKey: Uint8Array;
  /** Signature counter last seen (0 for authenticators that don't count). */
  counter: number;
  transports: string[];
  name: string;
}

export interface NewPasskey {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  /** Whether the credential may be synced between devices, and whether it is (informational). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

/** Saving a passkey: its method id, or why not (the credential is already this account's, or another account's). */
export type SavePasskeyResult = { ok: true; methodId: string } | { ok: false; reason: 'already_registered' | 'credential_in_use' };

/** Where passkeys are kept (the security-info store implements it; the web app goes through SecurityInfo.savePasskey). */
export interface PasskeyStore {
  listPasskeys(accountId: string): Promise<StoredPasskey[]>;
  /** Stores a new passkey as one of the account's security methods; `ctx.ip` is for the audit trail. */
  savePasskey(accountId: string, passkey: NewPasskey, ctx?: { ip: string }): Promise<SavePasskeyResult>;
  /** Records a successful use: the new counter and when. */
  updatePasskeyCounter(accountId: string, methodId: string, counter: number, usedAt: Date): Promise<void>;
}

/** Server-side challenges: one per binding key, single use, expiring. */
export interface ChallengeStore {
  saveChallenge(key: string, challenge: string, expiresAt: Date, now: Date): Promise<void>;
  /** Returns the challenge and deletes it, atomically, so it is answered at most once; null when none or expired. */
  consumeChallenge(key: string, now: Date): Promise<string | null>;
}

export interface PasskeyDeps {
  passkeys: PasskeyStore;
  challenges: ChallengeStore;
  clock: Clock;
  audit: { appendAudit(event: AuditEventInput, at: Date): Promise<void> };
  rp: RelyingParty;
}

/** Who is asking, and from where: the session the challenge is bound to, the page's origin, the client address. */
export interface CeremonyContext {
  /** The session's id hash: a challenge issued to one session can't be answered from another. */
  sessionKey: string;
  /** The origin of the page the request came from (scheme://host[:port]). */
  requestOrigin: string;
  ip: string;
}

export type PasskeyFailure =
  /** No challenge for this session: never issued, expired (5 minutes) or already answered. */
  | 'challenge_missing'
  /** The browser's answer is not a WebAuthn response at all. */
  | 'malformed'
  | 'wrong_challenge'
  | 'wrong_origin'
  | 'wrong_rp'
  /** The authenticator did not verify the user (no PIN or biometric): the UV flag was not set. */
  | 'user_not_verified'
  /** Sign-in with a credential that is not one of this account's passkeys. */
  | 'unknown_credential'
  /** The signature counter did not go up: possibly a cloned authenticator (WebAuthn §6.1.1). */
  | 'counter_regressed'
  /** Registration of a passkey this account already has. */
  | 'already_registered'
  /** Registration of a passkey already registered to another account (a credential belongs to one account). */
  | 'credential_in_use'
  /** Signature, attestation or anything else the verifier refused. */
  | 'invalid';

export type PasskeyResult<T> = ({ ok: true } & T) | { ok: false; reason: PasskeyFailure };

const challengeKey = {
  registration: (sessionKey: string) => `passkey.challenge.register.${sessionKey}`,
  signIn: (sessionKey: string) => `passkey.challenge.sign_in.${sessionKey}`,
};

// ---------------------------------------------------------------------------------------------
// Names

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export type NameProblem = 'too_long' | 'unreadable';

/** The default name: "Nyckel (passkey) 2026-11-22" (the catalog may translate the prefix). */
export function defaultPasskeyName(prefix: string, date: Date): string {
  return `${prefix} ${date.toISOString().slice(0, 10)}`;
}

/**
 * Checks a user-given name: trimmed, NFC, 1 to 64 characters (counted as the user sees them),
 * no control characters. An empty name becomes the default.
 */
export function normalisePasskeyName(raw: string, fallback: string): { ok: true; name: string } | { ok: false; problem: NameProblem } {
  const name = raw.normalize('NFC').trim();
  if (name.includes('\uFFFD') || CONTROL_CHARACTERS.test(name)) return { ok: false, problem: 'unreadable' };
  if (name === '') return { ok: true, name: fallback };
  if ([...name].length > MAX_PASSKEY_NAME_LENGTH) return { ok: false, problem: 'too_long' };
  return { ok: true, name };
}

// ---------------------------------------------------------------------------------------------
// Shape of the browser's answers (checked before the verifier sees them)

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/);
const transport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

const registrationResponseSchema = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8192),
    attestationObject: base64url(32768),
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

const authenticationResponseSchema = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(8192),
    signature: base64url(2048),
    userHandle: base64url(128).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** Parses the JSON the page posts (the output of @simplewebauthn/browser); null when it isn't a response of that shape. */
function parseResponse<T>(schema: z.ZodType<T>, json: string): T | null {
  if (json.length === 0 || json.length > 64 * 1024) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Turns the verifier's exception into a reason for the log and the audit trail (its message never reaches the user). */
export function classifyVerifierError(error: unknown): PasskeyFailure {
  const message = error instanceof Error ? error.message : '';
  if (/user could not be verified/i.test(message)) return 'user_not_verified';
  if (/response challenge/i.test(message)) return 'wrong_challenge';
  if (/origin/i.test(message)) return 'wrong_origin';
  if (/RP ID/i.test(message)) return 'wrong_rp';
  return 'invalid';
}

/** The WebAuthn user handle: the account id, never a name or address (the spec forbids personal data here). */
function userHandle(accountId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(accountId);
}

function onlyKnownTransports(values: readonly string[] | undefined): AuthenticatorTransport[] {
  return (values ?? []).filter((value): value is AuthenticatorTransport => transport.safeParse(value).success);
}

// ---------------------------------------------------------------------------------------------
// Registration

export interface RegistrationAccount {
  accountId: string;
  /** Shown by the authenticator's account picker: the username. */
  userName: string;
  displayName: string;
}

/** Options for navigator.credentials.create(); the challenge is kept for this session for 5 minutes. */
export async function startPasskeyRegistration(
  deps: PasskeyDeps,
  account: RegistrationAccount,
  ctx: Pick<CeremonyContext, 'sessionKey'>,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await deps.passkeys.listPasskeys(account.accountId);
  const options = await generateRegistrationOptions({
    rpName: deps.rp.name,
    rpID: deps.rp.id,
    userName: account.userName,
    userDisplayName: account.displayName,
    userID: userHandle(account.accountId),
    timeout: CEREMONY_TIMEOUT_MS,
    // No attestation: we don't restrict authenticator models, and asking would only add a privacy prompt.
    attestationType: 'none',
    // The same authenticator can't be registered twice for one account.
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: onlyKnownTransports(p.transports) })),
    // Discoverable where possible (a real passkey); UV required: the second step needs a PIN or biometric.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
  await rememberChallenge(deps, challengeKey.registration(ctx.sessionKey), options.challenge);
  return options;
}

/** Keeps a ceremony's challenge server-side, bound to the session, for CHALLENGE_MINUTES (single use). */
async function rememberChallenge(deps: PasskeyDeps, key: string, challenge: string): Promise<void> {
  const now = deps.clock.now();
  await deps.challenges.saveChallenge(key, challenge, new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE), now);
}

/** Verifies the browser's answer to startPasskeyRegistration and stores the passkey with its name. */
export async function finishPasskeyRegistration(
  deps: PasskeyDeps,
  input: { accountId: string; name: string; responseJson: string },
  ctx: CeremonyContext,
): Promise<PasskeyResult<{ methodId: string; name: string }>> {
  const now = deps.clock.now();
  const audit = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
    deps.audit.appendAudit(
      { type: 'passkey_registration', actor: input.accountId, subject: input.accountId, ip: ctx.ip, outcome, detail },
      deps.clock.now(),
    );
  const fail = async (reason: PasskeyFailure, extra: Record<string, unknown> = {}): Promise<{ ok: false; reason: PasskeyFailure }> => {
    await audit('failure', { reason, ...extra });
    return { ok: false, reason };
  };

  // 1. The challenge is consumed first, whatever follows: one answer per challenge (no replay, no retry loop).
  const challenge = await deps.challenges.consumeChallenge(challengeKey.registration(ctx.sessionKey), now);
  if (challenge === null) return fail('challenge_missing');

  // 2. The answer must have the shape of a registration response before a verifier reads it.
  const response = parseResponse<RegistrationResponseJSON>(
    registrationResponseSchema as z.ZodType<RegistrationResponseJSON>,
    input.responseJson,
  );
  if (response === null) return fail('malformed');

  // 3. Challenge, origin, rpId hash, UP and UV flags, algorithm, attestation "none" (the library's checklist).
  const origins = expectedOrigins(deps.rp, ctx.requestOrigin);
  if (origins.length === 0) return fail('wrong_origin', { requestOrigin: ctx.requestOrigin });
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origins,
      expectedRPID: deps.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
    });
  } catch (error) {
    return fail(classifyVerifierError(error), { message: (error as Error).message.slice(0, 300) });
  }
  if (!verification.verified) return fail('invalid');
  const info = verification.registrationInfo;
  // Belt and braces: the verifier already refuses a missing UV flag when required.
  if (!info.userVerified) return fail('user_not_verified');

  // 4. The same credential twice for one account would make two rows for one key.
  const existing = await deps.passkeys.listPasskeys(input.accountId);
  if (existing.some((p) => p.credentialId === info.credential.id)) return fail('already_registered');

  // 5. Store it: credential id, public key, counter, transports and the user's name for it. The
  //    store's unique index has the last word on a credential id held by any account.
  const saved = await deps.passkeys.savePasskey(
    input.accountId,
    {
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: onlyKnownTransports(info.credential.transports ?? response.response.transports),
      name: input.name,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
    },
    { ip: ctx.ip },
  );
  if (!saved.ok) return fail(saved.reason);
  await audit('success', { methodId: saved.methodId, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp });
  return { ok: true, methodId: saved.methodId, name: input.name };
}

// ---------------------------------------------------------------------------------------------
// Sign-in (second step)

/** Options for navigator.credentials.get() listing the account's passkeys; null when it has none. */
export async function startPasskeySignIn(
  deps: PasskeyDeps,
  accountId: string,
  ctx: Pick<CeremonyContext, 'sessionKey'>,
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const passkeys = await deps.passkeys.listPasskeys(accountId);
  if (passkeys.length === 0) return null;
  const options = await generateAuthenticationOptions({
    rpID: deps.rp.id,
    // Only this account's passkeys: the password already said who is signing in.
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: onlyKnownTransports(p.transports) })),
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  await rememberChallenge(deps, challengeKey.signIn(ctx.sessionKey), options.challenge);
  return options;
}

/** Verifies the browser's answer to startPasskeySignIn; on success the counter is stored and the method id returned. */
export async function finishPasskeySignIn(
  deps: PasskeyDeps,
  input: { accountId: string; responseJson: string },
  ctx: CeremonyContext,
): Promise<PasskeyResult<{ methodId: string }>> {
  const now = deps.clock.now();
  const audit = (outcome: 'success' | 'failure' | 'refused', detail: Record<string, unknown>) =>
    deps.audit.appendAudit(
      { type: 'passkey_sign_in', actor: input.accountId, subject: input.accountId, ip: ctx.ip, outcome, detail },
      deps.clock.now(),
    );
  const fail = async (
    reason: PasskeyFailure,
    extra: Record<string, unknown> = {},
    outcome: 'failure' | 'refused' = 'failure',
  ): Promise<{ ok: false; reason: PasskeyFailure }> => {
    await audit(outcome, { reason, ...extra });
    return { ok: false, reason };
  };

  // 1. Consume the challenge first: an answer is checked once, right or wrong.
  const challenge = await deps.challenges.consumeChallenge(challengeKey.signIn(ctx.sessionKey), now);
  if (challenge === null) return fail('challenge_missing');

  // 2. Shape.
  const response = parseResponse<AuthenticationResponseJSON>(
    authenticationResponseSchema as z.ZodType<AuthenticationResponseJSON>,
    input.responseJson,
  );
  if (response === null) return fail('malformed');

  // 3. The credential must be one of this account's passkeys (WebAuthn §7.2 step 6).
  const passkeys = await deps.passkeys.listPasskeys(input.accountId);
  const passkey = passkeys.find((p) => p.credentialId === response.id);
  if (passkey === undefined) return fail('unknown_credential');
  // A discoverable credential names its user: it must be this account (§7.2 step 6).
  if (
    response.response.userHandle !== undefined &&
    response.response.userHandle !== Buffer.from(userHandle(input.accountId)).toString('base64url')
  ) {
    return fail('unknown_credential', { methodId: passkey.methodId });
  }

  // 4. Challenge, origin, rpId hash, UP and UV flags, signature. The counter is checked below
  //    rather than by the library, so a regression can be told apart and audited.
  const origins = expectedOrigins(deps.rp, ctx.requestOrigin);
  if (origins.length === 0) return fail('wrong_origin', { requestOrigin: ctx.requestOrigin });
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origins,
      expectedRPID: deps.rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: 0,
        transports: onlyKnownTransports(passkey.transports),
      },
      requireUserVerification: true,
    });
  } catch (error) {
    return fail(classifyVerifierError(error), { methodId: passkey.methodId, message: (error as Error).message.slice(0, 300) });
  }
  if (!verification.verified) return fail('invalid', { methodId: passkey.methodId });
  const info = verification.authenticationInfo;
  if (!info.userVerified) return fail('user_not_verified', { methodId: passkey.methodId });

  // 5. WebAuthn §6.1.1: when either counter is non-zero, the new one must be greater than the
  //    stored one; otherwise the authenticator may have been cloned. We refuse and audit it.
  const stored = passkey.counter;
  const received = info.newCounter;
  if ((received > 0 || stored > 0) && received <= stored) {
    return fail('counter_regressed', { methodId: passkey.methodId, stored, received }, 'refused');
  }

  await deps.passkeys.updatePasskeyCounter(input.accountId, passkey.methodId, received, now);
  await audit('success', { methodId: passkey.methodId });
  return { ok: true, methodId: passkey.methodId };
}

// ---------------------------------------------------------------------------------------------
// Challenge store over the `webauthn_challenges` table.

/** The longest binding key: the ceremony's prefix and a session id hash. */
const MAX_CHALLENGE_KEY_LENGTH = 200;

/** Challenges in their own table: single use by a conditional UPDATE, expiring, purged by the purge job. */
export class WebauthnChallengeStore implements ChallengeStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async saveChallenge(key: string, challenge: string, expiresAt: Date, now: Date): Promise<void> {
    if (key.length === 0 || key.length > MAX_CHALLENGE_KEY_LENGTH) throw new Error('a challenge key is 1 to 200 characters');
    await passkeyStore.saveWebauthnChallenge(this.#db, { id: randomId(), bindingKey: key, challenge, createdAt: now, expiresAt });
  }

  async consumeChallenge(key: string, now: Date): Promise<string | null> {
    return passkeyStore.consumeWebauthnChallenge(this.#db, key, now);
  }
}

// ---------------------------------------------------------------------------------------------
// The passkey store over the security-info store's `security_methods` rows.

/** Passkeys as security methods: listed, renamed and removed on the security-info page like any other. */
export class SecurityMethodsPasskeyStore implements PasskeyStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', clock: Clock) {
    this.#db = db;
    this.#dialect = dialect;
    this.#clock = clock;
  }

  async listPasskeys(accountId: string): Promise<StoredPasskey[]> {
    const records = await passkeyStore.listPasskeys(this.#db, accountId);
    return records.map((r) => ({
      methodId: r.id,
      credentialId: r.credentialId,
      publicKey: new Uint8Array(Buffer.from(r.publicKey, 'base64url')),
      counter: r.counter,
      transports: r.transports,
      name: r.label,
    }));
  }

  async savePasskey(accountId: string, passkey: NewPasskey): Promise<SavePasskeyResult> {
    return savePasskeyRecord(this.#db, this.#dialect, accountId, passkey, this.#clock.now());
  }

  async updatePasskeyCounter(_accountId: string, methodId: string, counter: number, usedAt: Date): Promise<void> {
    await passkeyStore.updatePasskeyCounter(this.#db, methodId, counter, usedAt);
  }
}

/** Stores a passkey as a security method; a credential id already stored says whose it is instead of failing. */
export async function savePasskeyRecord(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  accountId: string,
  passkey: NewPasskey,
  createdAt: Date,
): Promise<SavePasskeyResult> {
  const outcome = await passkeyStore.savePasskeyOnce(db, dialect, {
    id: randomId(),
    accountId,
    label: passkey.name,
    credentialId: passkey.credentialId,
    publicKey: Buffer.from(passkey.publicKey).toString('base64url'),
    counter: passkey.counter,
    transports: passkey.transports,
    data: { deviceType: passkey.deviceType, backedUp: passkey.backedUp },
    createdAt,
  });
  if ('saved' in outcome) return { ok: true, methodId: outcome.saved.id };
  return { ok: false, reason: outcome.heldBy === accountId ? 'already_registered' : 'credential_in_use' };
}
