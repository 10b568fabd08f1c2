// Encryption of secrets at rest (TOTP seeds) and the server key for HMACs of codes, recovery
// codes and passes. AES-256-GCM with a random 96-bit IV per encryption; every ciphertext names
// its key (`v1.<kid>.<iv>.<ciphertext+tag>`, base64url) so keys can rotate without downtime.
// The keys live in a JSON file outside the database ({current, keys: {kid: base64}, hmac}),
// so a stolen database backup alone reveals no seed and no code.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NyckelError } from '../domain/errors.ts';

/** Key material as stored: key ids to base64-encoded 32-byte keys. */
export interface KeyFileContent {
  current: string;
  keys: Record<string, string>;
  /** The HMAC key for codes, recovery codes and passes. Not rotated: that would invalidate every stored recovery code. */
  hmac: string;
}

/** Where the keys come from: a file Nyckel may create and rotate, or material given in the configuration. */
export type KeySource = { kind: 'file'; path: string } | { kind: 'inline'; content: KeyFileContent };

/** What a ciphertext is bound to: a seed copied into another account's row does not decrypt. */
export interface SecretBinding {
  accountId: string;
  methodId: string;
}

const VERSION = 'v1';
// NIST SP 800-38D: a 96-bit IV is the recommended size for GCM; random IVs are safe far beyond our volumes.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Thrown when a ciphertext is malformed, tampered with, bound to something else, or its key is gone. */
export class SecretBoxError extends NyckelError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'SecretBoxError';
  }
}

interface KeyRing {
  current: string;
  keys: Map<string, Buffer>;
  hmac: Buffer;
}

export class SecretBox {
  readonly source: KeySource;
  #ring: KeyRing;

  private constructor(source: KeySource, ring: KeyRing) {
    this.source = source;
    this.#ring = ring;
  }

  /**
   * Opens the key ring. A missing key file is created (mode 0600) with a first key; a file that
   * others can read is refused, because anyone who can read it can decrypt every seed.
   */
  static open(source: KeySource): SecretBox {
    if (source.kind === 'inline') return new SecretBox(source, parseKeyFile(source.content, 'secrets.keys'));
    ensureKeyFile(source.path);
    return new SecretBox(source, readKeyFile(source.path));
  }

  /** A box with a fresh random key ring in memory (tests, and nothing else). */
  static ephemeral(): SecretBox {
    const content = newKeyFileContent();
    return new SecretBox({ kind: 'inline', content }, parseKeyFile(content, 'memory'));
  }

  get currentKeyId(): string {
    return this.#ring.current;
  }

  get keyIds(): string[] {
    return [...this.#ring.keys.keys()];
  }

  encrypt(plaintext: string, binding: SecretBinding): string {
    return this.encryptWithKey(this.#ring.current, plaintext, binding);
  }

  /** Encrypts with a named key of the ring (rotation re-encrypts with the new key before it becomes current). */
  encryptWithKey(kid: string, plaintext: string, binding: SecretBinding): string {
    const key = this.#ring.keys.get(kid);
    if (key === undefined) throw new SecretBoxError(`no key with id ${kid} in the key ring`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(binding));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, kid, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(box: string, binding: SecretBinding): string {
    const { kid, iv, body } = splitBox(box);
    let key = this.#ring.keys.get(kid);
    if (key === undefined && this.source.kind === 'file') {
      // Another instance may have rotated the keys since this one started: read the file again.
      this.reload();
      key = this.#ring.keys.get(kid);
    }
    if (key === undefined) throw new SecretBoxError(`no key with id ${kid} in the key ring; was it dropped before re-encryption?`);
    if (body.length < TAG_BYTES) throw new SecretBoxError('ciphertext too short');
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('ciphertext failed authentication (tampered, or bound to another account or method)');
    }
  }

  /** The key id a ciphertext was made with. */
  keyIdOf(box: string): string {
    return splitBox(box).kid;
  }

  /** Hex HMAC-SHA256 with the server key: for short codes a plain hash could be reversed by trying all of them. */
  hmac(value: string): string {
    return createHmac('sha256', this.#ring.hmac).update(value, 'utf8').digest('hex');
  }

  /** Re-reads the key file. */
  reload(): void {
    if (this.source.kind === 'file') this.#ring = readKeyFile(this.source.path);
  }

  /** Adds a new random key (not yet current) and returns its id. Written to the file first, so a crash loses nothing. */
  addKey(): string {
    const content = this.#content();
    let kid = newKeyId();
    while (content.keys[kid] !== undefined) kid = newKeyId();
    content.keys[kid] = randomBytes(KEY_BYTES).toString('base64');
    this.#save(content);
    return kid;
  }

  makeCurrent(kid: string): void {
    const content = this.#content();
    if (content.keys[kid] === undefined) throw new SecretBoxError(`no key with id ${kid}`);
    content.current = kid;
    this.#save(content);
  }

  /** Removes every key except the current one; returns the ids dropped. */
  dropOldKeys(): string[] {
    const content = this.#content();
    const dropped = Object.keys(content.keys).filter((kid) => kid !== content.current);
    for (const kid of dropped) delete content.keys[kid];
    this.#save(content);
    return dropped;
  }

  #content(): KeyFileContent {
    if (this.source.kind !== 'file') {
      throw new NyckelError(
        'config_invalid',
        'the keys come from the configuration (secrets.keys or NYCKEL_SECRETS__KEYS_FILE), so Nyckel cannot change them; rotate by editing that key material, or use secrets.keyFile',
      );
    }
    // Always start from the file: another instance or command may have changed it.
    this.reload();
    return serialiseRing(this.#ring);
  }

  #save(content: KeyFileContent): void {
    if (this.source.kind !== 'file') return;
    writeKeyFileAtomically(this.source.path, content);
    this.#ring = parseKeyFile(content, this.source.path);
  }
}

/** Length-prefixed, so ("ab", "c") and ("a", "bc") never give the same associated data. */
function associatedData(binding: SecretBinding): Buffer {
  const parts = [VERSION, binding.accountId, binding.methodId].map((p) => Buffer.from(p, 'utf8'));
  return Buffer.concat(parts.flatMap((p) => [Buffer.from(`${p.length}:`), p]));
}

function splitBox(box: string): { kid: string; iv: Buffer; body: Buffer } {
  const parts = typeof box === 'string' ? box.split('.') : [];
  const [version, kid, ivText, bodyText] = parts;
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    kid === undefined ||
    !KID_PATTERN.test(kid) ||
    ivText === undefined ||
    bodyText === undefined
  ) {
    throw new SecretBoxError('not a v1 ciphertext');
  }
  const iv = Buffer.from(ivText, 'base64url');
  if (iv.length !== IV_BYTES) throw new SecretBoxError('bad IV length');
  return { kid, iv, body: Buffer.from(bodyText, 'base64url') };
}

function newKeyId(): string {
  return randomBytes(6).toString('base64url');
}

export function newKeyFileContent(): KeyFileContent {
  const kid = newKeyId();
  return { current: kid, keys: { [kid]: randomBytes(KEY_BYTES).toString('base64') }, hmac: randomBytes(KEY_BYTES).toString('base64') };
}

function serialiseRing(ring: KeyRing): KeyFileContent {
  const keys: Record<string, string> = {};
  for (const [kid, key] of ring.keys) keys[kid] = key.toString('base64');
  return { current: ring.current, keys, hmac: ring.hmac.toString('base64') };
}

function parseKeyFile(value: unknown, where: string): KeyRing {
  const fail = (why: string): never => {
    throw new NyckelError('config_invalid', `the secret keys in ${where} are not usable: ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected a JSON object {current, keys, hmac}');
  const { current, keys, hmac } = value as Record<string, unknown>;
  if (typeof current !== 'string' || !KID_PATTERN.test(current)) return fail('"current" must be a key id (letters, digits, - and _)');
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return fail('"keys" must map key ids to base64 keys');
  const ring = new Map<string, Buffer>();
  for (const [kid, text] of Object.entries(keys)) {
    if (!KID_PATTERN.test(kid)) return fail(`key id ${JSON.stringify(kid)} may only hold letters, digits, - and _`);
    const key = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) return fail(`key ${kid} must be 32 bytes in base64 (openssl rand -base64 32)`);
    ring.set(kid, key);
  }
  if (!ring.has(current)) return fail(`"current" names ${current}, which is not in "keys"`);
  const hmacKey = typeof hmac === 'string' ? Buffer.from(hmac, 'base64') : Buffer.alloc(0);
  if (hmacKey.length !== KEY_BYTES) return fail('"hmac" must be 32 bytes in base64 (openssl rand -base64 32)');
  return { current, keys: ring, hmac: hmacKey };
}

/** Refuses a key file that the group or others can read or write. */
export function checkKeyFileMode(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new NyckelError(
      'config_invalid',
      `the secret key file ${path} has mode ${mode.toString(8).padStart(4, '0')}: others can read the keys that protect every authenticator seed. Fix it with: chmod 600 ${path}`,
    );
  }
}

function readKeyFile(path: string): KeyRing {
  checkKeyFileMode(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NyckelError('config_invalid', `cannot read the secret key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NyckelError('config_invalid', `the secret key file ${path} is not valid JSON`);
  }
  return parseKeyFile(json, path);
}

/** Creates the key file with a first key when it does not exist. `wx` so two starting instances never overwrite each other. */
function ensureKeyFile(path: string): void {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw new NyckelError('store_not_writable', `cannot create the secret key file ${path}: ${code ?? 'error'}`, { cause: error });
  }
  try {
    writeSync(fd, `${JSON.stringify(newKeyFileContent(), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write to a temporary file (0600) and rename: a crash mid-write never leaves a half key file. */
function writeKeyFileAtomically(path: string, content: KeyFileContent): void {
  const temp = join(dirname(path), `.${Date.now()}-${randomBytes(4).toString('hex')}.keys.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
