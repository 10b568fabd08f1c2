// Serves the web app over HTTP with @hono/node-server. Port 0 picks a free port (tests); the
// returned URL is the real one.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Services } from '../app/services.ts';
import { createApp } from './app.tsx';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(services: Services, opts: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const app = createApp(services);
  const host = opts.host ?? services.config.server.host;
  const port = opts.port ?? services.config.server.port;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const url = `http://${shownHost}:${info.port}`;
      services.logger.info({ url }, 'listening');
      resolve({
        url,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections would hold close() open; end idle ones now.
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
