// Reads a new password for the CLI: from standard input when it is piped, or from a hidden
// prompt typed twice on a terminal. Never from the command line: argv is visible to every
// user in `ps` and is kept in shell history.

import { CommandFailed } from './command-line.ts';

/** Generous: the longest allowed password (1024 characters) in 4-byte UTF-8, plus a newline. */
const MAX_STDIN_BYTES = 8 * 1024;

export interface PasswordSource {
  stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  /** Where prompts go (standard error, so standard output stays clean). */
  prompt: NodeJS.WritableStream;
}

export async function readNewPassword(source: PasswordSource): Promise<string> {
  const stdin = source.stdin as NodeJS.ReadStream;
  if (stdin.isTTY === true && typeof stdin.setRawMode === 'function') {
    const first = await readHidden(stdin, source.prompt, 'New password: ');
    const second = await readHidden(stdin, source.prompt, 'Repeat the password: ');
    if (first !== second) throw new CommandFailed('the two passwords are not the same; nothing was changed');
    if (first === '') throw new CommandFailed('no password typed; nothing was changed (use --no-password for an account without one)');
    return first;
  }
  return readPasswordFromPipe(source.stdin);
}

/**
 * The whole of standard input, less one trailing line break; it must be a single line.
 * `whenEmpty` is the message when nothing was piped in (it says how this command wants it).
 */
export async function readPasswordFromPipe(
  stdin: NodeJS.ReadableStream,
  whenEmpty = 'no password on standard input; pipe one in (printf %s "$PASSWORD" | nyckel …) or use --no-password',
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new CommandFailed('standard input is too long to be a password; pipe in one line');
    chunks.push(buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CommandFailed('the password on standard input is not UTF-8');
  }
  text = text.replace(/\r?\n$/, '');
  if (text === '') throw new CommandFailed(whenEmpty);
  if (/[\r\n]/.test(text)) throw new CommandFailed('the password on standard input must be a single line');
  return text;
}

/** Reads one line from a terminal without echoing it. Ctrl-C cancels, backspace deletes. */
function readHidden(stdin: NodeJS.ReadStream, out: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = stdin.isRaw;
    // Echo off before the prompt appears, so an answer typed (or pasted) at once is not shown.
    stdin.setRawMode(true);
    out.write(prompt);
    stdin.setEncoding('utf8');
    stdin.resume();
    const finish = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      out.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(null);
        if (char === '\u0003') return finish(new CommandFailed('cancelled; nothing was changed'));
        if (char === '\u0004') return finish(value === '' ? new CommandFailed('cancelled; nothing was changed') : null);
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}
