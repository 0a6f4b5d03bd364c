/**
 * `cdk-jobs dev`: run the stack locally. See `tools/local/dev.ts`. After a simulation (`--until`)
 * the emulator stays up for `--keep` so the other commands can inspect the run; `--stop` stops it.
 */
import { Command, Option } from 'commander';
import { runDev, stopKept } from '../../local/dev';
import { parseKeep } from '../../local/dev-report';
import { localDir } from '../../local/local-stack';

interface DevCommandOptions {
  readonly until?: string;
  readonly from?: string;
  readonly json?: boolean;
  readonly seed: boolean;
  readonly endpoint?: string;
  readonly app?: string;
  readonly stack?: string;
  readonly verbose?: boolean;
  readonly region?: string;
  readonly progress: boolean;
  readonly cache: boolean;
  readonly watchdogEvery?: string;
  readonly keep: string;
  readonly stop?: boolean;
  readonly iam: boolean;
}

/** How long a finished simulation's emulator stays up by default. */
export const DEFAULT_KEEP = '30m';

/** The `dev` command, ready to be added to the `cdk-jobs` program. */
export function devCommand(): Command {
  return new Command('dev')
    .description(
      'Run every job locally on its schedule: start an AWS emulator (moto), synthesize the app, provision the stack ' +
        'in the emulator, seed demo data and fire each schedule at the instants EventBridge Scheduler would',
    )
    .option('--until <when>', 'time travel: simulate up to a duration from the start (90m, 12h, 7d, 2w) or an ISO instant, then print a summary and exit')
    .option('--from <instant>', 'with --until: start the simulated clock at this ISO instant instead of now (any window, past or future)')
    .option(
      '--watchdog-every <duration>',
      "with --until: fire the platform's watchdog (every 5 minutes) at most once per this simulated interval; 5m fires every slot",
      '1h',
    )
    .option(
      '--keep <duration>',
      'with --until: keep the emulator running this long after the simulation (30m, 2h; 0 stops it at once), ' +
        'so that cdk-jobs list, history and failures (or any AWS client at its endpoint) show what the run did',
      DEFAULT_KEEP,
    )
    .option('--stop', 'stop the emulator a finished simulation keeps, then exit')
    .option(
      '--json',
      'print the summary as JSON on stdout: { runs: [{ job, scheduledTime, status, durationMs }], sent: [{ job, to, timeZone, at }], ' +
        'access: [{ job, used, unused, acknowledged }] } (sent: one entry per recipient of each email SES accepted, at in UTC; ' +
        'access, with IAM checked: per job, the granted actions its calls used, and those neither used nor acknowledged)',
    )
    .option('--no-seed', 'do not seed demo data')
    .option(
      '--no-iam',
      "do not check IAM: by default each function runs with its own role's permissions from the template and a call " +
        'its role lacks fails with AccessDenied (on the moto_server this command starts; not on --endpoint)',
    )
    .option('--endpoint <url>', 'use this AWS emulator (LocalStack, moto) instead of starting moto_server (default: $AWS_ENDPOINT_URL)')
    .option('--app <command>', "the command that runs the CDK app (default: the 'app' of cdk.json)")
    .option('--stack <name>', 'the stack to run when several stacks of the app hold a JobPlatform (default: the one that does)')
    .option('--verbose', 'also print what the handlers log (always written to .local/logs/<stack>.log)')
    .addOption(new Option('--region <region>', 'region of the local stack').env('AWS_REGION').default('us-east-1'))
    .option('--no-progress', 'no progress bar during a simulation')
    .option('--no-cache', 'synthesize the app even when no project file changed since the last run')
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk-jobs dev                   # follow the real clock until Ctrl-C\n' +
        '  npx cdk-jobs dev --until 7d        # a simulated week, as fast as the jobs allow; then, for 30 minutes:\n' +
        '  npx cdk-jobs history <job>         #   what the simulated week did (also list, failures)\n' +
        '  npx cdk-jobs dev --stop            # stop the kept emulator now\n' +
        '  npx cdk-jobs dev --until 2026-11-02T12:00:00Z --from 2026-10-31T00:00:00Z --json --keep 0',
    )
    .action(async (options: DevCommandOptions) => {
      if (options.stop) {
        const lines = await stopKept(localDir());
        process.stdout.write(`${lines.length > 0 ? lines.join('\n') : 'no emulator is kept: nothing to stop'}\n`);
        return;
      }
      // Checked before anything starts (a bad value is bad usage).
      parseKeep(options.keep);
      const controller = new AbortController();
      let interruptedAt = 0;
      const interrupt = () => {
        // One Ctrl-C can arrive twice (from the terminal and relayed by a wrapper such as tsx).
        if (controller.signal.aborted) {
          if (Date.now() - interruptedAt > 1000) process.exit(130);
          return;
        }
        interruptedAt = Date.now();
        process.stderr.write('\nstopping (Ctrl-C again to force)...\n');
        controller.abort();
      };
      process.on('SIGINT', interrupt);
      process.on('SIGTERM', interrupt);
      try {
        const result = await runDev({
          until: options.until,
          from: options.from,
          json: options.json,
          seed: options.seed,
          iam: options.iam,
          endpoint: options.endpoint,
          app: options.app,
          stack: options.stack,
          verbose: options.verbose,
          region: options.region,
          progress: options.progress,
          cache: options.cache,
          watchdogEvery: options.watchdogEvery,
          ...(options.until !== undefined ? { keep: options.keep } : {}),
          signal: controller.signal,
        });
        process.exitCode = controller.signal.aborted ? 130 : result.exitCode;
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      }
    });
}
