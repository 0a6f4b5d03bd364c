// The README stays a short front page, and no relative link in the docs points at nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../tools/docs/generate-reference';
import { brokenLinks, docFiles, headingAnchors, relativeLinks } from '../../tools/docs/links';

const MAX_README_LINES = 250;

describe('README.md', () => {
  it(`has at most ${MAX_README_LINES} lines (the details belong in docs/)`, () => {
    const lines = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;

    expect(lines, `README.md has ${lines} lines; move details into docs/`).toBeLessThanOrEqual(MAX_README_LINES);
  });
});

describe('relative links in README.md and docs/', () => {
  it('point at files and headings that exist', () => {
    const files = docFiles(PROJECT_ROOT);

    const broken = brokenLinks(PROJECT_ROOT, files).map((link) => `${link.file}:${link.line} -> ${link.target}`);

    expect(files).toContain('docs/README.md');
    expect(broken).toEqual([]);
  });

  it('are found in links and references, not in code or URLs', () => {
    const markdown = [
      'See [the guide](guides/local-mode.md#time-travel) and ![diagram](img/a.png "A").',
      '[ref]: ../bench/README.md',
      'Not `[code](nowhere.md)`, not [a site](https://example.com); [here](#top) is checked.',
      '```md',
      '[inside a fence](missing.md)',
      '```',
    ].join('\n');

    expect(relativeLinks(markdown)).toEqual([
      { line: 1, target: 'guides/local-mode.md#time-travel' },
      { line: 1, target: 'img/a.png' },
      { line: 2, target: '../bench/README.md' },
      { line: 3, target: '#top' },
    ]);
  });

  it("know GitHub's heading ids", () => {
    const markdown = ['# The failure model', '## `cdk-jobs dev`', '### A `ScheduledJob` with `ScheduleExpression.at(...)`', '## Usage', '## Usage', '```', '# not a heading', '```'].join('\n');

    expect([...headingAnchors(markdown)]).toEqual([
      'the-failure-model',
      'cdk-jobs-dev',
      'a-scheduledjob-with-scheduleexpressionat',
      'usage',
      'usage-1',
    ]);
  });
});
