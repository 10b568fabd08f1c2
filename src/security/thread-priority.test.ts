// lowerThreadPoolPriority on the running process: after an argon2 computation has started libuv's
// pool, every "libuv-worker" thread runs at nice 10 and the event loop's thread keeps its own.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { hashPassword } from './password-hashing.ts';
import { lowerThreadPoolPriority, THREAD_POOL_NICENESS, threadPoolThreadIds } from './thread-priority.ts';

/** A thread's nice value from /proc (field 19 of stat, after the command name in parentheses). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[16]);
}

test('the pool threads run at nice 10 after the first hash; the event loop keeps its priority', async () => {
  const before = getPriority();
  await hashPassword('ett lösenord', { memoryKiB: 1024, iterations: 1, parallelism: 1 });
  const pool = threadPoolThreadIds();
  assert.ok(pool.length >= 1, 'libuv started its pool');
  assert.ok(!pool.includes(process.pid), 'the main thread is not a pool thread');
  assert.equal(lowerThreadPoolPriority(), pool.length);
  for (const tid of pool) assert.equal(niceOf(tid), THREAD_POOL_NICENESS, `thread ${tid}`);
  assert.equal(getPriority(), before, 'the event loop thread is unchanged');
  assert.equal(niceOf(process.pid), before);
  // Still computes, at the lower priority.
  assert.match(await hashPassword('ett lösenord', { memoryKiB: 1024, iterations: 1, parallelism: 1 }), /^\$argon2id\$/);
});
