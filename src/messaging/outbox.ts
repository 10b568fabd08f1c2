// Outbox messenger: appends every message as one JSON line to a file (default
// ./data/outbox.jsonl), so a trial or a test sees what would have been sent.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../domain/clock.ts';
import type { Messenger, OutgoingMessage } from './messenger.ts';

export type OutboxEntry = OutgoingMessage & { time: string };

export class OutboxMessenger implements Messenger {
  readonly path: string;
  readonly #clock: Clock;
  /** The folder was there at the last append: no mkdir per message (one file-system round trip fewer). */
  #folderMade = false;
  constructor(path: string, clock: Clock) {
    this.path = path;
    this.#clock = clock;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const entry: OutboxEntry = { ...message, time: this.#clock.now().toISOString() };
    const line = `${JSON.stringify(entry)}\n`;
    if (this.#folderMade) {
      try {
        await appendFile(this.path, line, { encoding: 'utf8', mode: 0o600 });
        return;
      } catch (error) {
        // The folder was removed meanwhile (a cleaned-up data directory): make it again below.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    await mkdir(dirname(this.path), { recursive: true });
    this.#folderMade = true;
    await appendFile(this.path, line, { encoding: 'utf8', mode: 0o600 });
  }

  /** The newest entries first; a missing file is an empty outbox. Malformed lines are skipped. */
  async read(limit = 100): Promise<OutboxEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: OutboxEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as OutboxEntry);
      } catch {
        // A half-written last line (crash mid-append) is not worth failing the page for.
      }
    }
    return entries.reverse().slice(0, limit);
  }
}
