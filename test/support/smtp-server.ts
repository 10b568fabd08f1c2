// A real SMTP server for tests: the `smtp-server` package in its own child process on
// 127.0.0.1 and a free port, with STARTTLS (a self-signed certificate made with openssl for
// this run) and AUTH PLAIN/LOGIN. Every message received is parsed with mailparser in the
// test process. Modes: 'normal'; 'no-starttls' (the server doesn't offer STARTTLS); 'drop'
// (greets, then closes the connection at the client's first command).
// This file is also the child's entry point (`--serve`).

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type SmtpServerMode = 'normal' | 'no-starttls' | 'drop';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** The user who authenticated, if any. */
  user: string | undefined;
  /** Whether the session was encrypted when the message arrived. */
  secure: boolean;
  raw: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  /** PEM of the self-signed certificate: the CA a client must trust. */
  certificate: string;
  received: ReceivedMail[];
  /** Resolves when `count` messages have arrived (or rejects after `timeoutMs`). */
  waitForMail(count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

interface ChildOptions {
  mode: SmtpServerMode;
  keyFile: string;
  certFile: string;
  users: Record<string, string>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl; valid one day. */
export function makeSelfSignedCertificate(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}

export async function startSmtpServer(options: { mode?: SmtpServerMode; users?: Record<string, string> } = {}): Promise<TestSmtpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nyckel-smtp-'));
  const { keyFile, certFile } = makeSelfSignedCertificate(dir);
  const childOptions: ChildOptions = { mode: options.mode ?? 'normal', keyFile, certFile, users: options.users ?? {} };
  const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', loader, fileURLToPath(import.meta.url), '--serve', JSON.stringify(childOptions)],
    {
      // stdin is a pipe only so the child notices when this process dies and exits too.
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let resolveReady: (port: number) => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<number>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  child.once('exit', (code) => rejectReady(new Error(`the SMTP server process exited with ${code} before it was ready`)));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const event = JSON.parse(line) as {
      ready?: number;
      mail?: { from: string; to: string[]; user?: string; secure: boolean; raw: string };
    };
    if (event.ready !== undefined) resolveReady(event.ready);
    if (event.mail !== undefined) {
      const raw = Buffer.from(event.mail.raw, 'base64').toString('utf8');
      const { from, to, user, secure } = event.mail;
      void simpleParser(raw).then((parsed) => {
        received.push({ envelope: { from, to }, user, secure, raw, parsed });
        for (const wake of waiters.splice(0)) wake();
      });
    }
  });
  const port = await ready;
  return {
    host: '127.0.0.1',
    port,
    certificate: readFileSync(certFile, 'utf8'),
    received,
    async waitForMail(count = 1, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s), got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The child process: runs the server and reports on stdout, one JSON object a line. */
function serve(options: ChildOptions): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  const report = (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`);
  if (options.mode === 'drop') {
    const server = createNetServer((socket) => {
      socket.write('220 localhost ESMTP test\r\n');
      socket.once('data', () => socket.destroy());
    });
    server.listen(0, '127.0.0.1', () => report({ ready: (server.address() as { port: number }).port }));
    return;
  }
  const server = new SMTPServer({
    key: readFileSync(options.keyFile),
    cert: readFileSync(options.certFile),
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: Object.keys(options.users).length === 0,
    // The server only accepts credentials over TLS, as a real one should.
    allowInsecureAuth: false,
    hideSTARTTLS: options.mode === 'no-starttls',
    ...(options.mode === 'no-starttls' ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : {}),
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username !== undefined && options.users[auth.username] === auth.password) return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        report({
          mail: {
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
            raw: Buffer.concat(chunks).toString('base64'),
          },
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => report({ ready: (server.server.address() as { port: number }).port }));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (process.argv[2] === '--serve') serve(JSON.parse(process.argv[3] as string) as ChildOptions);
