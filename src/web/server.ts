// Serves the web app over HTTP with @hono/node-server. Port 0 picks a free port (tests); the
// returned URL is the real one. While it listens, the purge job clears expired records every
// 10 minutes.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Services } from '../app/services.ts';
import { scheduleCampaigns } from '../jobs/campaign-job.ts';
import { scheduleExpiryReminders } from '../jobs/expiry-reminders.ts';
import { PURGE_INTERVAL_MS, schedulePurge } from '../jobs/purge-expired.ts';
import { createApp } from './app.tsx';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  services: Services,
  opts: { host?: string; port?: number; purgeIntervalMs?: number } = {},
): Promise<RunningServer> {
  const app = createApp(services);
  const host = opts.host ?? services.config.server.host;
  const port = opts.port ?? services.config.server.port;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const url = `http://${shownHost}:${info.port}`;
      services.logger.info({ url }, 'listening');
      const purge = schedulePurge(services, opts.purgeIntervalMs ?? PURGE_INTERVAL_MS);
      // Null unless expiryReminders.enabled.
      const reminders = scheduleExpiryReminders(services);
      // Leak-response campaigns: every minute, and at once when one is started.
      const campaignJob = scheduleCampaigns(services);
      resolve({
        url,
        close: async () => {
          // A purge under way finishes (and the lease is released) before the caller closes the store under it.
          const purgeStopped = purge.stop();
          const remindersStopped = reminders?.stop();
          const campaignsStopped = campaignJob.stop();
          await new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections would hold close() open; end idle ones now.
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          });
          await purgeStopped;
          await remindersStopped;
          await campaignsStopped;
        },
      });
    });
    server.once('error', reject);
  });
}
