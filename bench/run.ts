// `npm run bench`: runs every bench/*.bench.ts in turn, each in its own Node process (so one
// benchmark's memory and JIT state don't colour the next), and stops at the first that fails.
// Usage: npm run bench [-- NAME…]   (NAME matches part of a file name, e.g. `breached`)

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts') || name.endsWith('.bench.tsx'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`bench: no benchmark matches ${filters.join(', ') || '*.bench.ts'}\n`);
  process.exit(2);
}

const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--expose-gc', '--import', loader, join(benchDir, file)],
    {
      stdio: 'inherit',
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') },
    },
  );
  if (result.status !== 0) {
    process.stderr.write(`bench: ${file} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}
