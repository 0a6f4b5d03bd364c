// The reference pages in docs/reference/ are generated from the code (TSDoc of the public API, the
// CLI's own --help). Regenerating them in memory must give the files as committed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('holds nothing that depends on the machine (paths, terminal width)', () => {
    for (const content of Object.values(generated)) {
      expect(content).not.toContain(PROJECT_ROOT);
      // Commander wraps help at the fixed width whatever the terminal.
      const helpLines = content.split('\n').filter((line) => line.startsWith('  '));
      expect(helpLines.every((line) => line.length <= 100)).toBe(true);
    }
    expect(Object.keys(generated).sort()).toEqual(['docs/reference/cli.md', 'docs/reference/constructs.md']);
  });
});
