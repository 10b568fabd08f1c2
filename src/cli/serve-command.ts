// `nyckel serve`: starts the web service. In demo mode it seeds the demo organisation on the
// first start and prints its sign-in details on every start. SIGINT and SIGTERM stop it
// gracefully (requests in flight finish, the store closes).

import { stat } from 'node:fs/promises';
import { createServices, type Services } from '../app/services.ts';
import { demoSummary, describeDemo, seedDemo } from '../demo/seed.ts';
import { createLogger } from '../observability/logger.ts';
import { lowerThreadPoolPriority } from '../security/thread-priority.ts';
import { loadCliConfig } from './cli-services.ts';
import { type Command, CommandFailed, type CommandHelp, EXIT_OK, parseCommandLine } from './command-line.ts';

const help: CommandHelp = {
  name: 'serve',
  summary: 'start the web service',
  usage: ['serve [--config FILE]'],
  notes: [
    'With no configuration file Nyckel runs the embedded set-up: SQLite in ./data, its own directory,',
    'messages to the outbox, and the demo organisation. Stop it with Ctrl+C (SIGINT) or SIGTERM.',
  ],
  examples: ['nyckel serve', 'nyckel serve --config /etc/nyckel/nyckel.yaml', 'PORT=3000 nyckel serve'],
};

export const serveCommand: Command = {
  help,
  async run(args, context) {
    if (parseCommandLine(args, context, help, {}, { min: 0, max: 0 }) === null) return EXIT_OK;
    const { config, file } = loadCliConfig(context);
    const { stdout } = context.io;
    const logger = createLogger(config.log.level);
    const services = await createServices(config, { logger });

    // Listen for SIGINT/SIGTERM before anything is announced, so a signal sent as soon as the
    // URL appears is a graceful stop, never the default kill. After the first signal the
    // default handler is back: a second Ctrl+C during shutdown ends the process at once.
    let onSignal: (signal: NodeJS.Signals) => void = () => {};
    const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
      onSignal = (signal) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve(signal);
      };
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    let server: { url: string; close(): Promise<void> };
    try {
      if (config.demo) await announceDemo(services, stdout);
      const { startServer } = await import('../web/server.ts');
      server = await startServer(services, { host: config.server.host, port: config.server.port }).catch((error: unknown) => {
        throw explainListenError(error, config.server.host, config.server.port);
      });
    } catch (error) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await services.close();
      throw error;
    }
    // Hashing and file work in libuv's pool give way to the event loop that answers the pages
    // (src/security/thread-priority.ts); a stat starts the pool if nothing has yet.
    await stat(config.dataDir).catch(() => undefined);
    const lowered = lowerThreadPoolPriority();
    logger.info({ configFile: file ?? null, url: server.url, demo: config.demo, poolThreadsLowered: lowered }, 'nyckel started');
    stdout.write(`Nyckel is running at ${server.url}\nPress Ctrl+C to stop.\n`);

    const signal = await stopRequested;
    logger.info({ signal }, 'stopping');
    try {
      await server.close();
    } finally {
      await services.close();
    }
    stdout.write('Nyckel stopped.\n');
    return EXIT_OK;
  },
};

async function announceDemo(services: Services, out: NodeJS.WritableStream): Promise<void> {
  if (services.embeddedDirectory === null) {
    out.write('Demo mode is on, but the directory is not the embedded one: no demo organisation was created.\n');
    return;
  }
  const seeded = await seedDemo(services, { actor: 'system' });
  if (seeded !== null) out.write(`Demo mode: created the demo organisation (${seeded.created} accounts).\n`);
  out.write(`\n${describeDemo(seeded ?? demoSummary())}\n`);
}

/** Turns the usual listen failures into advice; anything else stays unexpected. */
function explainListenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new CommandFailed(`port ${port} on ${host} is already in use; stop the other program or set server.port (or PORT)`);
  if (code === 'EACCES')
    return new CommandFailed(
      `not allowed to listen on port ${port}; ports below 1024 need privileges, use a higher port (server.port or PORT)`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new CommandFailed(`cannot listen on ${host}: no such address on this machine; check server.host (or HOST)`);
  return error;
}
