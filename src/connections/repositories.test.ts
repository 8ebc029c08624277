import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { postgresService, type CreatedDatabase } from '../../test/support/services.js';
import { isUpdraftError } from '../common/errors.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import { openStore } from '../store/open-store.js';
import { Connection } from './connection.js';
import { ConnectionRepository, VariableRepository } from './repositories.js';
import { SecretCipher, generateKey } from './secret-cipher.js';

const run = promisify(execFile);

// Distinctive plaintexts: none of them may appear in a stored row, a database file or a dump.
const PASSWORD = 'Pl41ntext-P@ssw0rd/한글';
const EXTRA_SECRET = 'extra-s3cret-value-xyz';
const EXTRA_PLAIN = 'plain-extra-region-abc';
const VARIABLE_VALUE = 'variable-s3cret-value-qrs';
const PLAINTEXTS = [PASSWORD, encodeURIComponent(PASSWORD), EXTRA_SECRET, EXTRA_PLAIN, VARIABLE_VALUE];

function sampleConnection(): Connection {
  return new Connection({
    connId: 'postgres_test', connType: 'postgres', description: 'analytics', host: 'db.example.com', schema: 'analytics', login: 'etl',
    password: PASSWORD, port: 5432, extra: { sslmode: 'require', api_token: EXTRA_SECRET, region: EXTRA_PLAIN },
  });
}

function assertNoPlaintext(text: string, where: string): void {
  for (const plain of PLAINTEXTS) assert.ok(!text.includes(plain), `${where} contains the plaintext ${JSON.stringify(plain)}`);
}

/** The same checks against any store: the repositories encrypt what the store keeps. */
function repositorySuite(storeOf: () => MetadataStore): void {
  let cipher: SecretCipher;
  let key: string;
  before(() => {
    key = generateKey();
    cipher = SecretCipher.fromConfig(key);
  });

  it('stores a connection with the password and extra encrypted, and reads it back whole', async () => {
    const store = storeOf();
    const repo = new ConnectionRepository(store, cipher);
    const conn = sampleConnection();
    await repo.set(conn);
    const row = await store.getConnection('postgres_test');
    assert.ok(row !== null);
    assert.equal(row.isEncrypted, true);
    assert.equal(row.isExtraEncrypted, true);
    assert.ok(cipher.isEncryptedToken(row.password!) && cipher.isEncryptedToken(row.extra!));
    assert.deepEqual([row.connType, row.host, row.schema, row.login, row.port, row.description],
      ['postgres', 'db.example.com', 'analytics', 'etl', 5432, 'analytics']);
    assertNoPlaintext(JSON.stringify(row), 'the raw connection row');
    assert.deepEqual((await repo.get('postgres_test'))?.toFields(), conn.toFields());
    assert.deepEqual((await repo.list()).map((c) => c.connId), ['postgres_test']);
  });

  it('stores no extra and no password as null, and a connection without a type', async () => {
    const store = storeOf();
    const repo = new ConnectionRepository(store, cipher);
    await repo.set(new Connection({ connId: 'bare', host: 'h' }));
    const row = await store.getConnection('bare');
    assert.deepEqual([row?.password, row?.extra, row?.isEncrypted, row?.isExtraEncrypted, row?.connType], [null, null, false, false, '']);
    assert.deepEqual((await repo.get('bare'))?.toFields(), new Connection({ connId: 'bare', host: 'h' }).toFields());
    assert.equal(await repo.delete('bare'), true);
    assert.equal(await repo.delete('bare'), false);
    assert.equal(await repo.get('bare'), null);
  });

  it('stores every variable value encrypted, keeping the description unless told otherwise', async () => {
    const store = storeOf();
    const repo = new VariableRepository(store, cipher);
    await repo.set('api_secret', VARIABLE_VALUE, 'the API secret');
    const row = await store.getVariable('api_secret');
    assert.ok(row !== null && row.isEncrypted && cipher.isEncryptedToken(row.value));
    assertNoPlaintext(JSON.stringify(row), 'the raw variable row');
    assert.equal(await repo.get('api_secret'), VARIABLE_VALUE);
    await repo.set('api_secret', VARIABLE_VALUE);
    assert.equal((await store.getVariable('api_secret'))?.description, 'the API secret');
    await repo.set('plain', '', null);
    assert.deepEqual(await repo.list(), [
      { key: 'api_secret', value: VARIABLE_VALUE, description: 'the API secret' },
      { key: 'plain', value: '', description: null },
    ]);
    assert.equal(await repo.delete('plain'), true);
    assert.equal(await repo.get('plain'), null);
    await assert.rejects(repo.set('', 'x'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
  });

  it('refuses to read with a key that does not match, naming what could not be decrypted', async () => {
    const store = storeOf();
    const wrong = SecretCipher.fromConfig(generateKey());
    await assert.rejects(new ConnectionRepository(store, wrong).get('postgres_test'), (error) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_SECRETS_KEY'), String(error));
      assert.match(error.message, /cannot decrypt the password of connection "postgres_test": the key does not match \(\[secrets\] encryption_key\)/);
      return true;
    });
    await assert.rejects(new VariableRepository(store, wrong).get('api_secret'), /cannot decrypt variable "api_secret": the key does not match/);
  });

  it('rotates every connection and variable to the first key, and encrypts rows stored in plaintext', async () => {
    const store = storeOf();
    await store.setVariable({ key: 'legacy', value: 'legacy-plain-value', description: null, isEncrypted: false });
    await store.setConnection({
      connId: 'legacy_conn', connType: 'http', description: null, host: 'h', schema: null, login: 'l', password: 'legacy-plain-pw', port: null,
      extra: '{"token": "legacy-plain-token"}', isEncrypted: false, isExtraEncrypted: false,
    });
    const legacy = await new ConnectionRepository(store, cipher).get('legacy_conn');
    assert.deepEqual([legacy?.password, legacy?.extra], ['legacy-plain-pw', { token: 'legacy-plain-token' }]);

    const newKey = generateKey();
    const rotating = SecretCipher.fromConfig(`${newKey},${key}`);
    const repo = new ConnectionRepository(store, rotating);
    assert.deepEqual(await repo.rotateKeys(), { connections: 2, variables: 2 });
    assert.deepEqual(await repo.rotateKeys(), { connections: 0, variables: 0 }, 'a second rotation has nothing to do');

    // Only the new key is needed now.
    const fresh = SecretCipher.fromConfig(newKey);
    assert.deepEqual((await new ConnectionRepository(store, fresh).get('postgres_test'))?.toFields(), sampleConnection().toFields());
    assert.equal((await new ConnectionRepository(store, fresh).get('legacy_conn'))?.password, 'legacy-plain-pw');
    assert.equal(await new VariableRepository(store, fresh).get('api_secret'), VARIABLE_VALUE);
    assert.equal(await new VariableRepository(store, fresh).get('legacy'), 'legacy-plain-value');
    await assert.rejects(new VariableRepository(store, cipher).get('api_secret'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SECRETS_KEY'));
    const rows = JSON.stringify([await store.listConnections(), await store.listVariables()]);
    for (const plain of ['legacy-plain-value', 'legacy-plain-pw', 'legacy-plain-token']) assert.ok(!rows.includes(plain), plain);
    key = newKey;
    cipher = fresh;
  });
}

describe('repositories on SQLite', () => {
  let dir: string;
  let store: MetadataStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'updraft-repos-'));
    store = await openStore(join(dir, 'updraft.db'));
    await store.migrate();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  repositorySuite(() => store);

  it('leaves no plaintext secret anywhere in the database files', async () => {
    await new ConnectionRepository(store, SecretCipher.fromConfig(generateKey()))
      .set(new Connection({ ...sampleConnection().toFields(), connId: 'written_last' }));
    await store.close();
    for (const file of ['updraft.db', 'updraft.db-wal']) {
      const path = join(dir, file);
      if (existsSync(path)) assertNoPlaintext(readFileSync(path).toString('latin1') + readFileSync(path).toString('utf8'), file);
    }
  });
});

const service = await postgresService();

if ('skip' in service) {
  describe('repositories on PostgreSQL', { skip: service.skip }, () => undefined);
} else {
  describe('repositories on PostgreSQL', () => {
    let database: CreatedDatabase;
    let store: MetadataStore;
    before(async () => {
      database = await service.createDatabase('updraft_connections');
      store = await openStore(database.url);
      await store.migrate();
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    repositorySuite(() => store);

    it('pg_dump of the database does not contain the plaintext secrets', async (t) => {
      await new ConnectionRepository(store, SecretCipher.fromConfig(generateKey()))
        .set(new Connection({ ...sampleConnection().toFields(), connId: 'dumped' }));
      let dump: string;
      try {
        dump = (await run('pg_dump', ['--data-only', '--no-owner', database.url], { maxBuffer: 64 * 1024 * 1024 })).stdout;
      } catch (error) {
        const message = (error as Error).message;
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || /server version mismatch/.test(message)) {
          t.skip(`pg_dump cannot dump this server: ${message.split('\n')[0]}`);
          return;
        }
        throw error;
      }
      assert.match(dump, /COPY .*connections/, 'the dump holds the connections table');
      assert.ok(dump.includes('dumped') && dump.includes('db.example.com'), 'the rows are in the dump');
      assertNoPlaintext(dump, 'pg_dump output');
    });
  });
}
