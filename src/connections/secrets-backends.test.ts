import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import { openStore } from '../store/open-store.js';
import { Connection } from './connection.js';
import { ConnectionRepository, VariableRepository } from './repositories.js';
import { SecretCipher, generateKey } from './secret-cipher.js';
import {
  EnvSecretsBackend, FileSecretsBackend, MetastoreSecretsBackend, SecretsChain, buildSecretsChain, type SecretsBackend,
} from './secrets-backends.js';

describe('EnvSecretsBackend', () => {
  it('reads UPDRAFT_CONN_<ID upper-cased> as a URI or as JSON, and UPDRAFT_VAR_<KEY upper-cased>', async () => {
    const env = {
      UPDRAFT_CONN_POSTGRES_TEST: 'postgresql://user:pw%21@db.example.com:5432/analytics',
      UPDRAFT_CONN_MY_API: ' {"conn_type": "http", "host": "api.example.com", "password": "t0ken", "extra": {"timeout": 5}} ',
      UPDRAFT_CONN_EMPTY: '  ',
      UPDRAFT_VAR_BUCKET: 'my-bucket',
      UPDRAFT_VAR_BLANK: '',
    };
    const backend = new EnvSecretsBackend(env);
    const pg = await backend.getConnection('postgres_test');
    assert.deepEqual(pg?.toObject(), { connId: 'postgres_test', connType: 'postgres', host: 'db.example.com', schema: 'analytics', login: 'user',
      password: 'pw!', port: 5432, extra: {} });
    const api = await backend.getConnection('my_api');
    assert.deepEqual([api?.connType, api?.host, api?.password, api?.extra], ['http', 'api.example.com', 't0ken', { timeout: 5 }]);
    assert.equal(await backend.getConnection('empty'), null, 'an empty value is unset');
    assert.equal(await backend.getConnection('missing'), null);
    assert.equal(await backend.getVariable('bucket'), 'my-bucket');
    assert.equal(await backend.getVariable('Bucket'), 'my-bucket');
    assert.equal(await backend.getVariable('blank'), '');
    assert.equal(await backend.getVariable('missing'), null);
  });

  it('reads the environment at lookup time', async () => {
    const env: NodeJS.ProcessEnv = {};
    const backend = new EnvSecretsBackend(env);
    assert.equal(await backend.getVariable('later'), null);
    env.UPDRAFT_VAR_LATER = 'now';
    assert.equal(await backend.getVariable('later'), 'now');
  });

  it('names the variable of a malformed connection, with the password masked', async () => {
    const backend = new EnvSecretsBackend({ UPDRAFT_CONN_BROKEN: 'postgresql://user:hunter22@db:port/x' });
    await assert.rejects(backend.getConnection('broken'), (error) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID'));
      assert.match(error.message, /^environment variable UPDRAFT_CONN_BROKEN: /);
      assert.ok(!error.message.includes('hunter22'), error.message);
      return true;
    });
  });
});

describe('FileSecretsBackend', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'updraft-secrets-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads connections (URI, JSON text or object) and variables from a JSON file', async () => {
    const path = join(dir, 'secrets.json');
    writeFileSync(path, JSON.stringify({
      connections: {
        pg: 'postgresql://u:p@db/x',
        api: '{"conn_type": "http", "host": "h"}',
        s3: { conn_type: 'aws', login: 'KEY', password: 'SECRET', extra: { region_name: 'ap-northeast-2' } },
        legacy: { conn_type: 'http', extra_dejson: { a: 'b' } },
      },
      variables: { bucket: 'b', config: { retries: 3 } },
    }));
    const backend = new FileSecretsBackend(path);
    assert.equal((await backend.getConnection('pg'))?.connType, 'postgres');
    assert.equal((await backend.getConnection('api'))?.host, 'h');
    const s3 = await backend.getConnection('s3');
    assert.deepEqual([s3?.login, s3?.password, s3?.extra], ['KEY', 'SECRET', { region_name: 'ap-northeast-2' }]);
    assert.deepEqual((await backend.getConnection('legacy'))?.extra, { a: 'b' });
    assert.equal(await backend.getConnection('PG'), null, 'ids are matched as written');
    assert.equal(await backend.getVariable('bucket'), 'b');
    assert.equal(await backend.getVariable('config'), '{"retries":3}');
    assert.equal(await backend.getVariable('missing'), null);
  });

  it('reads a .env file of UPDRAFT_CONN_ / UPDRAFT_VAR_ lines, looked up as the environment is', async () => {
    const path = join(dir, 'secrets.env');
    writeFileSync(path, [
      '# connections', 'UPDRAFT_CONN_PG=postgresql://u:p@db/x', 'export UPDRAFT_CONN_API=\'{"conn_type": "http", "host": "h"}\'',
      '', 'UPDRAFT_VAR_GREETING="hello\\nworld"',
    ].join('\n'));
    const backend = new FileSecretsBackend(path);
    assert.equal((await backend.getConnection('pg'))?.schema, 'x');
    assert.equal((await backend.getConnection('api'))?.host, 'h');
    assert.equal(await backend.getVariable('greeting'), 'hello\nworld');
  });

  it('reports a missing, malformed or YAML file as a configuration error naming the file', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"connections": ');
    const wrongShape = join(dir, 'shape.json');
    writeFileSync(wrongShape, '{"conections": {}}');
    const badEnv = join(dir, 'bad.env');
    writeFileSync(badEnv, 'SOMETHING=else\n');
    for (const [path, pattern] of [
      [join(dir, 'missing.json'), /does not exist/],
      [broken, /is not valid JSON/],
      [wrongShape, /unknown top-level keys "conections"/],
      [badEnv, /line 1 is not NAME=value/],
      [join(dir, 'secrets.yaml'), /YAML/],
    ] as const) {
      await assert.rejects(new FileSecretsBackend(path).getVariable('x'), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONFIG'), String(error));
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, pattern);
        return true;
      });
    }
  });

  it('names the file and connection of a malformed connection', async () => {
    const path = join(dir, 'bad-conn.json');
    writeFileSync(path, JSON.stringify({ connections: { c: { conn_type: 'x', port: 'abc' }, n: 42 } }));
    await assert.rejects(new FileSecretsBackend(path).getConnection('c'), /secrets file .*bad-conn.json, connection "c": .*port/);
    await assert.rejects(new FileSecretsBackend(path).getConnection('n'), /must be a URI string or a JSON object/);
  });
});

describe('SecretsChain', () => {
  let store: MetadataStore;
  let connections: ConnectionRepository;
  let variables: VariableRepository;
  before(async () => {
    store = await openStore('sqlite::memory:');
    await store.migrate();
    const cipher = SecretCipher.fromConfig(generateKey());
    connections = new ConnectionRepository(store, cipher);
    variables = new VariableRepository(store, cipher);
    await connections.set(Connection.fromUri('shared', 'postgresql://db_user:db_pw@from-db/x'));
    await connections.set(Connection.fromUri('only_db', 'postgresql://db_user:db_pw@only-db/x'));
    await variables.set('shared', 'from the database');
  });
  after(() => store.close());

  const env = { UPDRAFT_CONN_SHARED: 'postgresql://env_user:env_pw@from-env/x', UPDRAFT_VAR_SHARED: 'from the environment' };

  it('looks in env before the metastore by default, falling through to the next backend', async () => {
    const chain = buildSecretsChain(['env', 'metastore'], { env, connections, variables });
    assert.equal((await chain.getConnection('shared')).host, 'from-env');
    assert.equal((await chain.getConnection('only_db')).host, 'only-db');
    assert.equal(await chain.getVariable('shared'), 'from the environment');
    assert.equal(await chain.findConnection('nowhere'), null);
    assert.equal(await chain.getVariable('nowhere'), null);
  });

  it('follows the configured order', async () => {
    const chain = buildSecretsChain(['metastore', 'env'], { env, connections, variables });
    assert.equal((await chain.getConnection('shared')).host, 'from-db');
    assert.equal(await chain.getVariable('shared'), 'from the database');
    const envOnly = buildSecretsChain([' ENV '], { env, connections, variables });
    assert.equal(await envOnly.findConnection('only_db'), null);
  });

  it('includes the file backend when named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-chain-'));
    try {
      const filePath = join(dir, 's.json');
      writeFileSync(filePath, JSON.stringify({ connections: { shared: 'http://from-file' }, variables: { shared: 'from the file' } }));
      const chain = buildSecretsChain(['file', 'env', 'metastore'], { env, connections, variables, filePath });
      assert.equal((await chain.getConnection('shared')).host, 'from-file');
      assert.equal(await chain.getVariable('shared'), 'from the file');
      assert.deepEqual(chain.backends.map((backend) => backend.name), ['file', 'env', 'metastore']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which backends it looked in when a connection is not defined', async () => {
    const chain = buildSecretsChain(['env', 'metastore'], { env, connections, variables });
    await assert.rejects(chain.getConnection('nowhere'), (error) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_NOT_FOUND'));
      assert.match(error.message, /connection "nowhere" is not defined; looked in env \(UPDRAFT_CONN_NOWHERE\), metastore \(the metadata database\)/);
      return true;
    });
    await assert.rejects(chain.getConnection('bad id'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID'));
  });

  it('fails the lookup when a backend fails, rather than falling through to another definition', async () => {
    const chain = buildSecretsChain(['env', 'metastore'], { env: { UPDRAFT_CONN_SHARED: 'postgres://u:p@h:bad/x' }, connections, variables });
    await assert.rejects(chain.getConnection('shared'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID'));
  });

  it('accepts any SecretsBackend', async () => {
    const custom: SecretsBackend = {
      name: 'vault',
      getConnection: async (connId) => (connId === 'v' ? new Connection({ connId, host: 'vault-host' }) : null),
      getVariable: async () => null,
    };
    const chain = new SecretsChain([custom, new MetastoreSecretsBackend(connections, variables)]);
    assert.equal((await chain.getConnection('v')).host, 'vault-host');
    assert.equal((await chain.getConnection('only_db')).host, 'only-db');
    await assert.rejects(chain.getConnection('zzz'), /looked in vault, metastore/);
  });

  it('rejects unknown, repeated and unusable backend names with a config error listing env, metastore, file', () => {
    for (const [names, pattern] of [
      [['env', 'vault'], /unknown backend "vault"; allowed: env, metastore, file/],
      [['metastor'], /did you mean "metastore"/],
      [['env', 'env'], /lists "env" twice/],
      [[], /is empty/],
      [['file'], /file_path is not set/],
    ] as const) {
      assert.throws(() => buildSecretsChain([...names], { env, connections, variables }), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONFIG'), String(error));
        assert.match(error.message, pattern);
        return true;
      });
    }
  });
});
