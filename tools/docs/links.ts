/**
 * Relative links in the project's Markdown: every `[text](target)`, `![alt](target)` and
 * `[label]: target` outside code, whose target is not a URL or a same-page anchor, must name a
 * file or folder that exists. Anchors inside other files (`page.md#section`) are checked as files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A link whose target does not exist. */
export interface BrokenLink {
  /** The Markdown file, relative to the project root. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The target as written. */
  readonly target: string;
}

/** The Markdown files the project's docs consist of: `README.md` and everything under `docs/`. */
export function docFiles(root: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  return files;
}

/** The relative link targets of a Markdown text, with their line numbers, code left out. */
export function relativeLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*(```|~~~)/.test(text)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    const prose = text.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      links.push({ line: index + 1, target });
    }
  });
  return links;
}

/** Every relative link of `files` (relative to `root`) whose target does not exist. */
export function brokenLinks(root: string, files: readonly string[] = docFiles(root)): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const markdown = readFileSync(join(root, file), 'utf8');
    for (const { line, target } of relativeLinks(markdown)) {
      const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
      if (path === '') continue;
      const resolved = path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
      const insideProject = !relative(root, resolved).startsWith(`..${sep}`) && relative(root, resolved) !== '..';
      if (!insideProject || !existsSync(resolved)) broken.push({ file, line, target });
    }
  }
  return broken;
}
