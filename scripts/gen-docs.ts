// Regenerates docs/configuration.md and docs/errors.md, and the connection types section of
// docs/connections.md, from the code that defines them (src/config/schema.ts, src/common/errors.ts,
// src/connections/connection-types.ts). `npm run docs`; a test fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigurationDoc, renderConnectionsDoc, renderErrorsDoc } from '../src/cli/reference-docs.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
const connectionsDoc = new URL('../docs/connections.md', import.meta.url);
writeFileSync(connectionsDoc, renderConnectionsDoc(readFileSync(connectionsDoc, 'utf8')));
