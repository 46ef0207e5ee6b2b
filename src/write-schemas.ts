/**
 * Writes schemas/config.schema.json: the config schema composed from the registries (run as
 * `node dist/src/config/write-schemas.js`, or `npm run schemas`). A test checks the committed
 * file equals a freshly composed one, so rerun this after adding a layer, dataset or optimizer.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaJson } from './experiment/config-schema.js';

/** schemas/config.schema.json at the package root (this file runs from dist/src/). */
const target = fileURLToPath(new URL('../../schemas/config.schema.json', import.meta.url));
writeFileSync(target, schemaJson());
console.log(`wrote ${target}`);
