/**
 * Writes docs/topology.schema.json from the zod definition (`npm run schema`). A unit test
 * (shared/model/json-schema.test.ts) fails when the committed file differs, so run this after
 * every change to shared/model/topology.ts.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { topologyJsonSchema } from '../shared/model/json-schema';

const target = fileURLToPath(new URL('../docs/topology.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
