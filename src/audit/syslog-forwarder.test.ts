// The syslog forwarder against real UDP and TCP listeners on 127.0.0.1: RFC 5424 header fields,
// structured data and escaping, octet-counting frames over TCP, no secret in any message, and a
// dead collector that neither blocks nor throws.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { createServices } from '../app/services.ts';
import { configSchema } from '../config/schema.ts';
import { createLogger } from '../observability/logger.ts';
import type { ChainedAuditEvent } from '../store/store.ts';
import { auditBackends } from './audit-store.test-support.ts';
import { createSyslogForwarder, formatSyslogMessage, type SyslogOptions } from './syslog-forwarder.ts';

const SECRET = 'Hunter2-very-secret!';
const logger = createLogger('silent');

function event(overrides: Partial<ChainedAuditEvent> = {}): ChainedAuditEvent {
  return {
    id: 42,
    at: new Date('2026-03-02T08:00:00.123Z'),
    type: 'reset.completed',
    actor: 'anna.berg',
    subject: 'anna.berg',
    ip: '192.0.2.10',
    outcome: 'success',
    detail: { password: SECRET, code: '123456', token: SECRET, reason: 'a "quoted" ]bracket\\ value', methods: 2, nested: { x: SECRET } },
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    ...overrides,
  };
}

// RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*\]) \uFEFF(.*)$/s;

function checkMessage(message: string, expected: { pri: number; msgid: string; id: number }): void {
  const match = RFC5424.exec(message);
  assert.ok(match, `not RFC 5424: ${message}`);
  const [, pri, timestamp, hostname, app, procid, msgid, sd] = match;
  assert.equal(Number(pri), expected.pri);
  assert.equal(timestamp, '2026-03-02T08:00:00.123Z');
  assert.equal(hostname, 'nyckel-test-host');
  assert.equal(app, 'nyckel');
  assert.equal(procid, String(process.pid));
  assert.equal(msgid, expected.msgid);
  assert.match(
    sd as string,
    new RegExp(
      `^\\[nyckel@32473 id="${expected.id}" outcome="[a-z]+" actor="anna\\.berg" subject="anna\\.berg" ip="192\\.0\\.2\\.10" prevHash="a{64}" hash="b{64}"\\]`,
    ),
  );
  assert.ok(!message.includes(SECRET), 'no secret in the message');
  assert.ok(!message.includes('123456'), 'no code in the message');
}

const base: Omit<SyslogOptions, 'protocol' | 'port'> = {
  host: '127.0.0.1',
  facility: 'authpriv',
  hostname: 'nyckel-test-host',
  enterpriseId: 32473,
  queueSize: 100,
};

describe('RFC 5424 formatting', () => {
  it('gives PRI from facility and outcome, escapes parameter values and leaves secrets out', () => {
    const ok = formatSyslogMessage(event(), base);
    checkMessage(ok, { pri: 10 * 8 + 6, msgid: 'reset.completed', id: 42 });
    assert.match(ok, /\[detail@32473 reason="a \\"quoted\\" \\]bracket\\\\ value" methods="2"\]/);
    const refused = formatSyslogMessage(event({ outcome: 'refused', type: 'zone.refused' }), { ...base, facility: 'local3' });
    assert.match(refused, /^<156>1 /, 'local3 (19) × 8 + warning (4)');
    const long = formatSyslogMessage(event({ type: `x${'y'.repeat(63)}` }), base);
    assert.equal(RFC5424.exec(long)?.[6]?.length, 32, 'MSGID is at most 32 characters');
  });
});

describe('syslog over real sockets', () => {
  it('sends one RFC 5424 message per UDP datagram', async () => {
    const server = createSocket('udp4');
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const received: string[] = [];
    server.on('message', (msg) => received.push(msg.toString('utf8')));
    const forwarder = createSyslogForwarder({ ...base, protocol: 'udp', port: server.address().port }, logger);
    try {
      forwarder.forward(event());
      forwarder.forward(event({ id: 43, outcome: 'failure', type: 'sign_in' }));
      await forwarder.close();
      const deadline = Date.now() + 2000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, 2);
      checkMessage(received[0] as string, { pri: 86, msgid: 'reset.completed', id: 42 });
      checkMessage(received[1] as string, { pri: 84, msgid: 'sign_in', id: 43 });
    } finally {
      server.close();
    }
  });

  it('frames messages over TCP with octet counting, and reconnects after the collector drops it', async () => {
    const chunks: Buffer[] = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (data) => chunks.push(data));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const forwarder = createSyslogForwarder({ ...base, protocol: 'tcp', port }, logger);
    try {
      // A message with a newline inside: octet counting keeps it one frame (RFC 6587 §3.4.1).
      forwarder.forward(event({ subject: 'anna.berg', detail: { reason: 'two\nlines' } }));
      for (let id = 100; id < 110; id++) forwarder.forward(event({ id }));
      const frames = await waitForFrames(chunks, 11);
      checkMessage(frames[0] as string, { pri: 86, msgid: 'reset.completed', id: 42 });
      assert.match(frames[0] as string, /reason="two\nlines"/);
      assert.deepEqual(
        frames.slice(1).map((f) => /id="(\d+)"/.exec(f)?.[1]),
        Array.from({ length: 10 }, (_, i) => String(100 + i)),
      );
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      forwarder.forward(event({ id: 200 }));
      const after = await waitForFrames(chunks, 12, 5000);
      assert.match(after[11] as string, /id="200"/);
    } finally {
      await forwarder.close(500);
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('never blocks or throws when the collector is down, and drops beyond the queue', async () => {
    // A port with nothing listening: connection refused, over and over.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    const forwarder = createSyslogForwarder({ ...base, protocol: 'tcp', port, queueSize: 5 }, logger);
    const started = performance.now();
    for (let id = 1; id <= 50; id++) forwarder.forward(event({ id }));
    assert.ok(performance.now() - started < 200, 'forward only queues');
    assert.equal(forwarder.dropped, 45);
    await forwarder.close(50);
  });
});

for (const backend of auditBackends) {
  describe(`syslog fed by the store on ${backend.name}`, () => {
    it('forwards each appended event with its chain hash after it is stored', async () => {
      const server = createSocket('udp4');
      server.bind(0, '127.0.0.1');
      await once(server, 'listening');
      const received: string[] = [];
      server.on('message', (msg) => received.push(msg.toString('utf8')));
      const database = await backend.create();
      const store = await database.open();
      const forwarder = createSyslogForwarder({ ...base, protocol: 'udp', port: server.address().port }, logger);
      try {
        store.onAuditAppended((e) => forwarder.forward(e));
        await store.appendAudit(
          { type: 'sign_in', actor: 'anna.berg', subject: 'anna.berg', ip: '192.0.2.10', outcome: 'failure', detail: { password: SECRET } },
          new Date('2026-03-02T08:00:00.123Z'),
        );
        await forwarder.close();
        const deadline = Date.now() + 2000;
        while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const [stored] = await store.listAuditChain({ limit: 1 });
        assert.ok(stored);
        assert.equal(received.length, 1);
        assert.match(
          received[0] as string,
          new RegExp(
            `^<84>1 2026-03-02T08:00:00\\.123Z nyckel-test-host nyckel \\d+ sign_in \\[nyckel@32473 id="1" .*hash="${stored.hash}"\\]`,
          ),
        );
        assert.ok(!(received[0] as string).includes(SECRET));
      } finally {
        await store.close();
        await database.cleanup();
        server.close();
      }
    });
  });
}

/** Splits octet-counted frames ("LEN SP MSG") out of what arrived, waiting until `count` are there. */
async function waitForFrames(chunks: Buffer[], count: number, timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const data = Buffer.concat(chunks);
    const frames: string[] = [];
    let offset = 0;
    while (offset < data.length) {
      const space = data.indexOf(0x20, offset);
      if (space < 0) break;
      const length = Number(data.subarray(offset, space).toString('ascii'));
      assert.ok(Number.isInteger(length) && length > 0, `bad frame length at ${offset}`);
      if (space + 1 + length > data.length) break;
      frames.push(data.subarray(space + 1, space + 1 + length).toString('utf8'));
      offset = space + 1 + length;
    }
    if (frames.length >= count || Date.now() > deadline) return frames;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('audit.syslog configuration', () => {
  it('defaults to off, and refuses a bad port or protocol with the key named', () => {
    const defaults = configSchema.parse({}).audit.syslog;
    assert.deepEqual(defaults, {
      enabled: false,
      host: '127.0.0.1',
      port: 514,
      protocol: 'udp',
      facility: 'authpriv',
      enterpriseId: 32473,
      queueSize: 1000,
    });
    const bad = configSchema.safeParse({ audit: { syslog: { port: 70000, protocol: 'tls' } } });
    assert.equal(bad.success, false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')) ?? [];
    assert.ok(paths.includes('audit.syslog.port') && paths.includes('audit.syslog.protocol'), paths.join(', '));
  });

  it('is wired into the services: an event appended through them reaches the collector', async () => {
    const server = createSocket('udp4');
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const received: string[] = [];
    server.on('message', (msg) => received.push(msg.toString('utf8')));
    const dir = await makeTempDir('syslog-services');
    const config = configSchema.parse({
      dataDir: dir.path,
      directory: { embedded: { argon2: { memoryKiB: 8192, iterations: 1 } } },
      audit: { syslog: { enabled: true, port: server.address().port, hostname: 'nyckel-test-host' } },
    });
    const services = await createServices(config, { logger });
    try {
      await services.store.appendAudit({ type: 'unlock', actor: 'helpdesk.eva', subject: 'anna.berg', outcome: 'success' }, new Date());
    } finally {
      await services.close();
      await dir.cleanup();
    }
    const deadline = Date.now() + 2000;
    while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    server.close();
    assert.equal(received.length, 1);
    assert.match(
      received[0] as string,
      /^<86>1 \S+ nyckel-test-host nyckel \d+ unlock \[nyckel@32473 id="\d+" outcome="success" actor="helpdesk\.eva"/,
    );
  });
});
