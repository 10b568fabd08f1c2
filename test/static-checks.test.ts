// The project's static checks as part of the suite: TypeScript strict type checking and
// Biome (format + lint). A type error or a lint finding fails `npm test` like any test.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('TypeScript: tsc --noEmit (strict) reports no errors', { timeout: 240_000 }, () => {
  const { status, output } = run([join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
  assert.equal(status, 0, `tsc found errors:\n${output.slice(0, 8000)}`);
});

test('Biome: format and lint are clean', { timeout: 120_000 }, () => {
  const { status, output } = run([
    join(root, 'node_modules/@biomejs/biome/bin/biome'),
    'check',
    '--colors=off',
    '--error-on-warnings',
    root,
  ]);
  assert.equal(status, 0, `biome check found problems (run \`npx biome check --write .\`):\n${output.slice(0, 8000)}`);
});
