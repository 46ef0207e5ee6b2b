/**
 * The exit-code table of docs/cli.md (the command-line reference the README links to): its codes are exactly the ones svd uses (errors.ts ExitCode and 0),
 * every code the bad-input table expects is in it, and the example of each row that is a
 * command is run and exits with that row's code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, svd } from './helpers/cli.js';
import { BAD_INPUTS } from './fixtures/bad-inputs.js';

/** The rows of the table under "Exit codes": [code, example]. */
function exitTable(): Array<[number, string]> {
  const readme = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
  const start = readme.indexOf('| exit | meaning | example |');
  assert.ok(start >= 0, 'docs/cli.md has the exit-code table');
  const rows = readme.slice(start).split('\n').slice(2);
  const table: Array<[number, string]> = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split('|').map((c) => c.trim());
    table.push([Number(cells[1]), cells[3]]);
  }
  return table;
}

test('the exit-code table lists the codes svd uses, and every bad-input code', () => {
  const codes = new Set(exitTable().map(([code]) => code));
  assert.deepEqual([...codes].sort((a, b) => a - b), [0, 1, 2, 130, 143]);
  for (const c of BAD_INPUTS) assert.ok(codes.has(c.exit), `${c.name}: exit ${c.exit} is not in the table`);
});

test('each command example of the exit-code table exits with its row\'s code', () => {
  const commands = exitTable().filter(([, example]) => /^`svd [^`]+`$/.test(example));
  assert.ok(commands.length >= 3);
  for (const [code, example] of commands) {
    const r = svd(example.slice(5, -1).split(' '), 60_000);
    assert.equal(r.status, code, `${example}: exit ${r.status}\n${r.stderr}`);
    if (code !== 0) assert.doesNotMatch(r.stderr, /unexpected error|^\s+at /m, example);
  }
});
