import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import { postgresClientConfig } from './postgres-config.js';

function logger(): TaskLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

test('connection fields and Airflow extras become pg client options; unknown extras are ignored with a debug line', () => {
  const log = logger();
  const config = postgresClientConfig({
    connId: 'pg', host: 'db.example', port: 6543, login: 'me', password: 'pw', schema: 'analytics',
    extra: { application_name: 'etl', connect_timeout: '7', options: '-c search_path=x', keepalives_idle: '30', sslmode: 'disable', cursor: 'dictcursor' },
  }, { log });
  assert.deepEqual(config, {
    host: 'db.example', port: 6543, user: 'me', password: 'pw', database: 'analytics', ssl: false, application_name: 'etl',
    connectionTimeoutMillis: 7000, options: '-c search_path=x', keepAlive: true, keepAliveInitialDelayMillis: 30_000,
  });
  assert.ok(log.lines.some((l) => l.includes('"cursor"') && l.includes('ignored')));
  assert.equal(postgresClientConfig({ extra: { options: '-c a=b' } }, { options: '-c c=d', log }).options, '-c c=d', 'the hook option wins');
});

test('sslmode: require without verification, verify-full with the root certificate; bad values are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-pgssl-'));
  writeFileSync(join(dir, 'ca.pem'), 'CA');
  const log = logger();
  assert.deepEqual(postgresClientConfig({ extra: { sslmode: 'require' } }, { log }).ssl, { rejectUnauthorized: false });
  const full = postgresClientConfig({ extra: { sslmode: 'verify-full', sslrootcert: join(dir, 'ca.pem') } }, { log }).ssl as { ca: Buffer; rejectUnauthorized: boolean };
  assert.equal(full.ca.toString(), 'CA');
  assert.equal(full.rejectUnauthorized, true);
  assert.equal(postgresClientConfig({ extra: { sslmode: 'prefer' } }, { log }).ssl, false);
  assert.throws(() => postgresClientConfig({ connId: 'x', extra: { sslmode: 'sometimes' } }, { log }), (e: unknown) =>
    isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID') && e.message.includes('"sometimes"') && e.message.includes('verify-full'));
  assert.throws(() => postgresClientConfig({ connId: 'x', extra: { sslcert: join(dir, 'missing.pem') } }, { log }), (e: unknown) =>
    isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID') && e.message.includes('missing.pem'));
  assert.throws(() => postgresClientConfig({ connId: 'x', extra: { connect_timeout: 'soon' } }, { log }), /connect_timeout="soon"/);
});
