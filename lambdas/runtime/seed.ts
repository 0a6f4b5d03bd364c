/**
 * The seed-hook contract of local mode. A job folder may hold `seed.ts` (or `seed.js`) exporting
 * `seed(context)`: it writes the data its job works on (orders, logs, users...) into the emulator
 * before the first run, finding its tables and buckets through the environment variables its
 * handler reads. Seed hooks run on the developer's machine, never in Lambda; the types live here so
 * that a job folder imports them from `cdk-scheduled-jobs/runtime/testing` beside its handler.
 *
 * ```ts
 * // lambdas/jobs/cleanup/seed.ts
 * import type { SeedContext } from 'cdk-scheduled-jobs/runtime/testing';
 * export async function seed(ctx: SeedContext) {
 *   const bucket = ctx.env('LOG_BUCKET_NAME');
 *   if (!bucket) return;                       // the job is not in this stack
 *   const s3 = new S3Client(ctx.clientConfig);
 *   ...
 *   return '120 log objects';                  // shown in the start-up log
 * }
 * ```
 */

/** What a seed hook receives. */
export interface SeedContext {
  /** The local stack: its name, region, emulator endpoint and resolved outputs. */
  readonly stack: {
    readonly stackName: string;
    readonly region: string;
    readonly endpoint: string;
    readonly outputs: Readonly<Record<string, string>>;
  };
  /** SDK client configuration pointing at the emulator: `new DynamoDBClient(ctx.clientConfig)`. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly forcePathStyle: true;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** The instant local time starts at (the simulation start with `--until`, else now). */
  readonly now: Date;
  /** Every job of the stack with its function's resolved environment and its scheduled payload. */
  readonly jobs: ReadonlyArray<{ readonly name: string; readonly environment: Readonly<Record<string, string>>; readonly payload?: unknown }>;
  /** The value of an environment variable of any function of the stack (the first that sets it). */
  env(name: string): string | undefined;
}

/** A seed hook: returns a short description of what it wrote (or nothing). */
export type SeedHook = (context: SeedContext) => Promise<string | void> | string | void;
