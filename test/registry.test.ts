/**
 * The generic registry: lookups, unknown names, duplicate registrations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../src/registry.js';
import { SvdError } from '../src/errors.js';

test('unknown names list the known ones; duplicates name the first registration', () => {
  const r = new Registry<number>('widget');
  r.register('a', 1, 'mod-a');
  r.register('b', 2, 'mod-b');
  assert.equal(r.get('b'), 2);
  assert.deepEqual(r.names(), ['a', 'b']);
  assert.throws(() => r.get('c'), (e: unknown) => e instanceof SvdError && e.code === 'E_REGISTRY_UNKNOWN' && /unknown widget 'c'; known: a, b/.test(e.message));
  assert.throws(() => r.register('a', 3, 'mod-x'), (e: unknown) => e instanceof SvdError && e.code === 'E_REGISTRY_DUPLICATE' && /by mod-a/.test(e.message) && /from mod-x/.test(e.message));
});
