// Tests for the online range-API check against a local HTTP server that speaks the documented
// Pwned Passwords range format (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange),
// padding entries with count 0 included.

import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkPasswordOnline } from './online-check.ts';

// SHA-1("password") = 5BAA6 1E4C9B93F3F0682250B6CF8331B7EE68FD8; SHA-1("P@ssw0rd") = 21BD1 2DC183F740EE76F27B78EB39C8AD972A757
const PASSWORD_SUFFIX = '1E4C9B93F3F0682250B6CF8331B7EE68FD8';
const PASSW0RD_SUFFIX = '2DC183F740EE76F27B78EB39C8AD972A757';

describe('checkPasswordOnline', () => {
  let server: Server;
  let apiUrl: string;
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  let mode: 'normal' | 'error' | 'garbage' | 'slow' = 'normal';

  before(async () => {
    server = createServer((request, response) => {
      requests.push({ url: request.url ?? '', headers: request.headers });
      if (mode === 'error') {
        response.writeHead(503).end('busy');
        return;
      }
      if (mode === 'garbage') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('<html>captive portal</html>');
        return;
      }
      if (mode === 'slow') return; // never answers
      const prefix = (request.url ?? '').split('/').pop();
      const lines =
        prefix === '5BAA6'
          ? [`003D68EB55068C33ACE09247EE4C639306B:3`, `${PASSWORD_SUFFIX}:9545824`, `011053FD0102E94D6AE2F8B83D76FAF94F6:0`]
          : prefix === '21BD1'
            ? // The password's own suffix as a padding line: count 0 means "not breached".
              [`${PASSW0RD_SUFFIX.toLowerCase()}:0`, '00A2A1D3F4C7E4D0E1B9B0D8C6B6F6A5E4D:12']
            : ['00A2A1D3F4C7E4D0E1B9B0D8C6B6F6A5E4D:0'];
      response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('finds a breached password, sending only the 5-digit prefix and asking for padding', async () => {
    requests.length = 0;
    mode = 'normal';
    assert.deepEqual(await checkPasswordOnline('password', { apiUrl }), { status: 'breached', count: 9545824 });
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.url, '/range/5BAA6');
    assert.equal(requests[0]?.headers['add-padding'], 'true');
    assert.ok(!JSON.stringify(requests).includes(PASSWORD_SUFFIX), 'the rest of the hash never leaves');
  });

  it('ignores padding entries (count 0), even one with the same suffix', async () => {
    mode = 'normal';
    assert.deepEqual(await checkPasswordOnline('P@ssw0rd', { apiUrl }), { status: 'not_found' });
    assert.deepEqual(await checkPasswordOnline('a long passphrase nobody has used', { apiUrl }), { status: 'not_found' });
  });

  it('leaves padding off only when told', async () => {
    requests.length = 0;
    mode = 'normal';
    await checkPasswordOnline('password', { apiUrl: apiUrl.replace(/\/$/, ''), padding: false });
    assert.equal(requests[0]?.url, '/range/5BAA6');
    assert.equal(requests[0]?.headers['add-padding'], undefined);
  });

  it('reports the API as unavailable on an HTTP error, a malformed answer or a timeout', async () => {
    mode = 'error';
    assert.deepEqual(await checkPasswordOnline('password', { apiUrl }), { status: 'unavailable', reason: 'range API answered HTTP 503' });
    mode = 'garbage';
    assert.equal((await checkPasswordOnline('password', { apiUrl })).status, 'unavailable');
    mode = 'slow';
    assert.deepEqual(await checkPasswordOnline('password', { apiUrl, timeoutMs: 200 }), {
      status: 'unavailable',
      reason: 'range API timed out',
    });
    assert.deepEqual(await checkPasswordOnline('password', { apiUrl: 'http://127.0.0.1:1/range/' }), {
      status: 'unavailable',
      reason: 'range API unreachable',
    });
  });
});
