/**
 * The CLI's own help: `svd --version` is package.json's version, `svd help` lists every command,
 * and `svd help CMD` prints exactly what `svd CMD --help` does, for every command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, svd } from './helpers/cli.js';

const COMMANDS = ['run', 'validate', 'resume', 'eval', 'export', 'sweep', 'diff', 'ls', 'report', 'init'];

test('svd --version, -V and version print the package version', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V', 'version']) {
    const r = svd([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `svd ${version}\n`);
  }
});

test('svd help lists every command; svd help CMD is svd CMD --help', () => {
  const all = svd(['help']);
  assert.equal(all.status, 0, all.stderr);
  for (const name of COMMANDS) assert.match(all.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
  for (const name of COMMANDS) {
    const help = svd(['help', name]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: svd ${name}`));
    assert.equal(help.stdout, svd([name, '--help']).stdout);
  }
});

test('every command\'s --help is complete: each option it accepts, and an example', () => {
  for (const name of COMMANDS) {
    const help = svd([name, '--help']).stdout;
    // An unknown option that resembles none is answered with the list of the command's options.
    const listed = svd([name, '--qqqqqqqq']);
    assert.equal(listed.status, 2, listed.stderr);
    const options = /the options are ([^\n]+)/.exec(listed.stderr)?.[1].split(', ') ?? [];
    for (const option of options) assert.ok(help.includes(option), `svd ${name} --help names ${option}`);
    assert.match(help, /^examples?:\n {2}svd /m, `svd ${name} --help gives an example`);
  }
});
