/**
 * What every platform command shares: the `--stack`, `--local` / `--no-local`, `--endpoint`,
 * `--region` and `--json` flags, and the wrapper that opens a session, runs the command and sets the exit code.
 */
import { Command } from 'commander';
import { ExitCode, type ExitCodeValue } from '../errors';
import type { CliIo } from '../io';
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
    .option('--stack <name>', 'the stack holding the job platform (default: $CDK_JOBS_STACK or $JOBS_STACK, else the only job platform found)')
    .option(
      '--local',
      "only local stacks: the one 'cdk-jobs dev' runs or a finished 'cdk-jobs dev --until' keeps (.local/<stack>.json, at the emulator it records)",
    )
    .option('--no-local', 'only CloudFormation stacks (in AWS, or at --endpoint), even when a local stack is running')
    .option('--endpoint <url>', 'an AWS emulator (moto, LocalStack) holding a local stack (default: $AWS_ENDPOINT_URL)')
    .option('--region <region>', 'the AWS region (default: $AWS_REGION or your profile)')
    .option('--json', 'print JSON for scripts instead of a table');
}

/**
 * The platform flags of a command's parsed options. `--stack` defaults to `$CDK_JOBS_STACK`, then
 * `$JOBS_STACK`, else none (the resolver finds the one job platform).
 */
export function platformFlags(options: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = {}): PlatformFlags {
  const stack = typeof options.stack === 'string' ? options.stack : env.CDK_JOBS_STACK || env.JOBS_STACK || undefined;
  return {
    ...(stack ? { stack } : {}),
    ...(typeof options.endpoint === 'string' ? { endpoint: options.endpoint } : {}),
    ...(typeof options.local === 'boolean' ? { local: options.local } : {}),
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
