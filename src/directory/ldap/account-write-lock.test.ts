// Tests for the per-account write lock: one write at a time per account, in call order; other
// accounts run in parallel; a failed write doesn't block the next; the map empties.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountWriteLock } from './account-write-lock.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('writes to one account run one at a time, in call order', async () => {
  const lock = new AccountWriteLock();
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      lock.run('uid=a,dc=x', async () => {
        running += 1;
        most = Math.max(most, running);
        await tick();
        order.push(i);
        running -= 1;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.deepEqual(
    order,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.equal(lock.size, 0, 'nothing left behind');
});

test('keys ignore case; different accounts run in parallel', async () => {
  const lock = new AccountWriteLock();
  let running = 0;
  let most = 0;
  const work = async () => {
    running += 1;
    most = Math.max(most, running);
    await tick();
    running -= 1;
  };
  await Promise.all([lock.run('UID=A,DC=X', work), lock.run('uid=a,dc=x', work)]);
  assert.equal(most, 1);
  most = 0;
  await Promise.all([lock.run('uid=a,dc=x', work), lock.run('uid=b,dc=x', work)]);
  assert.equal(most, 2);
});

test('a failing write passes its error on and does not block the next', async () => {
  const lock = new AccountWriteLock();
  const failed = lock.run('k', async () => {
    throw new Error('refused');
  });
  const next = lock.run('k', async () => 'done');
  await assert.rejects(failed, /refused/);
  assert.equal(await next, 'done');
  assert.equal(lock.size, 0);
});
