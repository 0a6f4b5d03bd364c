/**
 * What every platform command shares: the `--stack`, `--endpoint`, `--local`, `--region` and
 * `--json` flags, and the wrapper that opens a session, runs the command and sets the exit code.
 */
import { Command } from 'commander';
import { ExitCode, type ExitCodeValue } from '../errors';
import type { CliIo } from '../io';
import { DEFAULT_STACK } from '../platform-resolver';
import { CliSession, type PlatformFlags, type SessionDeps } from '../session';

/** What the command builders receive from the program. */
export interface CommandEnv {
  readonly io: CliIo;
  readonly deps?: SessionDeps;
  /** Records the exit code of the command that ran. */
  setExitCode(code: ExitCodeValue): void;
}

/** A command with the platform flags. */
export function platformCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--stack <name>', `the CloudFormation stack holding the job platform (default: $JOBS_STACK, else ${DEFAULT_STACK})`)
    .option('--local', "the stack 'npm start' runs on this machine (.local/<stack>.json, at the emulator it records)")
    .option('--endpoint <url>', 'an AWS emulator (moto, LocalStack) holding a local stack (default: $AWS_ENDPOINT_URL)')
    .option('--region <region>', 'the AWS region (default: $AWS_REGION or your profile)')
    .option('--json', 'print JSON for scripts instead of a table');
}

/** The platform flags of a command's parsed options (`--stack` defaults to `$JOBS_STACK`, then `ScheduledJobs`). */
export function platformFlags(options: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = {}): PlatformFlags {
  return {
    stack: typeof options.stack === 'string' ? options.stack : env.JOBS_STACK || DEFAULT_STACK,
    ...(typeof options.endpoint === 'string' ? { endpoint: options.endpoint } : {}),
    ...(options.local === true ? { local: true } : {}),
    ...(typeof options.region === 'string' ? { region: options.region } : {}),
    ...(options.json === true ? { json: true } : {}),
  };
}

/**
 * Runs `body` with a session on the command's platform; its return value is the exit code
 * (thrown errors are mapped by the program).
 */
export async function withSession(
  env: CommandEnv,
  options: Record<string, unknown>,
  body: (session: CliSession) => Promise<ExitCodeValue | void>,
): Promise<void> {
  const session = new CliSession(env.io, platformFlags(options, env.io.env), env.deps);
  try {
    env.setExitCode((await body(session)) ?? ExitCode.OK);
  } finally {
    session.close();
  }
}
