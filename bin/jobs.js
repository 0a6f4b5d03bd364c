#!/usr/bin/env node
// Entry point of the `jobs` command (package.json "bin"). In this repository it runs the
// TypeScript source through tsx; an installed package runs the compiled dist/ build.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, 'jobs.ts');
const built = join(__dirname, '..', 'dist', 'bin', 'jobs.js');
let tsx = false;
try {
  require.resolve('tsx/cjs');
  tsx = existsSync(source);
} catch {
  tsx = false;
}
if (tsx) {
  require('tsx/cjs');
  require(source);
} else {
  require(built);
}
