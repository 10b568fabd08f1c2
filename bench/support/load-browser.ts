// A minimal HTTP "browser" for load runs against a real server: one keep-alive connection of its
// own from its own loopback address (employees come from their own networks), a cookie jar, the
// last CSRF token seen in a page, and the Origin / Sec-Fetch-Site headers a browser sends with
// same-origin forms and fetches. Redirects are not followed: the caller times each request.

import { Agent, request } from 'node:http';

export interface LoadResponse {
  status: number;
  location: string | null;
  body: string;
}

export class LoadBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;
  readonly #base: URL;
  readonly #agent: Agent;

  constructor(baseUrl: string, localAddress: string) {
    this.#base = new URL(baseUrl);
    this.#agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress });
  }

  get(path: string): Promise<LoadResponse> {
    return this.#send('GET', path, null, {});
  }

  /** Posts a form with the last CSRF token seen, as the page's <form> would. */
  postForm(path: string, fields: Record<string, string>): Promise<LoadResponse> {
    const body = new URLSearchParams({ _csrf: this.csrf ?? '', ...fields }).toString();
    return this.#send('POST', path, body, { 'content-type': 'application/x-www-form-urlencoded' });
  }

  /** Posts JSON with the CSRF token in a header, as the password checklist's fetch() does. */
  postJson(path: string, value: unknown): Promise<LoadResponse> {
    return this.#send('POST', path, JSON.stringify(value), { 'content-type': 'application/json', 'x-csrf-token': this.csrf ?? '' });
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(method: string, path: string, body: string | null, extra: Record<string, string>): Promise<LoadResponse> {
    const headers: Record<string, string> = { 'accept-language': 'sv', ...extra };
    if (method !== 'GET') {
      headers.origin = this.#base.origin;
      headers['sec-fetch-site'] = 'same-origin';
      headers['content-length'] = String(Buffer.byteLength(body ?? ''));
    }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = request({ host: this.#base.hostname, port: this.#base.port, path, method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          for (const line of res.headers['set-cookie'] ?? []) this.#keepCookie(line);
          const text = Buffer.concat(chunks).toString('utf8');
          const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
          if (token !== undefined) this.csrf = token;
          resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, body: text });
        });
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
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
