/**
 * Relative links in the project's Markdown: every `[text](target)`, `![alt](target)` and
 * `[label]: target` outside code, whose target is not a URL, must name a file or folder that
 * exists, and an anchor (`page.md#section`, `#section`) must name a heading of that Markdown file
 * (GitHub's heading ids).
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
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ line: index + 1, target });
    }
  });
  return links;
}

/** Every relative link of `files` (relative to `root`) whose target or anchor does not exist. */
export function brokenLinks(root: string, files: readonly string[] = docFiles(root)): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string) => {
    let set = anchorsOf.get(path);
    if (!set) {
      set = headingAnchors(readFileSync(path, 'utf8'));
      anchorsOf.set(path, set);
    }
    return set;
  };
  for (const file of files) {
    const markdown = readFileSync(join(root, file), 'utf8');
    for (const { line, target } of relativeLinks(markdown)) {
      const hash = target.indexOf('#');
      const path = decodeURIComponent((hash >= 0 ? target.slice(0, hash) : target).replace(/\?.*$/, ''));
      const fragment = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : '';
      const resolved = path === '' ? join(root, file) : path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
      const fromRoot = relative(root, resolved);
      const insideProject = fromRoot !== '..' && !fromRoot.startsWith(`..${sep}`);
      const exists = insideProject && existsSync(resolved);
      const anchorOk = !fragment || !resolved.endsWith('.md') || (exists && anchors(resolved).has(fragment));
      if (!exists || !anchorOk) broken.push({ file, line, target });
    }
  }
  return broken;
}

/** The ids GitHub gives the headings of a Markdown text (`## The failure model` -> `the-failure-model`). */
export function headingAnchors(markdown: string): Set<string> {
  const ids = new Set<string>();
  const counts = new Map<string, number>();
  let inFence = false;
  for (const text of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(text)) {
      inFence = !inFence;
      continue;
    }
    const heading = inFence ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{Mn}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    ids.add(seen === 0 ? base : `${base}-${seen}`);
  }
  return ids;
}
