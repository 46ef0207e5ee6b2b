/**
 * Property test (fast-check): random mutations of the shipped configs/*.yaml (delete a key, give
 * a value another type, insert unknown keys, swap numbers for strings, duplicate or drop lines,
 * truncate the text, splice in random bytes) fed to the config loader in process. Every mutant is
 * either accepted or rejected with SvdErrors whose every problem names the file, and the line
 * wherever the problem is about the file's content; never another exception. The seed is fixed,
 * so every run (CI included) tries the same mutants and a failure replays as it is;
 * SVD_FUZZ_SEED=N tries others (`random` draws one), and the seed in use is printed. The run
 * count is bounded so the test takes a few seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/experiment/load-config.js';
import { SvdErrors } from '../src/errors.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CONFIGS = fs.readdirSync(path.join(ROOT, 'configs')).filter((f) => f.endsWith('.yaml')).sort();
const RUNS = Number(process.env.SVD_FUZZ_RUNS ?? 300);
/** The seed of every run unless SVD_FUZZ_SEED says otherwise. */
const DEFAULT_SEED = 20261202;

/** Every path to a value in `v` (keys and list indices). */
function pathsOf(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (v === null || typeof v !== 'object') return [prefix];
  const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => pathsOf(x, [...prefix, k]))];
}
function parentAndKey(root: unknown, p: Array<string | number>): [Record<string | number, unknown>, string | number] | null {
  if (p.length === 0) return null;
  let node = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  return [node, p[p.length - 1]];
}

/** A value of some JSON/YAML type, including the awkward ones. */
const anyValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2, '', 'NaN', '.inf', '3', 'yes', '~', [], {}),
  fc.double(), fc.integer(), fc.string({ maxLength: 12 }), fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 2 }),
);

/** A mutation of a config's text, named for the counterexample report. */
type Mutation = (text: string) => string;
const named = (name: string, m: Mutation): Mutation => Object.assign(m, { [fc.toStringMethod]: () => name });
/**
 * A mutation of the parsed config (on the text as it is when applied; left as is when that no
 * longer parses), written back as YAML; `pick` chooses one of the value's paths.
 */
const structural = (what: string, edit: (doc: unknown, p: Array<string | number>, value: unknown) => void) =>
  fc.tuple(fc.nat(), anyValue).map(([pick, value]) => named(`${what} (pick ${pick}, value ${JSON.stringify(value)})`, (text) => {
    let doc: unknown;
    try {
      doc = parse(text) as unknown;
    } catch {
      return text;
    }
    const paths = pathsOf(doc);
    edit(doc, paths[pick % paths.length], value);
    return stringify(doc);
  }));
const lines = (what: string, edit: (ls: string[], at: number, extra: string) => void) =>
  fc.tuple(fc.nat(), fc.string({ maxLength: 20 })).map(([at, extra]) => named(`${what} (line ${at}, ${JSON.stringify(extra)})`, (text) => {
    const ls = text.split('\n');
    edit(ls, at % ls.length, extra);
    return ls.join('\n');
  }));

const MUTATIONS: fc.Arbitrary<Mutation> = fc.oneof(
  structural('delete a key or list item', (doc, p) => {
    const pk = parentAndKey(doc, p);
    if (!pk) return;
    if (Array.isArray(pk[0])) (pk[0] as unknown[]).splice(pk[1] as number, 1);
    else delete pk[0][pk[1]];
  }),
  structural('replace a value', (doc, p, value) => {
    const pk = parentAndKey(doc, p);
    if (pk) pk[0][pk[1]] = value;
  }),
  structural('insert an unknown key', (doc, p, value) => {
    const pk = parentAndKey(doc, p);
    const target = pk ? pk[0] : (doc as Record<string, unknown>);
    if (target && typeof target === 'object' && !Array.isArray(target)) target[`unknownKey${p.length}`] = value;
  }),
  fc.tuple(fc.nat(), fc.boolean()).map(([pick, quote]) => named(`number ${pick} to a string`, (text) => {
    const tokens = [...text.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
    if (tokens.length === 0) return text;
    const m = tokens[pick % tokens.length];
    return text.slice(0, m.index) + (quote ? `"${m[0]}"` : `${m[0]}x`) + text.slice(m.index! + m[0].length);
  })),
  lines('duplicate a line', (ls, at) => ls.splice(at, 0, ls[at])),
  lines('drop a line', (ls, at) => ls.splice(at, 1)),
  lines('insert random text', (ls, at, extra) => ls.splice(at, 0, extra)),
  lines('indent a line', (ls, at) => (ls[at] = '  ' + ls[at])),
  fc.nat().map((cut) => named(`truncate at ${cut}`, (text) => text.slice(0, cut % (text.length + 1)))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => named(`insert bytes ${Buffer.from(bytes).toString('hex')} at ${at}`, (text) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + Buffer.from(bytes).toString('latin1') + text.slice(i);
  })),
);

test(`random mutations of the shipped configs load or fail with located config errors (${RUNS} runs)`, async () => {
  const dir = tempDir('svd-fuzz-');
  for (const f of CONFIGS) fs.copyFileSync(path.join(ROOT, 'configs', f), path.join(dir, f));
  const asked = process.env.SVD_FUZZ_SEED;
  const seed = asked === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(asked ?? DEFAULT_SEED);
  assert.ok(Number.isInteger(seed), `SVD_FUZZ_SEED must be an integer or 'random', got '${asked}'`);
  console.log(`fuzz seed ${seed} (replay with SVD_FUZZ_SEED=${seed})`);
  let accepted = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...CONFIGS), fc.array(MUTATIONS, { minLength: 1, maxLength: 3 }), async (name, mutations) => {
      const original = fs.readFileSync(path.join(ROOT, 'configs', name), 'utf8');
      let text = original;
      for (const mutate of mutations) text = mutate(text);
      const file = path.join(dir, `mutant-${name}`);
      fs.writeFileSync(file, text);
      try {
        await loadConfig(file);
        accepted++;
      } catch (err) {
        assert.ok(err instanceof SvdErrors, `not a config error (${(err as Error)?.constructor?.name}): ${(err as Error)?.stack ?? String(err)}\n--- mutant:\n${text}`);
        for (const e of err.errors) {
          assert.ok(e.location.file, `a problem without its file: ${e.format()}\n--- mutant:\n${text}`);
          const wholeFile = /the file is empty/.test(e.message);
          if (['E_CONFIG_YAML', 'E_CONFIG_SCHEMA'].includes(e.code) && e.location.file === file && !wholeFile) {
            assert.ok(e.location.line, `a problem in the file without its line: ${e.format()}\n--- mutant:\n${text}`);
          }
          assert.doesNotMatch(e.message, /^\s+at /m, 'no stack trace in a message');
        }
        rejected++;
      }
    }),
    { seed, numRuns: RUNS },
  );
  console.log(`${accepted} mutants accepted, ${rejected} rejected with located errors`);
  assert.ok(rejected > RUNS / 4, 'the mutations do break configs');
});
