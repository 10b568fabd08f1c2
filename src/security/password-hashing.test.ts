// Tests for argon2id password hashing: format and parameters, verification, malformed hashes,
// the dummy verify for unknown accounts, rehash detection, and the limit on computations at once.

import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { hash as argon2Hash } from '@node-rs/argon2';
import { configSchema } from '../config/schema.ts';
import {
  argon2Activity,
  argon2Concurrency,
  argon2ConcurrencyFor,
  dummyVerify,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './password-hashing.ts';

const cheap = { memoryKiB: 8192, iterations: 1, parallelism: 1 };

async function elapsedMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('hashPassword', () => {
  test('writes an argon2id PHC string with the given parameters and a fresh salt', async () => {
    const first = await hashPassword('Korrekt häst batteri', cheap);
    const second = await hashPassword('Korrekt häst batteri', cheap);
    assert.match(first, /^\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(first, second, 'a new random salt each time');
  });

  test('the configured defaults are RFC 9106’s m=64 MiB, t=3, p=4', async () => {
    const defaults = configSchema.parse({}).directory.embedded.argon2;
    assert.deepEqual(defaults, { memoryKiB: 65536, iterations: 3, parallelism: 4 });
    const stored = await hashPassword('Korrekt häst batteri', defaults);
    assert.match(stored, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    assert.equal(await verifyPassword(stored, 'Korrekt häst batteri'), true);
  });
});

describe('verifyPassword', () => {
  test('true for the right password, false for a wrong one', async () => {
    const stored = await hashPassword('Rätt lösenord 2026', cheap);
    assert.equal(await verifyPassword(stored, 'Rätt lösenord 2026'), true);
    assert.equal(await verifyPassword(stored, 'rätt lösenord 2026'), false);
    assert.equal(await verifyPassword(stored, 'Rätt lösenord 2026 '), false);
    assert.equal(await verifyPassword(stored, ''), false);
  });

  test('handles any Unicode, including astral characters and NUL', async () => {
    const password = 'nyckel 🔑 \u0000 ÅÄÖ 漢字';
    const stored = await hashPassword(password, cheap);
    assert.equal(await verifyPassword(stored, password), true);
    assert.equal(await verifyPassword(stored, 'nyckel 🔑 '), false, 'the part before NUL is not enough');
  });

  test('false, not an exception, for malformed or truncated hashes', async () => {
    const stored = await hashPassword('x', cheap);
    for (const bad of [
      '',
      'garbage',
      '$argon2id$v=19$m=8192,t=1,p=1$short',
      stored.slice(0, -6),
      `${stored}$extra`,
      '$2b$10$abcdefghijklmnopqrstuv',
    ]) {
      assert.equal(await verifyPassword(bad, 'x'), false, JSON.stringify(bad));
    }
  });
});

describe('dummyVerify', () => {
  test('takes about as long as a real verify', async () => {
    const stored = await hashPassword('Rätt lösenord 2026', cheap);
    await dummyVerify(cheap); // computes the precomputed hash once
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 9; i++) {
      real.push(await elapsedMs(() => verifyPassword(stored, 'fel')));
      dummy.push(await elapsedMs(() => dummyVerify(cheap)));
    }
    const ratio = median(dummy) / median(real);
    // Same parameters, same work: the medians agree closely; the bounds leave room for a busy machine.
    assert.ok(ratio > 0.5 && ratio < 2, `dummy/real time ratio ${ratio.toFixed(2)}`);
  });

  test('costs more with costlier parameters (it uses the parameters it is given)', async () => {
    const costly = { memoryKiB: 65536, iterations: 3, parallelism: 1 };
    await dummyVerify(costly);
    await dummyVerify(cheap);
    const cheapMs = median([
      await elapsedMs(() => dummyVerify(cheap)),
      await elapsedMs(() => dummyVerify(cheap)),
      await elapsedMs(() => dummyVerify(cheap)),
    ]);
    const costlyMs = median([
      await elapsedMs(() => dummyVerify(costly)),
      await elapsedMs(() => dummyVerify(costly)),
      await elapsedMs(() => dummyVerify(costly)),
    ]);
    assert.ok(costlyMs > cheapMs * 3, `costly ${costlyMs.toFixed(1)} ms vs cheap ${cheapMs.toFixed(1)} ms`);
  });
});

describe('needsRehash', () => {
  test('false for a hash made with the current parameters', async () => {
    assert.equal(needsRehash(await hashPassword('x', cheap), cheap), false);
  });

  test('true when any parameter differs', async () => {
    const stored = await hashPassword('x', cheap);
    assert.equal(needsRehash(stored, { ...cheap, memoryKiB: 19456 }), true);
    assert.equal(needsRehash(stored, { ...cheap, iterations: 2 }), true);
    assert.equal(needsRehash(stored, { ...cheap, parallelism: 2 }), true);
  });

  test('true for argon2i, argon2d and malformed hashes', async () => {
    const options = { memoryCost: cheap.memoryKiB, timeCost: cheap.iterations, parallelism: cheap.parallelism };
    // 1 = Argon2i, 0 = Argon2d (the library's const enum values).
    assert.equal(needsRehash(await argon2Hash('x', { ...options, algorithm: 1 as never }), cheap), true);
    assert.equal(needsRehash(await argon2Hash('x', { ...options, algorithm: 0 as never }), cheap), true);
    assert.equal(needsRehash('garbage', cheap), true);
    assert.equal(needsRehash('', cheap), true);
  });
});

describe('computations at once', () => {
  // As many lanes as cores: one such computation keeps every core busy by itself.
  const wide = { ...cheap, parallelism: availableParallelism() };

  test('computations with a lane for every core run one at a time, verifies included', async () => {
    assert.equal(argon2ConcurrencyFor(wide.parallelism), 1);
    assert.equal(argon2ConcurrencyFor(1), argon2Concurrency);
    const stored = await hashPassword('Rätt lösenord 2026', wide);
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, argon2Activity().running);
    }, 1);
    const work = [
      ...Array.from({ length: 4 }, (_, i) => hashPassword(`lösenord ${i}`, wide)),
      ...Array.from({ length: 4 }, (_, i) => verifyPassword(stored, i % 2 === 0 ? 'Rätt lösenord 2026' : 'fel')),
    ];
    const queued = argon2Activity().queued;
    const results = await Promise.all(work);
    clearInterval(watch);
    assert.equal(queued, 7, 'all but the first waited');
    assert.equal(most, 1);
    assert.deepEqual(results.slice(4), [true, false, true, false]);
  });

  test('first come, first served: a one-lane computation does not pass a wide one waiting for the cores', async () => {
    const order: string[] = [];
    const done = (name: string) => () => order.push(name);
    const first = hashPassword('först', cheap).then(done('narrow, first'));
    const second = hashPassword('sedan', wide).then(done('wide, second'));
    const third = hashPassword('sist', cheap).then(done('narrow, third'));
    await Promise.all([first, second, third]);
    assert.deepEqual(order, ['narrow, first', 'wide, second', 'narrow, third']);
  });

  test('never more than argon2Concurrency, the rest wait their turn, and every answer is right', async () => {
    assert.ok(argon2Concurrency >= 1);
    const stored = await hashPassword('Rätt lösenord 2026', cheap);
    const before = argon2Activity();
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, argon2Activity().running);
    }, 1);
    const n = argon2Concurrency * 4;
    const work = [
      ...Array.from({ length: n }, (_, i) => hashPassword(`lösenord ${i}`, cheap)),
      ...Array.from({ length: n }, (_, i) => verifyPassword(stored, i % 2 === 0 ? 'Rätt lösenord 2026' : 'fel')),
    ];
    const queued = argon2Activity().queued;
    const results = await Promise.all(work);
    clearInterval(watch);
    assert.equal(queued, 2 * n - argon2Concurrency, 'all but the first ones waited');
    assert.ok(most <= argon2Concurrency, `at most ${argon2Concurrency} at once, saw ${most}`);
    assert.deepEqual(
      results.slice(n),
      Array.from({ length: n }, (_, i) => i % 2 === 0),
    );
    const after = argon2Activity();
    assert.deepEqual({ running: after.running, queued: after.queued }, { running: 0, queued: 0 });
    assert.equal(after.hashes - before.hashes, n);
    assert.equal(after.verifies - before.verifies, n);
  });

  test('leaves libuv threads free: other pool work does not wait behind queued hashes', async () => {
    const costly = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
    let hashesDone = 0;
    const hashes = Array.from({ length: argon2Concurrency * 6 }, (_, i) =>
      hashPassword(`lösenord ${i}`, costly).then(() => {
        hashesDone++;
      }),
    );
    // WebCrypto's digest runs on the same thread pool as argon2 (so does a captcha's HMAC).
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode('ett jobb i trådpoolen'));
    const doneWhenDigestReturned = hashesDone;
    await Promise.all(hashes);
    assert.ok(
      doneWhenDigestReturned < argon2Concurrency * 3,
      `the digest came back after ${doneWhenDigestReturned} of ${hashes.length} hashes (it must not queue behind them)`,
    );
  });
});
