// A minimal HTTP "browser" for load runs against a real server: one keep-alive connection of its
// own from its own loopback address (employees come from their own networks), a cookie jar, the
// last CSRF token seen in a page, and the Origin / Sec-Fetch-Site headers a browser sends with
// same-origin forms and fetches. Redirects are not followed: the caller times each request.
//
// It speaks HTTP/1.1 over a plain socket, one request at a time, instead of going through
// node:http: the load generator shares the cores with the server it measures, and node:http's
// client objects and streams cost several times what this does per request.

import { connect, type Socket } from 'node:net';

export interface LoadResponse {
  status: number;
  location: string | null;
  body: string;
}

interface Pending {
  resolve(response: LoadResponse): void;
  reject(error: Error): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
/** How long before the server's keep-alive timeout an idle connection is given up, as node:http's Agent does. */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** The server's idle timeout when it doesn't say (Node's default). */
const DEFAULT_KEEP_ALIVE_MS = 5000;

export class LoadBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;
  readonly #host: string;
  readonly #port: number;
  readonly #origin: string;
  readonly #localAddress: string;
  #socket: Socket | null = null;
  #pending: Pending | null = null;
  #received: Buffer = Buffer.alloc(0);
  /** When the last response ended, and how long the server said it keeps an idle connection. */
  #idleSince = 0;
  #keepAliveMs = DEFAULT_KEEP_ALIVE_MS;

  constructor(baseUrl: string, localAddress: string) {
    const base = new URL(baseUrl);
    this.#host = base.hostname;
    this.#port = Number(base.port);
    this.#origin = base.origin;
    this.#localAddress = localAddress;
  }

  get(path: string): Promise<LoadResponse> {
    return this.#send('GET', path, null, '');
  }

  /** Posts a form with the last CSRF token seen, as the page's <form> would. */
  postForm(path: string, fields: Record<string, string>): Promise<LoadResponse> {
    const body = new URLSearchParams({ _csrf: this.csrf ?? '', ...fields }).toString();
    return this.#send('POST', path, body, 'content-type: application/x-www-form-urlencoded\r\n');
  }

  /** Posts JSON with the CSRF token in a header, as the password checklist's fetch() does. */
  postJson(path: string, value: unknown): Promise<LoadResponse> {
    return this.#send('POST', path, JSON.stringify(value), `content-type: application/json\r\nx-csrf-token: ${this.csrf ?? ''}\r\n`);
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.destroy();
  }

  #send(method: string, path: string, body: string | null, extraHeaders: string): Promise<LoadResponse> {
    if (this.#pending !== null) return Promise.reject(new Error('one request at a time'));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#host}:${this.#port}\r\naccept-language: sv\r\n${extraHeaders}`;
    if (method !== 'GET') {
      head += `origin: ${this.#origin}\r\nsec-fetch-site: same-origin\r\ncontent-length: ${Buffer.byteLength(body ?? '')}\r\n`;
    }
    if (this.cookies.size > 0) head += `cookie: ${[...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')}\r\n`;
    const request = `${head}\r\n${body ?? ''}`;
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#connection().write(request);
    });
  }

  #connection(): Socket {
    if (this.#socket !== null && !this.#socket.destroyed) {
      // A connection about to be closed by the server would race the request against its FIN.
      if (performance.now() - this.#idleSince < this.#keepAliveMs - KEEP_ALIVE_MARGIN_MS) return this.#socket;
      this.close();
    }
    const socket = connect({ host: this.#host, port: this.#port, localAddress: this.#localAddress, noDelay: true });
    this.#received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
      this.#parse();
    });
    const fail = (error: Error) => {
      // A connection this browser already let go of (after `Connection: close`) fails nobody.
      if (this.#socket !== socket) return;
      const pending = this.#pending;
      this.#pending = null;
      this.#socket = null;
      pending?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection before answering')));
    this.#socket = socket;
    return socket;
  }

  /** Completes the pending request once its whole response is in (Content-Length or chunked). */
  #parse(): void {
    const data = this.#received;
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0 || this.#pending === null) return;
    const lines = data.toString('latin1', 0, headerEnd).split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    let length = 0;
    let chunked = false;
    let location: string | null = null;
    let closeAfter = false;
    const setCookies: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'location') location = value;
      else if (name === 'set-cookie') setCookies.push(value);
      else if (name === 'connection') closeAfter = value.toLowerCase() === 'close';
      else if (name === 'keep-alive') {
        const seconds = /timeout=(\d+)/.exec(value)?.[1];
        if (seconds !== undefined) this.#keepAliveMs = Number(seconds) * 1000;
      }
    }
    const bodyStart = headerEnd + HEADER_END.length;
    let body: Buffer;
    let end: number;
    if (chunked) {
      const decoded = decodeChunked(data, bodyStart);
      if (decoded === null) return;
      ({ body, end } = decoded);
    } else {
      if (data.length < bodyStart + length) return;
      body = data.subarray(bodyStart, bodyStart + length);
      end = bodyStart + length;
    }
    this.#received = data.subarray(end);
    for (const line of setCookies) this.#keepCookie(line);
    const text = body.toString('utf8');
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token !== undefined) this.csrf = token;
    const pending = this.#pending;
    this.#pending = null;
    this.#idleSince = performance.now();
    if (closeAfter) this.close();
    pending.resolve({ status, location, body: text });
  }

  #keepCookie(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** A chunked body from `start`, or null while it is not all in yet. */
function decodeChunked(data: Buffer, start: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      // No trailers are sent by the server: the last chunk ends with one more CRLF.
      if (data.length < chunkStart + 2) return null;
      return { body: Buffer.concat(parts), end: chunkStart + 2 };
    }
    if (data.length < chunkStart + size + 2) return null;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + 2;
  }
}
