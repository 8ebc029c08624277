import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import { SecretMasker } from '../logs/secret-masker.js';
import { CONNECTION_TYPES } from './connection-types.js';
import { Connection, validateConnId } from './connection.js';

function rejectsInvalid(fn: () => unknown, pattern: RegExp, secret?: string): void {
  assert.throws(fn, (error) => {
    assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID'), String(error));
    assert.match(error.message, pattern);
    if (secret !== undefined) assert.ok(!error.message.includes(secret), `leaks the secret: ${error.message}`);
    return true;
  });
}

describe('validateConnId (Airflow 3 rule)', () => {
  it('accepts word characters and # ! ( ) - . : / \\, Unicode letters included', () => {
    for (const id of ['postgres_default', '12312312312213___12312321', 'a_-.11', 'my-conn.v2', 'a#b!(c):d/e\\f', '연결', 'x'.repeat(250)]) {
      assert.doesNotThrow(() => validateConnId(id), id);
    }
  });

  it('rejects other characters, empty and over-long ids, naming the id and what is allowed', () => {
    for (const [id, pattern] of [
      ['<script>alert(1)</script>', /"<", ">"/],
      ['a_valid_conn_id_!!$$%%', /"\$", "%"/],
      ['has space', /" "/],
      ['', /cannot be empty/],
      ['x'.repeat(251), /251 characters long/],
    ] as const) {
      assert.throws(() => validateConnId(id), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID'));
        assert.match(error.message, pattern);
        assert.match(error.message, /1 to 250 letters, digits and the characters _ # ! \( \) - \. : \/ \\/);
        return true;
      });
    }
    assert.throws(() => new Connection({ connId: 'bad id' }), (e) => isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID'));
  });
});

describe('new Connection(fields)', () => {
  it('defaults every field to null and extra to {}, and treats an empty password as none', () => {
    const conn = new Connection({ connId: 'c', password: '' });
    assert.deepEqual(conn.toObject(), { connId: 'c', connType: null, host: null, schema: null, login: null, password: null, port: null, extra: {} });
    assert.equal(conn.description, null);
  });

  it('takes extra as an object or as JSON text, and rejects anything but a JSON object without echoing it', () => {
    assert.deepEqual(new Connection({ connId: 'c', extra: '{"a": 1}' }).extra, { a: 1 });
    assert.deepEqual(new Connection({ connId: 'c', extra: { a: { b: 2 } } }).extra, { a: { b: 2 } });
    assert.deepEqual(new Connection({ connId: 'c', extra: null }).extra, {});
    rejectsInvalid(() => new Connection({ connId: 'c', extra: 'token=hunter22' }), /extra is not JSON/, 'hunter22');
    rejectsInvalid(() => new Connection({ connId: 'c', extra: '"hi"' }), /JSON string, not an object/);
    rejectsInvalid(() => new Connection({ connId: 'c', extra: '[1]' }), /JSON array, not an object/);
  });

  it('copies extra, so changing the given object does not change the connection', () => {
    const extra = { nested: { a: 1 } };
    const conn = new Connection({ connId: 'c', extra });
    extra.nested.a = 2;
    assert.equal((conn.extra.nested as { a: number }).a, 1);
  });

  it('keeps unknown connection types as given', () => {
    assert.equal(new Connection({ connId: 'c', connType: 'My-Custom_Type' }).connType, 'My-Custom_Type');
  });

  it('rejects ports that are not whole numbers from 0 to 65535', () => {
    for (const port of [-1, 65536, 1.5, Number.NaN]) rejectsInvalid(() => new Connection({ connId: 'c', port }), /not a whole number from 0 to 65535/);
    rejectsInvalid(() => new Connection({ connId: 'c', port: '5432' as unknown as number }), /port "5432"/);
  });

  it('hides the password and sensitive extras from console.log / util.inspect', () => {
    const text = inspect(new Connection({ connId: 'c', connType: 'http', password: 'hunter22', extra: { api_key: 'k3y-k3y', region: 'x' } }));
    assert.ok(!text.includes('hunter22') && !text.includes('k3y-k3y') && text.includes('"region":"x"'), text);
  });
});

describe('Connection.fromJson (Airflow JSON form)', () => {
  it('reads every field, normalising conn_type', () => {
    const conn = Connection.fromJson('c', {
      conn_type: 'postgresql', description: 'd', host: 'h', schema: 's', login: 'l', password: 'p', port: 5432, extra: { sslmode: 'require' },
    });
    assert.deepEqual(conn.toJson(), { conn_type: 'postgres', description: 'd', host: 'h', schema: 's', login: 'l', password: 'p', port: 5432,
      extra: { sslmode: 'require' } });
    assert.equal(Connection.fromJson('c', '{"conn_type": "abc-abc"}').connType, 'abc_abc');
    assert.equal(Connection.fromJson('c', '{"conn_type": "abc_abc"}').connType, 'abc_abc');
  });

  it('takes extra as an object or as a string holding one (test_from_json_extra)', () => {
    assert.deepEqual(Connection.fromJson('c', '{"extra": null}').extra, {});
    assert.deepEqual(Connection.fromJson('c', '{"extra": {"yo": "hi"}}').extra, { yo: 'hi' });
    assert.deepEqual(Connection.fromJson('c', '{"extra": "{\\"yo\\": \\"hi\\"}"}').extra, { yo: 'hi' });
    rejectsInvalid(() => Connection.fromJson('c', '{"extra": "not json"}'), /extra is not JSON/);
    rejectsInvalid(() => Connection.fromJson('c', '{"extra": [1]}'), /extra must be a JSON object/);
  });

  it('int-casts the port (test_from_json_port) and rejects what is not a port', () => {
    for (const [json, port] of [['{"port": 0}', 0], ['{"port": 1}', 1], ['{"port": "1"}', 1], ['{"port": "0"}', 0], ['{"port": ""}', null],
      ['{"port": null}', null], ['{}', null], ['{"port": " 5432 "}', 5432]] as const) {
      assert.equal(Connection.fromJson('c', json).port, port, json);
    }
    for (const json of ['{"port": -1}', '{"port": 65536}', '{"port": 1.5}', '{"port": "1.5"}', '{"port": "abc"}', '{"port": true}']) {
      rejectsInvalid(() => Connection.fromJson('c', json), /expected an integer value from 0 to 65535 for port/);
    }
  });

  it('keeps special characters in the password and turns an empty one into none (test_from_json_special_characters)', () => {
    assert.equal(Connection.fromJson('c', JSON.stringify({ password: 'pass :/!@#$%^&*(){}"' })).password, 'pass :/!@#$%^&*(){}"');
    assert.equal(Connection.fromJson('c', '{"password": null}').password, null);
    assert.equal(Connection.fromJson('c', '{"password": ""}').password, null);
  });

  it('rejects unknown keys, a different conn_id, non-objects and broken JSON without echoing it', () => {
    rejectsInvalid(() => Connection.fromJson('c', '{"hots": "h"}'), /unknown keys "hots"; allowed: conn_type, description, host/);
    rejectsInvalid(() => Connection.fromJson('c', '{"conn_id": "other"}'), /conn_id "other", which is not "c"/);
    assert.equal(Connection.fromJson('c', '{"conn_id": "c", "host": "h"}').host, 'h');
    rejectsInvalid(() => Connection.fromJson('c', '[1]'), /is array, not an object/);
    rejectsInvalid(() => Connection.fromJson('c', '{"password": "hunter22"'), /not valid JSON/, 'hunter22');
    rejectsInvalid(() => Connection.fromJson('c', '{"host": 5}'), /host must be a string or null, not number/);
  });

  it('round-trips through toJson (test_as_json_from_connection)', () => {
    const conns = [
      new Connection({ connId: 'c' }),
      new Connection({ connId: 'c', host: 'apache.org', extra: {} }),
      new Connection({ connId: 'c', connType: 'foo', login: '', password: 'p@$$' }),
      new Connection({ connId: 'c', connType: 'bar', description: 'Sample Description', host: 'example.org', login: 'user', password: 'p@$$',
        schema: 'schema', port: 777, extra: { foo: 'bar', answer: 42 } }),
      Connection.fromUri('c', 'aws://'),
    ];
    for (const conn of conns) {
      const json = JSON.stringify(conn.toJson());
      assert.deepEqual(Connection.fromJson('c', json).toFields(), conn.toFields(), json);
    }
    assert.deepEqual(Connection.fromUri('c', 'aws://').toJson(), {
      conn_type: 'aws', description: null, host: '', schema: '', login: null, password: null, port: null, extra: {},
    });
  });
});

describe('Connection.fromEnvValue', () => {
  it('reads JSON when the trimmed value starts with "{", a URI otherwise', () => {
    assert.equal(Connection.fromEnvValue('c', '  {"conn_type": "postgres", "host": "db"}\n').host, 'db');
    assert.equal(Connection.fromEnvValue('c', '  postgresql://u:p@db:5432/x \n').port, 5432);
  });
});

describe('Connection.secrets()', () => {
  it('lists the password and the values of sensitive extras at any depth, also inside JSON strings', () => {
    const conn = new Connection({
      connId: 'c', connType: 'http', password: 'hunter22',
      extra: {
        region: 'eu-west-1',
        api_key: 'k3y-value',
        auth: { client_secret: 'cl13nt-secret', user: 'me' },
        headers: { Authorization: 'Bearer abc.def', Accept: 'application/json' },
        service_account: { private: 'whole-object-is-secret', nested: ['n1-secret'] },
        headers_text: '{"X-Api-Token": "t0k3n-text"}',
        token: 123456,
      },
    });
    assert.deepEqual(new Set(conn.secrets()), new Set([
      'hunter22', 'k3y-value', 'cl13nt-secret', 'Bearer abc.def', 'whole-object-is-secret', 'n1-secret', 't0k3n-text', '123456',
    ]));
  });

  it('includes extras the connection type declares sensitive', () => {
    assert.ok(CONNECTION_TYPES.kubernetes!.sensitiveExtras.includes('kube_config'));
    const conn = new Connection({ connId: 'k', connType: 'kubernetes', extra: { kube_config: '{"users": []}', namespace: 'default' } });
    assert.deepEqual(conn.secrets(), ['{"users": []}']);
  });

  it('registered with the log masker, hides the password and its URL-encoded form', () => {
    const conn = Connection.fromUri('c', 'postgresql://u:p%40ss%2Fw0rd@db:5432/x?aws_session_token=sess10n');
    const masker = new SecretMasker();
    for (const secret of conn.secrets()) masker.add(secret);
    assert.equal(masker.mask(`uri ${conn.getUri()} pw p@ss/w0rd token sess10n`), 'uri postgres://u:***@db:5432/x?aws_session_token=*** pw *** token ***');
  });
});

describe('CONNECTION_TYPES', () => {
  it('describes the types the providers use', () => {
    for (const type of ['postgres', 'mysql', 'aws', 'smtp', 'http', 'sqlite', 'kubernetes', 'generic']) assert.ok(CONNECTION_TYPES[type], type);
    assert.equal(CONNECTION_TYPES.postgres!.defaultPort, 5432);
    assert.equal(CONNECTION_TYPES.mysql!.defaultPort, 3306);
    assert.match(CONNECTION_TYPES.aws!.fields.login!, /access key id/);
    assert.match(CONNECTION_TYPES.aws!.fields.password!, /secret access key/);
    assert.ok(CONNECTION_TYPES.aws!.sensitiveExtras.includes('aws_session_token'));
    for (const key of ['region_name', 'endpoint_url', 'role_arn']) assert.ok(key in CONNECTION_TYPES.aws!.extras, key);
    for (const key of ['from_email', 'disable_ssl', 'disable_tls', 'timeout']) assert.ok(key in CONNECTION_TYPES.smtp!.extras, key);
    for (const key of ['sslmode', 'sslrootcert', 'application_name', 'connect_timeout']) assert.ok(key in CONNECTION_TYPES.postgres!.extras, key);
    for (const key of ['in_cluster', 'kube_config_path', 'namespace']) assert.ok(key in CONNECTION_TYPES.kubernetes!.extras, key);
    assert.ok(Object.isFrozen(CONNECTION_TYPES));
  });
});
