#!/usr/bin/env node
// The `svd` command: runs the compiled CLI (built by `npm install` through the prepare script).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).then((code) => { process.exitCode = code; });
