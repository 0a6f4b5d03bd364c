/**
 * The `jobs` program: every command wired into one commander program, and `runCli`, which runs it
 * in-process against given streams and returns the exit code (bin/jobs.ts and the tests use it).
 */
import { Command, CommanderError } from 'commander';
import { devCommand } from './dev';
import { describeError, ExitCode, exitCodeOf, type ExitCodeValue } from '../errors';
import { processIo, type CliIo } from '../io';
import type { SessionDeps } from '../session';
import type { CommandEnv } from './common';
import { failuresCommand } from './failures';
import { historyCommand } from './history';
import { listCommand } from './list';
import { nextCommand } from './next';
import { pauseCommand, resumeCommand } from './pause';
import { redriveCommand } from './redrive';
import { runCommand } from './run';
import { cancelOnceCommand, scheduleOnceCommand } from './schedule-once';

const EXIT_CODES_HELP =
  '\nExit codes: 0 ok, 1 the operation failed, 2 bad usage or unknown job, 3 platform not found.\n' +
  'Against AWS the usual credentials and region apply (--stack picks the stack, default ScheduledJobs);\n' +
  "a stack run locally by 'npm start' is reached with --local, --endpoint URL or AWS_ENDPOINT_URL.";

/** Builds the program; command exit codes go to `env.setExitCode`. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command('jobs')
    .description('Run and operate cdk-scheduled-jobs: locally (jobs dev) or in AWS')
    .addHelpText('after', EXIT_CODES_HELP)
    .addCommand(devCommand())
    .addCommand(listCommand(env))
    .addCommand(nextCommand(env))
    .addCommand(runCommand(env))
    .addCommand(historyCommand(env))
    .addCommand(pauseCommand(env))
    .addCommand(resumeCommand(env))
    .addCommand(failuresCommand(env))
    .addCommand(redriveCommand(env))
    .addCommand(scheduleOnceCommand(env))
    .addCommand(cancelOnceCommand(env));
  const output = {
    writeOut: (text: string) => env.io.stdout.write(text),
    writeErr: (text: string) => env.io.stderr.write(text),
  };
  for (const command of [program, ...program.commands]) {
    command.configureOutput(output).exitOverride().showHelpAfterError('(add --help for usage)');
  }
  return program;
}

export interface RunCliOptions extends Partial<CliIo> {
  /** Replaces how SDK clients are made (tests). */
  readonly deps?: SessionDeps;
}

/**
 * Runs `jobs <argv...>` in this process and resolves with its exit code: 0 ok, 1 the operation
 * failed, 2 bad usage or unknown job, 3 platform not found (a refused connection included). Never throws for a command's error:
 * it prints `jobs: <error>` on stderr (and the stack with `JOBS_DEBUG=1`).
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = processIo(options);
  let exitCode: ExitCodeValue = ExitCode.OK;
  const program = buildProgram({ io, ...(options.deps ? { deps: options.deps } : {}), setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is bad usage (already printed).
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    io.stderr.write(`jobs: ${describeError(error)}\n`);
    if (io.env.JOBS_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return exitCodeOf(error);
  }
}
