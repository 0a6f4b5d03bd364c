#!/usr/bin/env node
/**
 * The `cdk-jobs` CLI. The commands live in `tools/cli/` (one module each); this file only runs them.
 */
import { runCli } from '../tools/cli/commands/program';

// `cdk-jobs list | head`: the reader went away; stop quietly like other command-line tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then((code) => {
  // `cdk-jobs dev` sets process.exitCode itself; a command's own code wins when it is not 0.
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
});
