/**
 * Demo data for local mode: finds and runs the seed hooks of a project's job folders
 * (`lambdas/jobs/<job>/seed.ts` or `.js`; the hook's contract is `SeedContext` in
 * `lambdas/runtime/seed.ts`, published as `cdk-scheduled-jobs/runtime/testing`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SeedContext, SeedHook } from '../../lambdas/runtime/seed';
import type { LocalStackFile } from './local-stack';

export type { SeedContext, SeedHook } from '../../lambdas/runtime/seed';

export class SeedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeedError';
  }
}

/** The seed hook files of a project: `lambdas/jobs/<job>/seed.ts` (or `.js`), sorted by job. */
export function findSeedFiles(projectDir: string, jobsDir = join('lambdas', 'jobs')): string[] {
  const root = resolve(projectDir, jobsDir);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const file = ['seed.ts', 'seed.js'].map((name) => join(root, entry.name, name)).find((f) => existsSync(f));
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
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
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
      // import() rather than require(): TypeScript hooks load through tsx and through test runners alike.
      hook = ((await import(pathToFileURL(file).href)) as { seed?: unknown }).seed;
    } catch (error) {
      throw new SeedError(`seed hook ${name} could not be loaded: ${(error as Error).message}`, { cause: error });
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
