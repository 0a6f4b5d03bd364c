/**
 * The platform's own Lambda handlers, prebuilt when the package is built
 * (`tools/build/bundle-handlers.ts` writes `dist/assets/<name>/index.js` and its source map) so
 * that a consumer's synth needs no esbuild run for them. In this repository, where the library runs
 * from its TypeScript source and no assets are built, they are bundled from source at synth.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Each platform handler by asset name, with its source file relative to the package root. */
export const PLATFORM_HANDLERS = {
  watchdog: 'lambdas/watchdog/handler.ts',
} as const;

/** The name of a platform handler (its folder under the assets folder). */
export type PlatformHandlerName = keyof typeof PLATFORM_HANDLERS;

/** The file each prebuilt handler folder holds; its export `handler` is the Lambda handler `index.handler`. */
export const PREBUILT_HANDLER_FILE = 'index.js';

/**
 * Where the package build puts the prebuilt handlers: `assets/` beside the compiled library
 * (`dist/lib/` -> `dist/assets/`). From the TypeScript source (`lib/`) it points at an `assets/`
 * folder that does not exist, so the handlers are bundled from source.
 */
export const DEFAULT_HANDLER_ASSETS_DIR = join(__dirname, '..', 'assets');

/** The folder of the prebuilt handler `name` under `assetsDir`, or undefined when it is not there. */
export function prebuiltHandlerDir(assetsDir: string, name: PlatformHandlerName): string | undefined {
  const dir = join(assetsDir, name);
  return existsSync(join(dir, PREBUILT_HANDLER_FILE)) ? dir : undefined;
}
