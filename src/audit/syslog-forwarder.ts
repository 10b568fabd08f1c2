// Forwards audit events to a syslog collector as RFC 5424 messages, over UDP (one message per
// datagram, RFC 5426) or TCP (octet-counting framing, RFC 6587 §3.4.1). Best effort and never in
// the way: forward() only queues; a bounded queue drops (and counts) what a dead collector can't
// take, so a syslog outage never slows or fails a request. The collector's copy anchors the chain
// outside the database: a rewritten chain no longer matches the hashes already sent.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { Logger } from '../observability/logger.ts';
import type { ChainedAuditEvent } from '../store/store.ts';

/** RFC 5424 §6.2.1 facility codes. */
export const syslogFacilities = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type SyslogFacility = keyof typeof syslogFacilities;

export interface SyslogOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  facility: SyslogFacility;
  /** HOSTNAME field; default: this machine's name. */
  hostname?: string | undefined;
  /** SD-ID enterprise number (RFC 5424 §7.2.2); 32473 is the example number from RFC 5612. */
  enterpriseId: number;
  /** Messages kept while the collector is unreachable; beyond this they are dropped. */
  queueSize: number;
}

const APP_NAME = 'nyckel';
const MAX_MESSAGE_BYTES = 8192;
const MAX_PARAM_CHARS = 256;
const RECONNECT_MS = 2000;
// Detail keys that could hold a secret are never sent, whatever a caller put in them (OWASP Logging: no secrets in logs).
const SECRET_KEY = /pass|secret|token|code|otp|pin|key|cookie|session|credential|seed|hash/i;

/** RFC 5424 §6.2.1 severity: failures and refusals are warnings, the rest informational. */
function severityOf(outcome: string): number {
  return outcome === 'failure' || outcome === 'refused' ? 4 : 6;
}

/** PRINTUSASCII only, no spaces, cut to `max` (RFC 5424 §6: HOSTNAME 255, APP-NAME 48, MSGID 32). */
function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned.length === 0 ? '-' : cleaned;
}

/** SD-NAME: printable ASCII except '=', ' ', ']', '"', at most 32 characters (RFC 5424 §6.3.3). */
function sdName(value: string): string {
  return value.replace(/[^\x21-\x7e]|[=\]"]/g, '_').slice(0, 32);
}

/** PARAM-VALUE: UTF-8 with '"', '\' and ']' escaped (RFC 5424 §6.3.3). */
function sdValue(value: string): string {
  return Array.from(value)
    .slice(0, MAX_PARAM_CHARS)
    .join('')
    .replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** Formats one event as an RFC 5424 message (without transport framing). */
export function formatSyslogMessage(
  event: ChainedAuditEvent,
  options: Pick<SyslogOptions, 'facility' | 'hostname' | 'enterpriseId'>,
): string {
  const pri = syslogFacilities[options.facility] * 8 + severityOf(event.outcome);
  const params: Array<[string, string]> = [
    ['id', String(event.id)],
    ['outcome', event.outcome],
  ];
  if (event.actor !== null) params.push(['actor', event.actor]);
  if (event.subject !== null) params.push(['subject', event.subject]);
  if (event.ip !== null) params.push(['ip', event.ip]);
  params.push(['prevHash', event.prevHash], ['hash', event.hash]);
  const detail: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(event.detail)) {
    if (SECRET_KEY.test(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') detail.push([sdName(key), String(value)]);
  }
  const sdId = `nyckel@${options.enterpriseId}`;
  const sd = `[${sdId} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const sdDetail =
    detail.length === 0 ? '' : `[detail@${options.enterpriseId} ${detail.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const header = [
    `<${pri}>1`,
    event.at.toISOString(),
    headerField(options.hostname ?? osHostname(), 255),
    APP_NAME,
    String(process.pid),
    headerField(event.type, 32),
  ].join(' ');
  const msg = `${event.type} ${event.outcome}${event.subject === null ? '' : ` subject=${event.subject}`}`;
  // The BOM marks MSG as UTF-8 (RFC 5424 §6.4).
  const full = `${header} ${sd}${sdDetail} \uFEFF${msg}`;
  return Buffer.byteLength(full) <= MAX_MESSAGE_BYTES ? full : Buffer.from(full).subarray(0, MAX_MESSAGE_BYTES).toString('utf8');
}

export interface SyslogForwarder {
  /** Queues the event; returns at once and never throws. */
  forward(event: ChainedAuditEvent): void;
  /** Messages dropped because the queue was full. */
  readonly dropped: number;
  /** Sends what is queued (waiting at most `timeoutMs`), then closes the socket. */
  close(timeoutMs?: number): Promise<void>;
}

export function createSyslogForwarder(options: SyslogOptions, logger: Logger): SyslogForwarder {
  return options.protocol === 'udp' ? new UdpForwarder(options, logger) : new TcpForwarder(options, logger);
}

abstract class QueueingForwarder implements SyslogForwarder {
  protected readonly queue: Buffer[] = [];
  protected closed = false;
  #dropped = 0;
  #warnedAt = 0;

  constructor(
    protected readonly options: SyslogOptions,
    protected readonly logger: Logger,
  ) {}

  get dropped(): number {
    return this.#dropped;
  }

  forward(event: ChainedAuditEvent): void {
    if (this.closed) return;
    try {
      if (this.queue.length >= this.options.queueSize) {
        this.#dropped++;
        // One warning a minute at most: a dead collector must not flood the log either.
        if (Date.now() - this.#warnedAt > 60_000) {
          this.#warnedAt = Date.now();
          this.logger.warn(
            { dropped: this.#dropped },
            'the syslog collector is not keeping up; audit events were not forwarded (they are still in the store)',
          );
        }
        return;
      }
      this.queue.push(Buffer.from(formatSyslogMessage(event, this.options), 'utf8'));
      this.pump();
    } catch (error) {
      this.logger.warn({ err: error }, 'an audit event could not be formatted for syslog');
    }
  }

  protected abstract pump(): void;
  protected abstract shutdown(): void;
  protected abstract idle(): boolean;

  async close(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    this.closed = true;
    this.shutdown();
  }
}

class UdpForwarder extends QueueingForwarder {
  #socket: UdpSocket | null = null;
  #inFlight = 0;

  protected pump(): void {
    if (this.#socket === null) {
      this.#socket = createSocket(this.options.host.includes(':') ? 'udp6' : 'udp4');
      this.#socket.on('error', (error) => this.logger.warn({ err: error }, 'syslog over UDP failed'));
      this.#socket.unref();
    }
    const socket = this.#socket;
    for (let message = this.queue.shift(); message !== undefined; message = this.queue.shift()) {
      this.#inFlight++;
      socket.send(message, this.options.port, this.options.host, () => {
        this.#inFlight--;
      });
    }
  }

  protected idle(): boolean {
    return this.queue.length === 0 && this.#inFlight === 0;
  }

  protected shutdown(): void {
    this.#socket?.close();
    this.#socket = null;
  }
}

class TcpForwarder extends QueueingForwarder {
  #socket: TcpSocket | null = null;
  #connected = false;
  #writing = false;
  #retryTimer: NodeJS.Timeout | null = null;

  protected pump(): void {
    if (this.closed && this.queue.length === 0) return;
    if (!this.#connected) {
      this.#connect();
      return;
    }
    if (this.#writing) return;
    const message = this.queue[0];
    if (message === undefined || this.#socket === null) return;
    // Octet counting: "MSG-LEN SP SYSLOG-MSG", so a message may hold any byte, newlines included.
    const frame = Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
    this.#writing = true;
    this.#socket.write(frame, (error) => {
      this.#writing = false;
      if (error === undefined || error === null) {
        this.queue.shift();
        this.pump();
      }
      // On error the message stays queued; the 'close' handler reconnects and sends it again.
    });
  }

  #connect(): void {
    if (this.#socket !== null || this.#retryTimer !== null || this.closed) return;
    const socket = connect({ host: this.options.host, port: this.options.port });
    this.#socket = socket;
    socket.unref();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.#connected = true;
      this.pump();
    });
    socket.on('error', (error) => this.logger.warn({ err: error }, 'syslog over TCP failed; retrying'));
    socket.on('close', () => {
      this.#socket = null;
      this.#connected = false;
      this.#writing = false;
      if (this.closed) return;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        if (this.queue.length > 0) this.#connect();
      }, RECONNECT_MS);
      this.#retryTimer.unref();
    });
  }

  protected idle(): boolean {
    return this.queue.length === 0 && !this.#writing;
  }

  protected shutdown(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#socket?.end();
    this.#socket = null;
  }
}
