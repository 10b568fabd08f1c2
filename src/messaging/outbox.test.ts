// The outbox file: one JSON line a message, newest first when read, 0600, and its folder made
// again when someone removed it between two messages.

import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { ManualClock } from '../domain/clock.ts';
import { OutboxMessenger } from './outbox.ts';

test('appends each message, reads the newest first, and makes its folder again after it was removed', async () => {
  const dir = await makeTempDir('outbox');
  try {
    const folder = join(dir.path, 'data', 'nested');
    const outbox = new OutboxMessenger(join(folder, 'outbox.jsonl'), new ManualClock('2026-12-06T08:00:00Z'));
    assert.deepEqual(await outbox.read(), [], 'no file yet: an empty outbox');

    await outbox.send({ channel: 'sms', to: '+46701234567', text: 'Din kod är 123456.' });
    await outbox.send({ channel: 'email', to: 'anna@example.se', subject: 'Ämne', text: 'Hej' });
    assert.equal((await stat(outbox.path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await outbox.read()).map((e) => [e.channel, e.to, e.time]),
      [
        ['email', 'anna@example.se', '2026-12-06T08:00:00.000Z'],
        ['sms', '+46701234567', '2026-12-06T08:00:00.000Z'],
      ],
    );

    await rm(join(dir.path, 'data'), { recursive: true });
    await outbox.send({ channel: 'sms', to: '+46709876543', text: 'Efteråt' });
    assert.deepEqual(
      (await outbox.read()).map((e) => e.to),
      ['+46709876543'],
    );
  } finally {
    await dir.cleanup();
  }
});
