#!/usr/bin/env node
'use strict';
// Thin launcher: the command line is compiled TypeScript in dist/ (built by `npm ci` via "prepare").
const path = require('node:path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'src', 'cli.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('gatewatch: not built yet; run "npm run build" in ' + path.join(__dirname, '..') + '\n');
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
