// The benchmarks' HTTP client (bench/support/load-browser.ts) against a real node:http server:
// responses with a length and chunked ones, split across many TCP writes; cookies kept and
// dropped; the CSRF token picked up from a page; one keep-alive connection reused, and a new one
// after the server says `Connection: close` or when the server's keep-alive timeout is near.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LoadBrowser } from '../bench/support/load-browser.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

const seen: Seen[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += chunk;
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, remotePort: req.socket.remotePort ?? 0 });
  if (req.url === '/page') {
    // A page in many small writes with a length: the client must wait for all of it.
    const page = '<form><input type="hidden" name="_csrf" value="tok-123"><p>Återställ lösenordet</p></form>';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(page),
      'set-cookie': 'sid=abc; Path=/; HttpOnly',
    });
    const bytes = Buffer.from(page);
    for (let i = 0; i < bytes.length; i += 7) {
      res.write(bytes.subarray(i, i + 7));
      await sleep(1);
    }
    res.end();
  } else if (req.url === '/chunked') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"checks":');
    await sleep(5);
    res.end('[1,2,3]}');
  } else if (req.url === '/form') {
    res.writeHead(303, { location: '/next', 'set-cookie': 'sid=; Max-Age=0; Path=/', 'content-length': 0 });
    res.end();
  } else if (req.url === '/bye') {
    res.writeHead(200, { connection: 'close', 'content-length': 3 });
    res.end('bye');
  } else {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
}

describe('LoadBrowser (the benchmarks’ HTTP client)', () => {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  let base = '';

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('reads whole responses, keeps cookies and the CSRF token, and reuses one connection', async () => {
    seen.length = 0;
    const browser = new LoadBrowser(base, '127.0.0.1');
    try {
      const page = await browser.get('/page');
      assert.equal(page.status, 200);
      assert.match(page.body, /Återställ lösenordet<\/p><\/form>$/);
      assert.equal(browser.csrf, 'tok-123');
      assert.equal(browser.cookies.get('sid'), 'abc');

      const checked = await browser.postJson('/chunked', { password: 'ett långt lösenord' });
      assert.deepEqual(JSON.parse(checked.body), { checks: [1, 2, 3] });

      const posted = await browser.postForm('/form', { identifier: 'anna' });
      assert.deepEqual(
        { status: posted.status, location: posted.location, body: posted.body },
        { status: 303, location: '/next', body: '' },
      );
      assert.equal(browser.cookies.has('sid'), false, 'Max-Age=0 removes the cookie');

      const [get, json, form] = seen;
      assert.equal(get?.headers.cookie, undefined);
      assert.equal(json?.headers.cookie, 'sid=abc');
      assert.equal(json?.headers['x-csrf-token'], 'tok-123');
      assert.equal(json?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(json?.body ?? ''), { password: 'ett långt lösenord' });
      assert.deepEqual(Object.fromEntries(new URLSearchParams(form?.body)), { _csrf: 'tok-123', identifier: 'anna' });
      assert.equal(form?.headers.origin, base);
      assert.equal(form?.headers['sec-fetch-site'], 'same-origin');
      assert.equal(new Set(seen.map((s) => s.remotePort)).size, 1, 'one keep-alive connection for all three');
    } finally {
      browser.close();
    }
  });

  test('opens a new connection after `Connection: close`, and refuses a second request in flight', async () => {
    seen.length = 0;
    const browser = new LoadBrowser(base, '127.0.0.1');
    try {
      assert.equal((await browser.get('/bye')).body, 'bye');
      assert.equal((await browser.get('/missing')).status, 404);
      assert.notEqual(seen[0]?.remotePort, seen[1]?.remotePort);
      const first = browser.get('/page');
      await assert.rejects(browser.get('/page'), /one request at a time/);
      assert.equal((await first).status, 200);
    } finally {
      browser.close();
    }
  });

  test('gives up an idle connection a second before the server’s keep-alive timeout, instead of racing its close', async () => {
    const ports: number[] = [];
    const brief = createServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    });
    brief.keepAliveTimeout = 2000; // announced as Keep-Alive: timeout=2
    brief.listen(0, '127.0.0.1');
    await once(brief, 'listening');
    const browser = new LoadBrowser(`http://127.0.0.1:${(brief.address() as AddressInfo).port}`, '127.0.0.1');
    try {
      await browser.get('/');
      await browser.get('/');
      await sleep(1200);
      assert.equal((await browser.get('/')).body, 'ok');
      assert.equal(ports[0], ports[1], 'reused while fresh');
      assert.notEqual(ports[1], ports[2], 'a new connection after a second of the two idle');
    } finally {
      browser.close();
      brief.closeAllConnections();
      brief.close();
    }
  });

  test('rejects when the server closes the connection without answering', async () => {
    const silent = createServer((req) => req.socket.destroy());
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const browser = new LoadBrowser(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, '127.0.0.1');
    try {
      await assert.rejects(browser.get('/'), /closed the connection|ECONNRESET/);
    } finally {
      browser.close();
      silent.close();
    }
  });
});
