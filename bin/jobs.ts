#!/usr/bin/env node
/**
 * The `jobs` CLI. The commands live in `lib/cli/` (one module each); this file only runs them.
 */
import { runCli } from '../lib/cli/program';

runCli(process.argv.slice(2)).then((code) => {
  // `jobs dev` sets process.exitCode itself; a command's own code wins when it is not 0.
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
});
