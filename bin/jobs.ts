#!/usr/bin/env node
/**
 * The `jobs` CLI. Each command lives in its own module under `lib/cli/`; this file only wires them.
 */
import { Command } from 'commander';
import { devCommand } from '../lib/cli/dev';

const program = new Command('jobs')
  .description('Run and operate cdk-scheduled-jobs: locally (jobs dev) or in AWS')
  .showHelpAfterError()
  .addCommand(devCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  const e = error as Error;
  process.stderr.write(`jobs: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}\n`);
  if (process.env.JOBS_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
});
