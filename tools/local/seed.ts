/**
 * Demo data for local mode: finds and runs the seed hooks of a project's job folders
 * (`lambdas/jobs/<job>/seed.ts`, `.js` or `.mjs`; the hook's contract is `SeedContext` in
 * `lambdas/runtime/seed.ts`, published as `cdk-scheduled-jobs/runtime/testing`).
 *
 * A TypeScript hook is compiled with esbuild into `<project>/.local/seed-build/` and loaded from
 * there, so it runs under plain Node.js (an app that has no TypeScript loader). Its relative imports
 * are bundled in; packages are not, so they load from the app's own `node_modules`.
 */
import type { Plugin } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScheduledJobsError } from '../../lib/contract';
import type { SeedContext, SeedHook } from '../../lambdas/runtime/seed';
import type { LocalStackFile } from './local-stack';

export type { SeedContext, SeedHook } from '../../lambdas/runtime/seed';

/** A seed hook could not be found, loaded or run; the message names the hook. */
export class SeedError extends ScheduledJobsError {}

/** The names a job folder's seed hook may have, in the order they are looked for. */
export const SEED_FILE_NAMES: readonly string[] = ['seed.ts', 'seed.js', 'seed.mjs'];

/** The seed hook files of a project: `lambdas/jobs/<job>/seed.ts` (or `.js`, `.mjs`), sorted by job. */
export function findSeedFiles(projectDir: string, jobsDir = join('lambdas', 'jobs')): string[] {
  const root = resolve(projectDir, jobsDir);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const file = SEED_FILE_NAMES.map((name) => join(root, entry.name, name)).find((f) => existsSync(f));
    if (file) out.push(file);
  }
  return out;
}

function scheduledPayload(stack: LocalStackFile, scheduleLogicalId: string | undefined): unknown {
  const input = scheduleLogicalId ? stack.schedules[scheduleLogicalId]?.target.input : undefined;
  if (!input) return undefined;
  try {
    return (JSON.parse(input) as { payload?: unknown }).payload;
  } catch {
    return undefined;
  }
}

/** The context given to every seed hook of a stack. */
export function seedContext(stack: LocalStackFile, now: Date): SeedContext {
  const functions = Object.values(stack.functions);
  return {
    stack,
    clientConfig: {
      endpoint: stack.endpoint,
      region: stack.region,
      forcePathStyle: true,
      // The local administrator when the emulator enforces IAM (seeding is not a function's work).
      credentials: stack.iam
        ? { accessKeyId: stack.iam.admin.accessKeyId, secretAccessKey: stack.iam.admin.secretAccessKey }
        : { accessKeyId: 'testing', secretAccessKey: 'testing' },
    },
    now,
    jobs: Object.entries(stack.jobs).map(([name, job]) => ({
      name,
      environment: stack.functions[job.functionLogicalId]?.environment ?? {},
      payload: scheduledPayload(stack, job.scheduleLogicalId),
    })),
    env: (name) => functions.find((fn) => fn.environment[name] !== undefined)?.environment[name],
  };
}

/** Where the compiled form of a TypeScript hook goes: `<project>/.local/seed-build/<path>.cjs`. */
export function compiledSeedPath(projectDir: string, file: string): string {
  const inProject = relative(projectDir, file);
  const path = inProject.startsWith('..') || isAbsolute(inProject) ? join('outside', file.replace(/^[A-Za-z]:/, '')) : inProject;
  return join(resolve(projectDir), '.local', 'seed-build', path.replace(/\.[cm]?[jt]s$/, '.cjs'));
}

/**
 * An esbuild plugin that keeps each bundled source file's own location: `__dirname`, `__filename`
 * and `import.meta.url`/`.dirname`/`.filename` name the source file, not the compiled one (a hook
 * that reads `join(__dirname, 'users.json')` finds the file beside it). The declarations go on the
 * first line, so line numbers are unchanged.
 */
function keepSourceLocation(): Plugin {
  let count = 0;
  return {
    name: 'keep-source-location',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        let contents = await readFile(args.path, 'utf8');
        const declarations: string[] = [];
        if (/\bimport\.meta\b/.test(contents)) {
          count += 1;
          const name = `__seedImportMeta${count}`;
          const meta = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
          declarations.push(`var ${name} = ${JSON.stringify(meta)};`);
          contents = contents.replace(/\bimport\.meta\b/g, name);
        }
        for (const [name, value] of [
          ['__dirname', dirname(args.path)],
          ['__filename', args.path],
        ]) {
          const used = new RegExp(`\\b${name}\\b`).test(contents);
          const declared = new RegExp(`\\b(?:const|let|var)\\s+${name}\\b`).test(contents);
          if (used && !declared) declarations.push(`var ${name} = ${JSON.stringify(value)};`);
        }
        const loader = /\.[cm]?tsx?$/.test(args.path) ? (args.path.endsWith('x') ? 'tsx' : 'ts') : args.path.endsWith('x') ? 'jsx' : 'js';
        return { contents: declarations.join(' ') + contents, loader };
      });
    },
  };
}

/**
 * Compiles a TypeScript hook into one CommonJS file (its relative imports bundled in, packages
 * left to `require` from the project's `node_modules`) and returns that file.
 */
async function compileSeed(projectDir: string, file: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = compiledSeedPath(projectDir, file);
  const result = await build({
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'inline',
    outfile,
    write: false,
    absWorkingDir: resolve(projectDir),
    logLevel: 'silent',
    plugins: [keepSourceLocation()],
  });
  const code = result.outputFiles.find((f) => f.path === outfile) ?? result.outputFiles[0];
  mkdirSync(dirname(outfile), { recursive: true });
  // Written whole and renamed: two runs of local mode never load a half-written file.
  const partial = `${outfile}.${process.pid}.tmp`;
  writeFileSync(partial, code.contents);
  renameSync(partial, outfile);
  return outfile;
}

/** Loads a hook module: TypeScript compiled first, JavaScript as it is. */
async function loadSeed(projectDir: string, file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?ts$/.test(file)) {
    const compiled = await compileSeed(projectDir, file);
    // A fresh load each run: the hook may have changed since the last one.
    delete require.cache[compiled];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled hook is only known at runtime
    return require(compiled) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** The first errors of an esbuild failure (`file:line:column: text`, the column from 1), or the message of any other error. */
function reasonOf(error: unknown): string {
  const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors
      .slice(0, 3)
      .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text))
      .join('; ');
  }
  return (error as Error).message;
}

/**
 * Runs every seed hook of the project against the local stack.
 *
 * @returns one line per hook (`cleanup: 120 log objects`).
 * @throws SeedError naming the hook that failed.
 */
export async function runSeeds(projectDir: string, stack: LocalStackFile, now: Date, files = findSeedFiles(projectDir)): Promise<string[]> {
  const context = seedContext(stack, now);
  const lines: string[] = [];
  for (const file of files) {
    const name = relative(projectDir, file);
    let hook: unknown;
    try {
      hook = (await loadSeed(projectDir, file)).seed;
    } catch (error) {
      throw new SeedError(`seed hook ${name} could not be loaded: ${reasonOf(error)}`, { cause: error });
    }
    if (typeof hook !== 'function') throw new SeedError(`seed hook ${name} must export a function 'seed(context)', got ${typeof hook}`);
    try {
      const described = await (hook as SeedHook)(context);
      if (typeof described === 'string' && described !== '') lines.push(`${name}: ${described}`);
    } catch (error) {
      throw new SeedError(`seed hook ${name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return lines;
}
