/**
 * Every config in test/fixtures/bad/ must fail with the problem its first line announces
 * (`# expect: [FILE:]LINE: SUBSTRING`, FILE relative to the fixture, default the fixture itself);
 * every config in test/fixtures/good/ and configs/ must load without problems.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { FIXTURES, ROOT, loadErrors } from './config-support.js';

/** The `.yaml` files directly in `dir` (sorted), as full paths. */
function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

/** The expectation on the first line of a bad fixture. */
function expectation(file: string): { file: string; line: number; text: string } {
  const first = readFileSync(file, 'utf8').split('\n')[0];
  const match = /^# expect: (?:(\S+?):)?(\d+): (.+)$/.exec(first);
  assert.ok(match, `${file}: first line must be '# expect: [FILE:]LINE: SUBSTRING', got '${first}'`);
  return { file: match[1] ? path.join(path.dirname(file), match[1]) : file, line: Number(match[2]), text: match[3] };
}

const bad = yamlFiles(path.join(FIXTURES, 'bad'));

test('there are at least 20 bad fixtures', () => {
  assert.ok(bad.length >= 20, `only ${bad.length}`);
});

for (const file of bad) {
  test(`bad fixture ${path.basename(file)} fails where it says`, async () => {
    const expected = expectation(file);
    const errors = await loadErrors(file);
    const lines = errors.map((e) => e.format()).join('\n');
    const hit = errors.find((e) => e.location.file === expected.file && e.location.line === expected.line && e.format().includes(expected.text));
    assert.ok(hit, `expected ${expected.file}:${expected.line}: ...${expected.text}...\ngot:\n${lines}`);
    for (const e of errors) assert.ok(e.location.file, `unlocated problem: ${e.format()}`);
  });
}

for (const file of [...yamlFiles(path.join(FIXTURES, 'good')), ...yamlFiles(path.join(ROOT, 'configs'))]) {
  test(`good config ${path.relative(ROOT, file)} loads`, async () => {
    const loaded = await loadConfig(file);
    assert.equal(loaded.files[0], file);
    assert.ok(loaded.config.model.layers.length > 0);
  });
}
