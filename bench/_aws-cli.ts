/**
 * Running the AWS CLI as a benchmark baseline against a local emulator.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The AWS CLI executable: `AWS_CLI`, else the real binary behind a pyenv shim (the shim adds
 * seconds of start-up that are not the CLI's own), else `aws` from PATH.
 */
export function awsCli(): string {
  if (process.env.AWS_CLI) return process.env.AWS_CLI;
  const which = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : 'aws';
}

/**
 * Environment for the CLI: dummy credentials, path-style addressing, no metadata look-ups, and
 * 20 attempts per request. moto is not thread-safe for a listing that runs while other requests
 * delete keys of the same bucket (it answers 500): the CLI pages ahead while its threads delete,
 * so it needs more than botocore's default retries to finish at all (the job gets 8 from
 * `sdkRetryConfig`).
 */
export function awsCliEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'bench-aws-'));
  const config = join(dir, 'config');
  writeFileSync(config, '[default]\nregion = us-east-1\nretry_mode = standard\nmax_attempts = 20\ns3 =\n  addressing_style = path\n');
  return {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  };
}

/**
 * Runs the CLI and resolves with its wall time in milliseconds. Asynchronous on purpose: the
 * emulator's stderr is drained by this process's event loop, which a synchronous spawn would block
 * (moto then stalls on a full pipe).
 */
export function timeCli(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cli, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`${cli} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}
