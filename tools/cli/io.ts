/**
 * What a `cdk-jobs` command talks to: its output streams, its environment, its working directory and
 * its clock. `bin/jobs.ts` passes the process's; tests pass their own, so commands run in-process.
 */

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
  /** True when the stream is a terminal (progress bars are drawn only then). */
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, `USER`, `CDK_JOBS_DEBUG`...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The project directory: `.local/<stack>.json` is looked up under it. */
  readonly cwd: string;
  /** The clock. */
  now(): Date;
}

/** Fills in what a caller left out with the process's own. */
export function processIo(partial: Partial<CliIo> = {}): CliIo {
  return {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    env: partial.env ?? process.env,
    cwd: partial.cwd ?? process.cwd(),
    now: partial.now ?? (() => new Date()),
  };
}
