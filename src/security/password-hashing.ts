// Password hashing for the embedded directory: argon2id (RFC 9106) through @node-rs/argon2,
// with the cost parameters from configuration. Together with tokens.ts, the only place that
// handles password hashes; nothing here ever logs a password or a hash.

import { availableParallelism } from 'node:os';
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { randomToken } from './tokens.ts';

/** Cost parameters (config.directory.embedded.argon2); by default RFC 9106 §4's m=64 MiB, t=3, p=4. */
export interface Argon2Params {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

// Algorithm.Argon2id: the enum is a `const enum`, which isolatedModules can't inline.
// argon2id resists both GPU cracking and side channels (RFC 9106 §4 recommends it).
const ARGON2ID = 2 as Algorithm;
// Version 0x13 (19), the current one; written by the library's default too.
const VERSION_0X13 = 1;

function optionsFor(params: Argon2Params) {
  return { algorithm: ARGON2ID, memoryCost: params.memoryKiB, timeCost: params.iterations, parallelism: params.parallelism };
}

/** libuv's thread pool, where @node-rs/argon2 computes (and WebCrypto, file reads, DNS, zlib). */
const threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;

const cores = availableParallelism();

/**
 * How many argon2 computations run at once: at most one per core, and always one pool thread
 * short of the pool. More in flight than cores makes no hash faster; they would only wait in the
 * pool's queue, ahead of every other job that needs a thread (a captcha's HMAC, a file read), for
 * as long as tens of hashes take. Waiting here instead, in our own first-come queue, they keep the
 * cores just as busy and the rest of the server answers (the breach-day benchmark measures it).
 */
export const argon2Concurrency = Math.max(1, Math.min(cores, threadPoolSize - 1));

/** The cores one computation keeps busy: its lanes (p) run on threads of their own, one core each. */
function coresFor(parallelism: number): number {
  return Math.max(1, Math.min(Math.floor(parallelism) || 1, cores));
}

/**
 * Computations at once for this many lanes: as many as fit the cores (with p=4 on 2 cores, one at
 * a time). Two 4-lane computations side by side only make 8 threads take turns on 2 cores and
 * evict each other's memory from the caches: measured, 30.5 hashes/s against 33.2 one at a time.
 * It also bounds the memory hashing takes: this many times memoryKiB (64 MiB by default).
 */
export function argon2ConcurrencyFor(parallelism: number): number {
  return Math.max(1, Math.min(argon2Concurrency, Math.floor(cores / coresFor(parallelism))));
}

let running = 0;
let busyCores = 0;
const waiting: { cores: number; start: () => void }[] = [];
const counts = { hashes: 0, verifies: 0 };

/** Whether a computation keeping `need` cores busy may start now (one always may, when none runs). */
const fits = (need: number) => running === 0 || (running < argon2Concurrency && busyCores + need <= cores);

/**
 * Runs one argon2 computation with `lanes` lanes when the cores it needs are free (first come,
 * first served: the same wait for every caller, and nobody passes the first in line).
 */
async function inSlot<T>(lanes: number, compute: () => Promise<T>): Promise<T> {
  const need = coresFor(lanes);
  if (waiting.length === 0 && fits(need)) {
    running++;
    busyCores += need;
  } else {
    await new Promise<void>((start) => waiting.push({ cores: need, start }));
  }
  try {
    return await compute();
  } finally {
    running--;
    busyCores -= need;
    for (let next = waiting[0]; next !== undefined && fits(next.cores); next = waiting[0]) {
      waiting.shift();
      running++;
      busyCores += next.cores;
      next.start();
    }
  }
}

/** What the argon2 limiter is doing, and the computations this process has made (for tests and benchmarks). */
export function argon2Activity(): { running: number; queued: number; hashes: number; verifies: number } {
  return { running, queued: waiting.length, ...counts };
}

/** Hashes a password with a fresh random salt (16 bytes from the OS CSPRNG); returns a PHC string. */
export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  return inSlot(params.parallelism, () => {
    counts.hashes++;
    return hash(password, optionsFor(params));
  });
}

/**
 * Checks a password against a stored PHC string. Returns false for a wrong password and for a
 * malformed or unsupported hash; never throws for either (a bad row must not become a 500).
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await inSlot(lanesOf(storedHash), () => {
      counts.verifies++;
      return verify(storedHash, password);
    });
  } catch {
    return false;
  }
}

/** The lanes a stored hash was made with (1 when it can't be read: its verify fails at once anyway). */
function lanesOf(storedHash: string): number {
  try {
    return parseOptions(storedHash).parallelism ?? 1;
  } catch {
    return 1;
  }
}

// One precomputed hash per parameter set, so a dummy verify costs exactly what a real one does.
const dummyHashes = new Map<string, Promise<string>>();

function dummyHashFor(params: Argon2Params): Promise<string> {
  const key = `${params.memoryKiB}:${params.iterations}:${params.parallelism}`;
  let pending = dummyHashes.get(key);
  if (pending === undefined) {
    // A random password nobody knows: the dummy verify can never succeed.
    pending = hashPassword(randomToken(), params);
    // A failed computation must not poison the cache for the life of the process.
    pending.catch(() => dummyHashes.delete(key));
    dummyHashes.set(key, pending);
  }
  return pending;
}

/** Computes the dummy hash ahead of the first unknown-account sign-in, so that one isn't slower either. */
export async function prepareDummyHash(params: Argon2Params): Promise<void> {
  await dummyHashFor(params);
}

/**
 * Spends the time of one real verification, for accounts that don't exist or have no
 * password: the answer for an unknown account must not come back faster (OWASP
 * Authentication Cheat Sheet: no user enumeration by response time).
 */
export async function dummyVerify(params: Argon2Params): Promise<void> {
  const dummy = await dummyHashFor(params);
  await verifyPassword(dummy, 'not the password');
}

/** True when a stored hash was made with other parameters (or isn't argon2id), so it should be replaced at the next sign-in. */
export function needsRehash(storedHash: string, params: Argon2Params): boolean {
  try {
    const used = parseOptions(storedHash);
    return (
      (used.algorithm as number) !== (ARGON2ID as number) ||
      (used.version as number) !== VERSION_0X13 ||
      used.memoryCost !== params.memoryKiB ||
      used.timeCost !== params.iterations ||
      used.parallelism !== params.parallelism
    );
  } catch {
    return true;
  }
}
