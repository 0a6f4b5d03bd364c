/**
 * Exit codes of the `cdk-jobs` CLI and the errors that carry them. Every command fails with one of
 * these (or with an unexpected error, which exits 1).
 */
import { ScheduledJobsError } from '../../lib/contract';

/** What the `cdk-jobs` process exits with. */
export const ExitCode = {
  /** The command did what it was asked. */
  OK: 0,
  /** The operation failed: a run failed, a re-invoke failed, an AWS call failed. */
  FAILED: 1,
  /** Bad usage: an unknown command or flag, a bad flag value, an unknown job. */
  USAGE: 2,
  /** The platform was not found: no such stack, no local stack, outputs missing, emulator down. */
  PLATFORM_NOT_FOUND: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A flag or argument with a value the command cannot use. Exit code 2. */
export class CliUsageError extends ScheduledJobsError {
  readonly exitCode: ExitCodeValue = ExitCode.USAGE;
}

/** A job name the platform does not know. Exit code 2; the message lists the known jobs. */
export class UnknownJobError extends ScheduledJobsError {
  readonly exitCode: ExitCodeValue = ExitCode.USAGE;
  constructor(
    message: string,
    readonly job: string,
    readonly knownJobs: readonly string[],
  ) {
    super(message);
  }
}

/** The stack (or local stack) could not be found or is not a job platform. Exit code 3. */
export class PlatformNotFoundError extends ScheduledJobsError {
  readonly exitCode: ExitCodeValue = ExitCode.PLATFORM_NOT_FOUND;
}

/** The command ran but what it did failed (a run, a re-invoke). Exit code 1. */
export class OperationFailedError extends ScheduledJobsError {
  readonly exitCode: ExitCodeValue = ExitCode.FAILED;
}

/** Errors of other modules that mean bad usage (a bad `--until` of `cdk-jobs dev`, a bad `--at`). */
const USAGE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'DevOptionError',
  'StackSelectionError',
  'OneTimeScheduleValidationError',
  'ScheduleExpressionError',
]);

/** True for a refused connection: the endpoint (an emulator that stopped) is not there. */
export function isConnectionRefused(error: unknown): boolean {
  const e = error as { code?: unknown; errors?: unknown } | undefined;
  if (e?.code === 'ECONNREFUSED') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((inner) => isConnectionRefused(inner));
}

/** The line `cdk-jobs` prints for an error (without the `cdk-jobs: ` prefix). */
export function describeError(error: unknown): string {
  const e = error as Error | undefined;
  const text = `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message || String(error)}`;
  if (isConnectionRefused(error)) {
    return (
      `${text}: the AWS API endpoint does not answer; for a local stack, is 'cdk-jobs dev' still running? ` +
      "(the emulator of a finished 'cdk-jobs dev --until' run is kept only for its --keep period: run it again)"
    );
  }
  return text;
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  if (isConnectionRefused(error)) return ExitCode.PLATFORM_NOT_FOUND;
  const e = error as { exitCode?: unknown; name?: unknown } | undefined;
  if (e && (e.exitCode === ExitCode.USAGE || e.exitCode === ExitCode.PLATFORM_NOT_FOUND || e.exitCode === ExitCode.FAILED)) {
    return e.exitCode;
  }
  if (typeof e?.name === 'string' && USAGE_ERROR_NAMES.has(e.name)) return ExitCode.USAGE;
  if (typeof e?.name === 'string' && (e.name === 'LocalStackNotFoundError' || e.name === 'EmulatorUnavailableError')) {
    return ExitCode.PLATFORM_NOT_FOUND;
  }
  return ExitCode.FAILED;
}
