import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigurationDoc, renderConnectionsDoc, renderErrorsDoc } from './reference-docs.js';

test('docs/configuration.md documents every configuration key (run `npm run docs` after changing the schema)', () => {
  assert.equal(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8'), renderConfigurationDoc());
});

test('docs/errors.md documents every error code (run `npm run docs` after adding a code)', () => {
  assert.equal(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'), renderErrorsDoc());
});

test('docs/connections.md documents every connection type (run `npm run docs` after changing CONNECTION_TYPES)', () => {
  const current = readFileSync(new URL('../../docs/connections.md', import.meta.url), 'utf8');
  assert.equal(current, renderConnectionsDoc(current));
});
