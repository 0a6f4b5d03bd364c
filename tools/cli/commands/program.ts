/**
 * The `cdk-jobs` program: every command wired into one commander program, and `runCli`, which runs it
 * in-process against given streams and returns the exit code (bin/jobs.ts and the tests use it).
 */
import { Command, CommanderError } from 'commander';
import { backfillCommand } from './backfill';
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
import { restoreLogCommand } from './restore-log';
import { runCommand } from './run';
import { cancelOnceCommand, scheduleOnceCommand } from './schedule-once';

const EXIT_CODES_HELP =
  '\nExit codes: 0 ok, 1 the operation failed, 2 bad usage or unknown job, 3 platform not found.\n' +
  'Which stack: --stack names it; without it the CLI finds the one job platform there is: a local stack\n' +
  "whose emulator answers ('cdk-jobs dev', or the run a 'cdk-jobs dev --until' kept), else the CloudFormation\n" +
  'stack with a JobPlatform in the region. --local uses only local stacks, --no-local only CloudFormation;\n' +
  'against AWS the usual credentials and region apply; --endpoint URL or AWS_ENDPOINT_URL picks an emulator.';

/** Builds the program; command exit codes go to `env.setExitCode`. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command('cdk-jobs')
    .description('Run and operate cdk-scheduled-jobs: locally (cdk-jobs dev) or in AWS')
    .addHelpText('after', EXIT_CODES_HELP)
    .addCommand(devCommand())
    .addCommand(listCommand(env))
    .addCommand(nextCommand(env))
    .addCommand(runCommand(env))
    .addCommand(backfillCommand(env))
    .addCommand(historyCommand(env))
    .addCommand(pauseCommand(env))
    .addCommand(resumeCommand(env))
    .addCommand(failuresCommand(env))
    .addCommand(redriveCommand(env))
    .addCommand(scheduleOnceCommand(env))
    .addCommand(cancelOnceCommand(env))
    .addCommand(restoreLogCommand(env));
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
 * Runs `cdk-jobs <argv...>` in this process and resolves with its exit code: 0 ok, 1 the operation
 * failed, 2 bad usage or unknown job, 3 platform not found (a refused connection included). Never throws for a command's error:
 * it prints `cdk-jobs: <error>` on stderr (and the stack trace with `CDK_JOBS_DEBUG=1` or `JOBS_DEBUG=1`).
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
    io.stderr.write(`cdk-jobs: ${describeError(error)}\n`);
    if (io.env.CDK_JOBS_DEBUG || io.env.JOBS_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return exitCodeOf(error);
  }
}
