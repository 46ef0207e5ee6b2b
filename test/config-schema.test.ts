/**
 * The composed schemas: their registry-driven enums match the registries, and the committed
 * schemas/config.schema.json and schemas/sweep.schema.json are exactly the freshly composed ones
 * (rerun `npm run schemas`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { composeSchema, schemaJson } from '../src/experiment/load-config.js';
import { createAjv } from '../src/config/validate.js';
import { BACKENDS, DATASETS, EXECUTORS, KL_SCHEDULES, LAYERS, LR_SCHEDULES, OPTIMIZERS } from '../src/registries.js';
import { composeSweepSchema, sweepSchemaJson } from '../src/sweep/sweep-schema.js';
import { ROOT } from './config-support.js';

type Node = { [k: string]: Node } & { enum?: string[]; allOf?: Node[] };

test('schemas/config.schema.json equals the composed schema', () => {
  const committed = readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8');
  assert.equal(committed, schemaJson(), 'schemas/config.schema.json is stale: run `npm run schemas`');
});

test('every type enum is its registry, with one if/then clause per entry', () => {
  const s = composeSchema() as unknown as Node;
  const layerItems = s.properties.model.properties.layers.items;
  assert.deepEqual(layerItems.properties.type.enum, LAYERS.names());
  assert.deepEqual(layerItems.allOf?.map((c) => c.if.properties.type.const), LAYERS.names());
  assert.deepEqual(s.properties.data.properties.dataset.enum, DATASETS.names());
  assert.deepEqual(s.properties.optimizer.properties.type.enum, OPTIMIZERS.names());
  assert.equal(s.properties.optimizer.allOf?.length, OPTIMIZERS.names().length);
  assert.deepEqual(s.properties.optimizer.properties.schedule.properties.type.enum, LR_SCHEDULES.names());
  assert.deepEqual(s.properties.kl.properties.schedule.enum, KL_SCHEDULES.names());
  assert.deepEqual(s.properties.backend.enum, ['auto', ...BACKENDS.names()]);
});

test('schemas/sweep.schema.json equals the composed sweep schema; its executor enum is the executor registry', () => {
  const committed = readFileSync(path.join(ROOT, 'schemas', 'sweep.schema.json'), 'utf8');
  assert.equal(committed, sweepSchemaJson(), 'schemas/sweep.schema.json is stale: run `npm run schemas`');
  const executor = (composeSweepSchema() as unknown as Node).properties.executor;
  assert.deepEqual(executor.properties.type.enum, EXECUTORS.names());
  assert.deepEqual(executor.allOf?.map((c) => c.if.properties.type.const), EXECUTORS.names());
  assert.doesNotThrow(() => createAjv().compile(composeSweepSchema()));
});

test('every layer type has its own keys in its clause, besides type and name', () => {
  const s = composeSchema() as unknown as Node;
  const clauses = s.properties.model.properties.layers.items.allOf ?? [];
  for (const [i, [name, entry]] of LAYERS.list().entries()) {
    assert.deepEqual(Object.keys(clauses[i].then.properties), ['type', 'name', ...Object.keys(entry.schema.properties)], name);
  }
});

test('the schema compiles in strict mode and documents every key outside registry fragments', () => {
  const schema = composeSchema();
  assert.doesNotThrow(() => createAjv().compile(schema));
  const undocumented: string[] = [];
  const visit = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const props = (node as { properties?: Record<string, unknown> }).properties ?? {};
    for (const [key, sub] of Object.entries(props)) {
      if (typeof sub === 'object' && sub !== null && !('description' in sub)) undocumented.push(`${where}.${key}`);
    }
    // `if` only selects a clause; `then` holds registry fragments, documented by their owners.
    for (const [k, v] of Object.entries(node)) if (k !== 'if' && k !== 'then') visit(v, `${where}/${k}`);
  };
  visit(schema, '#');
  assert.deepEqual(undocumented, []);
});
