// Tests for `nyckel serve`, run as a real child process: it starts, answers HTTP, seeds the demo
// on the first start only while printing its sign-in details every start, stops cleanly on
// SIGTERM and SIGINT, and explains a port already in use.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { demoEmployees } from '../demo/demo-organisation.ts';
import { THREAD_POOL_NICENESS } from '../security/thread-priority.ts';
import { type CliSandbox, cleanEnvironment, makeCliSandbox, spawnCli } from './cli-test-harness.ts';

interface RunningServe {
  url: string;
  pid: number;
  output: () => string;
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function startServe(sandbox: CliSandbox): Promise<RunningServe> {
  const child = spawnCli(['serve', '--config', sandbox.configPath], cleanEnvironment());
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'close');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /Nyckel is running at (http:\/\/\S+)\n/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('close', () => reject(new Error(`serve exited:\n${stdout}\n${stderr}`)));
  });
  return {
    url,
    pid: child.pid as number,
    output: () => stdout,
    async stop(signal) {
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return { code, stdout, stderr };
    },
  };
}

describe('nyckel serve', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('serve', 'demo: true\nserver: { port: 0 }');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  it('starts, seeds the demo, answers HTTP and stops on SIGTERM', async () => {
    const server = await startServe(sandbox);
    const response = await fetch(server.url);
    await response.arrayBuffer();
    assert.ok(response.status < 500, `status ${response.status}`);
    assert.match(server.output(), new RegExp(`Demo mode: created the demo organisation \\(${demoEmployees.length} accounts\\)`));
    assert.ok(server.output().includes('Kanelbulle-Sommar-42'));
    // libuv's pool threads (argon2id runs there) yield to the event loop: nice 10, the loop at 0.
    const threads = readdirSync(`/proc/${server.pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${server.pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return { tid: Number(tid), name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
    });
    const pool = threads.filter((t) => t.name === 'libuv-worker');
    assert.ok(pool.length >= 1, `pool threads: ${JSON.stringify(threads)}`);
    assert.ok(
      pool.every((t) => t.nice === THREAD_POOL_NICENESS),
      JSON.stringify(pool),
    );
    assert.equal(threads.find((t) => t.tid === server.pid)?.nice, 0, 'the event loop keeps its priority');
    const result = await server.stop('SIGTERM');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Nyckel stopped\.\n$/);
  });

  it('on the next start prints the demo details again without seeding, and stops on SIGINT', async () => {
    const server = await startServe(sandbox);
    assert.doesNotMatch(server.output(), /created the demo organisation/);
    assert.ok(server.output().includes('anna.lindqvist'));
    const result = await server.stop('SIGINT');
    assert.equal(result.code, 0, result.stderr);
    const list = await sandbox.run(['users', 'list', '--json']);
    assert.equal((JSON.parse(list.stdout) as unknown[]).length, demoEmployees.length);
  });

  it('a port already in use is one clear line, exit 1', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const path = await sandbox.file('busy.yaml', `dataDir: ${JSON.stringify(sandbox.dataDir)}\nserver: { port: ${port} }\n`);
      const child = spawnCli(['serve', '--config', path], cleanEnvironment());
      child.stdin.end();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(code, 1);
      assert.equal(stderr, `nyckel: port ${port} on 127.0.0.1 is already in use; stop the other program or set server.port (or PORT)\n`);
    } finally {
      blocker.close();
    }
  });
});
