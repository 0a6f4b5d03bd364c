/**
 * Writes the generated reference pages, `docs/reference/constructs.md` (from the TSDoc of the
 * public API) and `docs/reference/cli.md` (from the CLI's own help). Run it with `npm run docs`;
 * `test/docs/reference.test.ts` regenerates them in memory and fails when the files differ.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderApiReference } from './api-reference';
import { renderCliReference } from './cli-reference';

/** The project root (this file is `tools/docs/generate-reference.ts`). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The generated files, by path relative to the project root, with their contents. */
export async function generateReference(root: string = PROJECT_ROOT): Promise<Record<string, string>> {
  return {
    'docs/reference/constructs.md': renderApiReference(root),
    'docs/reference/cli.md': await renderCliReference(),
  };
}

async function main(): Promise<void> {
  const files = await generateReference();
  for (const [path, content] of Object.entries(files)) {
    const target = join(PROJECT_ROOT, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`wrote ${path}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
