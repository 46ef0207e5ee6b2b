/**
 * Writes schemas/config.schema.json and schemas/sweep.schema.json: the schemas composed from the
 * registries (run as `node dist/src/write-schemas.js`, or `npm run schemas`). A test checks the
 * committed files equal freshly composed ones, so rerun this after adding a layer, dataset,
 * optimizer, schedule, backend or executor.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaJson } from './experiment/config-schema.js';
import { sweepSchemaJson } from './sweep/sweep-schema.js';

for (const [name, text] of [['config.schema.json', schemaJson()], ['sweep.schema.json', sweepSchemaJson()]]) {
  // schemas/ at the package root (this file runs from dist/src/).
  const target = fileURLToPath(new URL(`../../schemas/${name}`, import.meta.url));
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
