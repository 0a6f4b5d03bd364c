/**
 * Bundles the platform's own Lambda handlers when the package is built, so that `JobPlatform`
 * deploys them prebuilt instead of running esbuild at every consumer synth.
 *
 *   tsx tools/build/bundle-handlers.ts [--out <folder>]
 *
 * Writes `<folder>/<name>/index.js` and its source map for each handler of `PLATFORM_HANDLERS`,
 * with the same esbuild settings the constructs use (`esbuildOptions` of `lib/bundling.ts`). The
 * folder defaults to `dist/assets`, beside the compiled library (`dist/lib`), where `JobPlatform`
 * looks for them.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../lib/bundling';
import { PLATFORM_HANDLERS, PREBUILT_HANDLER_FILE, type PlatformHandlerName } from '../../lib/platform-assets';

/** The package root (this file is `tools/build/bundle-handlers.ts`). */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** Where `npm run build` puts the handlers: `assets/` beside the compiled library. */
export const DEFAULT_OUT_DIR = join(PACKAGE_ROOT, 'dist', 'assets');

/** One bundled handler: its name and the file written. */
export interface BundledHandler {
  readonly name: PlatformHandlerName;
  readonly file: string;
}

/** Bundles every platform handler into `outDir/<name>/index.js` (each folder emptied first). */
export async function bundleHandlers(outDir: string = DEFAULT_OUT_DIR): Promise<BundledHandler[]> {
  const bundled: BundledHandler[] = [];
  for (const [name, source] of Object.entries(PLATFORM_HANDLERS) as [PlatformHandlerName, string][]) {
    const dir = join(outDir, name);
    const file = join(dir, PREBUILT_HANDLER_FILE);
    await rm(dir, { recursive: true, force: true });
    await build({ ...esbuildOptions(join(PACKAGE_ROOT, source), file), logLevel: 'warning' });
    bundled.push({ name, file });
  }
  return bundled;
}

/** `--out <folder>` from the command line, else the default. */
export function outDirFromArgs(args: readonly string[]): string {
  const at = args.indexOf('--out');
  if (at === -1) {
    return DEFAULT_OUT_DIR;
  }
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) {
    throw new Error(`bundle-handlers: --out needs a folder; got ${value === undefined ? 'nothing' : `'${value}'`}`);
  }
  return resolve(value);
}

if (require.main === module) {
  bundleHandlers(outDirFromArgs(process.argv.slice(2))).then(
    (bundled) => {
      for (const { name, file } of bundled) {
        process.stderr.write(`bundled ${name}: ${file}\n`);
      }
    },
    (error: unknown) => {
      process.stderr.write(`bundle-handlers: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
