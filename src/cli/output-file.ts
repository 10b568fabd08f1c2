// Where an exporting command writes: standard output, or a new file that is never an existing
// one (an earlier export may be the copy that proves something) and is readable by its owner
// only (exports name people and carry audit details). Shared by `audit export` and
// `campaigns pending`.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { CommandFailed } from './command-line.ts';

export interface CommandOutput {
  stream: NodeJS.WritableStream;
  /** Writes a chunk, waiting when the pipe or disk is slow, so an export never holds everything in memory. */
  write(chunk: string): Promise<void>;
  /** Flushes and closes the file; nothing for standard output. */
  finish(): Promise<void>;
  isFile: boolean;
}

/** Opens `path` with 'wx' and mode 0600, or returns standard output when no path is given. */
export async function openCommandOutput(path: string | undefined, stdout: NodeJS.WritableStream): Promise<CommandOutput> {
  let stream: NodeJS.WritableStream = stdout;
  let file: ReturnType<typeof createWriteStream> | null = null;
  if (path !== undefined) {
    file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    try {
      await once(file, 'open');
    } catch (error) {
      throw new CommandFailed(`cannot create ${path}: ${describeFsError(error)}`);
    }
    stream = file;
  }
  return {
    stream,
    isFile: file !== null,
    async write(chunk) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async finish() {
      if (file === null) return;
      file.end();
      await once(file, 'finish');
    },
  };
}

/** A file system error in plain words. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return 'the file already exists (choose a new name)';
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return code ?? 'error';
}
