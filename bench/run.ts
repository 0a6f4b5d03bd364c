/**
 * `npm run bench -- [name ...]`: runs bench/<name>.ts for each name given (all of them when none),
 * one after another in child processes so one benchmark's memory and timers do not skew the next.
 * Each benchmark prints `BENCH <name> key=value ...` as its last line.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = __dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = requested.length > 0 ? requested : available;
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  const tsx = join(dir, '..', 'node_modules', '.bin', 'tsx');
  const result = spawnSync(tsx, ['--expose-gc', join(dir, `${name}.ts`), ...process.argv.slice(2).filter((a) => a.startsWith('-'))], {
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (result.status !== 0) {
    console.error(`benchmark '${name}' failed with exit code ${result.status}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
