// The reference pages in docs/reference/ are generated from the code (TSDoc of the public API, the
// CLI's own --help). Regenerating them in memory must give the files as committed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderCliReference } from '../../tools/docs/cli-reference';
import { generateReference, PROJECT_ROOT } from '../../tools/docs/generate-reference';

describe('docs/reference', () => {
  let generated: Record<string, string>;
  beforeAll(async () => {
    generated = await generateReference();
  });

  it('matches the code (run npm run docs after changing props, TSDoc or CLI help)', () => {
    // Act
    const stale = Object.entries(generated)
      .filter(([path, content]) => {
        const file = join(PROJECT_ROOT, path);
        return !existsSync(file) || readFileSync(file, 'utf8') !== content;
      })
      .map(([path]) => path);

    // Assess
    expect(stale, `${stale.join(', ')} out of date with the code: run npm run docs and commit the result`).toEqual([]);
  });

  it('holds nothing that depends on the machine: paths, terminal width', async () => {
    // Prepare: a wide terminal, which commander would otherwise wrap the help to.
    const saved = { isTTY: Object.getOwnPropertyDescriptor(process.stdout, 'isTTY'), columns: Object.getOwnPropertyDescriptor(process.stdout, 'columns') };
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true, writable: true });
    Object.defineProperty(process.stdout, 'columns', { value: 200, configurable: true, writable: true });

    // Act
    let cli: string;
    try {
      cli = await renderCliReference();
    } finally {
      for (const [name, descriptor] of Object.entries(saved)) {
        if (descriptor) Object.defineProperty(process.stdout, name, descriptor);
        else delete (process.stdout as unknown as Record<string, unknown>)[name];
      }
    }

    // Assess
    expect(cli).toBe(generated['docs/reference/cli.md']);
    for (const content of Object.values(generated)) {
      expect(content).not.toContain(PROJECT_ROOT);
    }
    expect(Object.keys(generated).sort()).toEqual(['docs/reference/cli.md', 'docs/reference/constructs.md']);
  });
});
