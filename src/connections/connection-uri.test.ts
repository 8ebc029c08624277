import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import { Connection } from './connection.js';
import { maskConnectionUri } from './connection-uri.js';

/*
 * Connection URIs as Airflow parses them. The rows come from Airflow's own tests
 * (airflow-core/tests/unit/always/test_connection.py: test_connection_from_uri,
 * test_connection_from_with_auth_info; tests/models/test_connection.py: test_parse_from_uri) and
 * its docs (howto/connection.rst), plus rows derived from the rules of §1.4 (Python urllib
 * semantics). One intended difference: Airflow 3.x-main JSON-decodes string extra values
 * ("valid_json" below); Updraft keeps query values as the strings they are.
 */

interface Expected {
  connType: string;
  host?: string | null;
  schema?: string | null;
  login?: string | null;
  password?: string | null;
  port?: number | null;
  extra?: Record<string, unknown>;
}

const ROWS: Array<[description: string, uri: string, expected: Expected]> = [
  ['all parts', 'type://user:pass@host:100/schema',
    { connType: 'type', host: 'host', login: 'user', password: 'pass', port: 100, schema: 'schema', extra: {} }],
  ['no port', 'type://user:pass@host/schema',
    { connType: 'type', host: 'host', login: 'user', password: 'pass', port: null, schema: 'schema', extra: {} }],
  ['query as extra', 'type://user:pass@host/schema?param1=val1&param2=val2',
    { connType: 'type', host: 'host', login: 'user', password: 'pass', port: null, schema: 'schema', extra: { param1: 'val1', param2: 'val2' } }],
  ['host only: schema is "" and login/password null', 'type://host',
    { connType: 'type', host: 'host', login: null, password: null, port: null, schema: '', extra: {} }],
  ['"+" in a query value is a space', 'spark://mysparkcluster.com:80?deploy-mode=cluster&spark_binary=command&namespace=kube+namespace',
    { connType: 'spark', host: 'mysparkcluster.com', login: null, password: null, port: 80, schema: '',
      extra: { 'deploy-mode': 'cluster', spark_binary: 'command', namespace: 'kube namespace' } }],
  ['protocol in the host', 'spark://k8s://100.68.0.1:443?deploy-mode=cluster',
    { connType: 'spark', host: 'k8s://100.68.0.1', login: null, password: null, port: 443, schema: '', extra: { 'deploy-mode': 'cluster' } }],
  ['protocol in the host, with credentials', 'type://protocol://user:pass@host:123?param=value',
    { connType: 'type', host: 'protocol://host', login: 'user', password: 'pass', port: 123, schema: '', extra: { param: 'value' } }],
  ['encoded "/" in the host keeps it', 'scheme://user:password@host%2Flocation:1234/schema',
    { connType: 'scheme', host: 'host/location', login: 'user', password: 'password', port: 1234, schema: 'schema', extra: {} }],
  ['percent-encoded extras', 'scheme://user:password@host%2Flocation:1234/schema?extra1=a%20value&extra2=%2Fpath%2F',
    { connType: 'scheme', host: 'host/location', login: 'user', password: 'password', port: 1234, schema: 'schema',
      extra: { extra1: 'a value', extra2: '/path/' } }],
  ['__extra__ carries nested JSON', 'scheme://user:password@host%2Flocation:1234/schema?'
    + '__extra__=%7B%22my_val%22%3A+%5B%22list%22%2C+%22of%22%2C+%22values%22%5D%2C+%22extra%22%3A+%7B%22nested%22%3A+%7B%22json%22%3A+%22val%22%7D%7D%7D',
  { connType: 'scheme', host: 'host/location', login: 'user', password: 'password', port: 1234, schema: 'schema',
    extra: { my_val: ['list', 'of', 'values'], extra: { nested: { json: 'val' } } } }],
  ['blank extra values are kept', 'scheme://user:password@host%2Flocation:1234/schema?extra1=a%20value&extra2=',
    { connType: 'scheme', host: 'host/location', schema: 'schema', login: 'user', password: 'password', port: 1234, extra: { extra1: 'a value', extra2: '' } }],
  ['colons in an encoded host', 'scheme://user:password@host%2Flocation%3Ax%3Ay:1234/schema?extra1=a%20value&extra2=%2Fpath%2F',
    { connType: 'scheme', host: 'host/location:x:y', schema: 'schema', login: 'user', password: 'password', port: 1234,
      extra: { extra1: 'a value', extra2: '/path/' } }],
  ['encoded password', 'scheme://user:password%20with%20space@host%2Flocation%3Ax%3Ay:1234/schema',
    { connType: 'scheme', host: 'host/location:x:y', schema: 'schema', login: 'user', password: 'password with space', port: 1234 }],
  ['encoded login', 'scheme://domain%2Fuser:password@host%2Flocation%3Ax%3Ay:1234/schema',
    { connType: 'scheme', host: 'host/location:x:y', schema: 'schema', login: 'domain/user', password: 'password', port: 1234 }],
  ['encoded schema', 'scheme://user:password%20with%20space@host:1234/schema%2Ftest',
    { connType: 'scheme', host: 'host', schema: 'schema/test', login: 'user', password: 'password with space', port: 1234 }],
  ['no schema', 'scheme://user:password%20with%20space@host:1234',
    { connType: 'scheme', host: 'host', schema: '', login: 'user', password: 'password with space', port: 1234 }],
  ['"-" in the scheme becomes "_"', 'google-cloud-platform://?key_path=%2Fkeys%2Fkey.json&scope='
    + 'https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform&project=airflow',
  { connType: 'google_cloud_platform', host: '', schema: '', login: null, password: null, port: null,
    extra: { key_path: '/keys/key.json', scope: 'https://www.googleapis.com/auth/cloud-platform', project: 'airflow' } }],
  ['without auth info', 'scheme://host:1234',
    { connType: 'scheme', host: 'host', schema: '', login: null, password: null, port: 1234 }],
  ['a host path keeps its case', 'scheme://%2FTmP%2F:1234',
    { connType: 'scheme', host: '/TmP/', schema: '', login: null, password: null, port: 1234 }],
  ['schema only', 'scheme:///airflow', { connType: 'scheme', host: '', schema: 'airflow', login: null, password: null, port: null }],
  ['port only', 'scheme://@:1234', { connType: 'scheme', host: '', login: '', password: null, port: 1234, schema: '' }],
  ['password only: login is ""', 'scheme://:password%2F%21%40%23%24%25%5E%26%2A%28%29%7B%7D@',
    { connType: 'scheme', login: '', password: 'password/!@#$%^&*(){}', host: '' }],
  ['login only', 'scheme://login%2F%21%40%23%24%25%5E%26%2A%28%29%7B%7D@',
    { connType: 'scheme', login: 'login/!@#$%^&*(){}', password: null, host: '' }],
  ['extra values stay strings (3.x-main would decode JSON)', 'scheme://host/schema?valid_json=%7B%22key%22%3A%22val%22%7D&invalid_json=just_a_string&empty_val=',
    { connType: 'scheme', host: 'host', schema: 'schema', login: null, password: null, port: null,
      extra: { valid_json: '{"key":"val"}', invalid_json: 'just_a_string', empty_val: '' } }],
  ['empty login', 'http://:password@host:80/database',
    { connType: 'http', login: '', password: 'password', host: 'host', port: 80, schema: 'database' }],
  ['empty password is no password', 'http://user:@host:80/database',
    { connType: 'http', login: 'user', password: null, host: 'host', port: 80, schema: 'database' }],
  ['no host', 'http://user:password@/database',
    { connType: 'http', login: 'user', password: 'password', host: '', port: null, schema: 'database' }],
  ['trailing slash: schema ""', 'http://user:password@host:80/',
    { connType: 'http', login: 'user', password: 'password', host: 'host', port: 80, schema: '' }],
  ['credentials and a slash only', 'http://user:password@/',
    { connType: 'http', login: 'user', password: 'password', host: '', port: null, schema: '' }],
  ['postgresql → postgres; a socket path as host', 'postgresql://user:password@%2Ftmp%2Fz6rqdzqh%2Fexample%3Awest1%3Atestdb/testdb',
    { connType: 'postgres', login: 'user', password: 'password', host: '/tmp/z6rqdzqh/example:west1:testdb', port: null, schema: 'testdb' }],
  ['socket path host, login without password', 'postgresql://user@%2Ftmp%2Fz6rqdzqh%2Fexample%3Aeurope-west1%3Atestdb/testdb',
    { connType: 'postgres', login: 'user', password: null, host: '/tmp/z6rqdzqh/example:europe-west1:testdb', port: null, schema: 'testdb' }],
  ['socket path host alone', 'postgresql://%2Ftmp%2Fz6rqdzqh%2Fexample%3Aeurope-west1%3Atestdb',
    { connType: 'postgres', login: null, password: null, host: '/tmp/z6rqdzqh/example:europe-west1:testdb', port: null, schema: '' }],
  ['encoded protocol in the host (2.x style)', 'spark://k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster',
    { connType: 'spark', login: null, password: null, host: 'k8s://100.68.0.1', port: 443, schema: '', extra: { 'deploy-mode': 'cluster' } }],
  ['encoded protocol in the host with credentials', 'spark://user:password@k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster',
    { connType: 'spark', login: 'user', password: 'password', host: 'k8s://100.68.0.1', port: 443, schema: '' }],
  ['encoded protocol in the host with a login', 'spark://user@k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster',
    { connType: 'spark', login: 'user', password: null, host: 'k8s://100.68.0.1', port: 443, schema: '' }],
  ['encoded protocol in the host, no port', 'spark://k8s%3a%2F%2Fno.port.com?deploy-mode=cluster',
    { connType: 'spark', login: null, password: null, host: 'k8s://no.port.com', port: null, schema: '' }],
  ['docs: encoded "!" in the password', 'postgresql://username:password%21@ec2.compute.com:5432/the_database',
    { connType: 'postgres', host: 'ec2.compute.com', schema: 'the_database', login: 'username', password: 'password!', port: 5432 }],
  ['docs: no credentials', 'postgresql://ec2.compute.com/the_database',
    { connType: 'postgres', host: 'ec2.compute.com', schema: 'the_database', login: null, password: null, port: null }],
  ['bare type', 'aws://', { connType: 'aws', host: '', schema: '', login: null, password: null, port: null, extra: {} }],
  ['story: aws://KEY:SECRET@', 'aws://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY@',
    { connType: 'aws', host: '', schema: '', login: 'AKIAIOSFODNN7EXAMPLE', password: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', port: null, extra: {} }],
  ['aws with a region in the query', 'aws://KEY:SECRET@/?region_name=ap-northeast-2&endpoint_url=http%3A%2F%2F127.0.0.1%3A4568',
    { connType: 'aws', host: '', schema: '', login: 'KEY', password: 'SECRET', extra: { region_name: 'ap-northeast-2', endpoint_url: 'http://127.0.0.1:4568' } }],
  ['host names are lower-cased (Python hostname)', 'postgres://Me:PW@DB.Example.COM:5432/Analytics',
    { connType: 'postgres', host: 'db.example.com', login: 'Me', password: 'PW', port: 5432, schema: 'Analytics' }],
  ['upper-case scheme is lower-cased', 'POSTGRESQL://db/x', { connType: 'postgres', host: 'db', schema: 'x' }],
  // getUri() writes this host as it is, and parsing lower-cases it: the one row whose host case does not survive the round trip.
  ['lower-casing stops at the first "%" (Python keeps a zone id as written)', 'type://Host%41Name', { connType: 'type', host: 'hostAName' }],
  ['repeated query keys: the last wins', 'type://h?a=1&b=2&a=3', { connType: 'type', host: 'h', extra: { a: '3', b: '2' } }],
  ['a key without "=" is blank (keep_blank_values)', 'type://h/s?flag&x=1', { connType: 'type', schema: 's', extra: { flag: '', x: '1' } }],
  ['"+" in a password stays "+" (unquote, not unquote_plus)', 'type://u:a+b@h', { connType: 'type', login: 'u', password: 'a+b' }],
  ['UTF-8 percent escapes', 'postgres://%EA%B9%80:%EB%B9%84%EB%B0%80@h/%ED%95%9C%EA%B5%AD%EC%96%B4?title=%EC%95%88%EB%85%95',
    { connType: 'postgres', login: '김', password: '비밀', host: 'h', schema: '한국어', extra: { title: '안녕' } }],
  ['bracketed IPv6 host', 'postgres://user@[::1]:5432/db', { connType: 'postgres', host: '::1', login: 'user', port: 5432, schema: 'db' }],
  ['unencoded "@" in a password: the last "@" ends the userinfo', 'type://user:p@ss@host:1/s',
    { connType: 'type', login: 'user', password: 'p@ss', host: 'host', port: 1, schema: 's' }],
  ['a fragment is dropped', 'type://host/schema?a=b#frag', { connType: 'type', host: 'host', schema: 'schema', extra: { a: 'b' } }],
  ['an empty query is no extra', 'type://host?', { connType: 'type', host: 'host', extra: {} }],
  ['sqlite file as an encoded host', 'sqlite://%2Ftmp%2Fupdraft.db', { connType: 'sqlite', host: '/tmp/updraft.db', schema: '' }],
  ['port 0 is a port', 'type://host:0', { connType: 'type', host: 'host', port: 0 }],
  ['port 65535', 'type://host:65535', { connType: 'type', host: 'host', port: 65535 }],
];

const FIELDS = ['connType', 'host', 'schema', 'login', 'password', 'port', 'extra'] as const;

describe('Connection.fromUri (Airflow test vectors)', () => {
  assert.ok(ROWS.length >= 30, 'the table keeps at least 30 rows');
  for (const [description, uri, expected] of ROWS) {
    it(`${description}: ${uri}`, () => {
      const conn = Connection.fromUri('test_conn', uri);
      for (const [field, value] of Object.entries(expected)) {
        assert.deepEqual(conn[field as keyof Expected], value, `${field} of ${uri}`);
      }
      // getUri() round-trips: parsing what it writes gives every field back.
      const again = Connection.fromUri('test_conn', conn.getUri());
      for (const field of FIELDS) {
        const before = field === 'host' && uri.includes('%41') ? conn.host?.toLowerCase() : conn[field];
        assert.deepEqual(again[field], before, `${field} after the round trip through ${conn.getUri()}`);
      }
    });
  }
});

describe('Connection.fromUri errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a second "://" after the credentials', 'type://user:pass@protocol://host:port?param=value', /second ":\/\/"/],
    ['more than two "://"', 'type://a://b://c', /3 times; at most two/],
    ['a non-numeric port (unencoded "/" in the password, as in the docs)', 'postgresql://user:my-pa/ssword@db:5432/x', /port is not a whole number/],
    ['a port out of range', 'postgres://user:s3cr3tpw@db:65536/x', /port "65536" is not a whole number from 0 to 65535/],
    ['a negative port', 'postgres://user:s3cr3tpw@db:-1/x', /port "-1"/],
    ['__extra__ that is not JSON', 'type://user:s3cr3tpw@h?__extra__=not+json', /__extra__ parameter is not JSON/],
    ['__extra__ that is not an object', 'type://user:s3cr3tpw@h?__extra__=%5B1%2C2%5D', /JSON array, not an object/],
    ['unbalanced IPv6 brackets', 'type://user:s3cr3tpw@[::1/x', /unbalanced/],
    ['an IPv4 address in brackets', 'type://user:s3cr3tpw@[127.0.0.1]:1/x', /IPv4 address cannot be in brackets/],
    ['a protocol that is not a scheme', 'type://my_proto://user:s3cr3tpw@host', /not a URI scheme/],
  ];
  for (const [description, uri, pattern] of cases) {
    it(`rejects ${description}, naming the URI with the password masked`, () => {
      assert.throws(() => Connection.fromUri('my_conn', uri), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID'), String(error));
        assert.match(error.message, pattern);
        assert.ok(error.message.includes('"my_conn"'), `names the connection: ${error.message}`);
        for (const secret of ['pass@', 's3cr3tpw', 'my-pa', '/ssword']) assert.ok(!error.message.includes(secret), `leaks ${secret}: ${error.message}`);
        assert.ok(!JSON.stringify(error.details).includes('s3cr3tpw'));
        return true;
      });
    });
  }
});

describe('Connection.getUri (Airflow test_get_uri)', () => {
  it('writes every part', () => {
    const conn = new Connection({ connId: 'c', connType: 'type', login: 'user', password: 'pass', host: 'host', port: 100, schema: 'schema',
      extra: { param1: 'val1', param2: 'val2' } });
    assert.equal(conn.getUri(), 'type://user:pass@host:100/schema?param1=val1&param2=val2');
  });

  it('writes a host protocol before the authority', () => {
    assert.equal(new Connection({ connId: 'c', connType: 'type', host: 'protocol://host', port: 100, schema: 'schema',
      extra: { param1: 'val1', param2: 'val2' } }).getUri(), 'type://protocol://host:100/schema?param1=val1&param2=val2');
    assert.equal(new Connection({ connId: 'c', connType: 'type', login: 'user', password: 'pass', host: 'protocol://host', port: 100,
      schema: 'schema', extra: { param1: 'val1', param2: 'val2' } }).getUri(), 'type://protocol://user:pass@host:100/schema?param1=val1&param2=val2');
  });

  it('keeps a host protocol equal to the type inside the quoted host, so it parses back', () => {
    const conn = new Connection({ connId: 'c', connType: 'http', host: 'http://Example.com' });
    assert.equal(conn.getUri(), 'http://http%3A%2F%2FExample.com');
    assert.equal(Connection.fromUri('c', conn.getUri()).host, 'http://Example.com');
  });

  it('writes "//" without a type, "@:port" without host or credentials, "/?" without a schema', () => {
    assert.equal(new Connection({ connId: 'c' }).getUri(), '//');
    assert.equal(new Connection({ connId: 'c', host: 'abc' }).getUri(), '//abc');
    assert.equal(Connection.fromUri('c', '//abc').host, 'abc');
    assert.equal(new Connection({ connId: 'c', connType: 'scheme', port: 1234 }).getUri(), 'scheme://@:1234');
    assert.equal(new Connection({ connId: 'c', connType: 'scheme', host: 'h', extra: { a: 'b' } }).getUri(), 'scheme://h/?a=b');
    assert.equal(new Connection({ connId: 'c', connType: 'my_type', host: 'h' }).getUri(), 'my-type://h');
  });

  it('quotes login, password, host and schema with nothing safe, and urlencodes extras with "+" for spaces', () => {
    const conn = new Connection({ connId: 'c', connType: 'postgres', login: 'dom/user', password: 'p@ss word/:?#', host: 'h', schema: 'a/b',
      extra: { options: '-c search_path=x y' } });
    assert.equal(conn.getUri(), 'postgres://dom%2Fuser:p%40ss%20word%2F%3A%3F%23@h/a%2Fb?options=-c+search_path%3Dx+y');
  });

  it('writes extras that are not all strings as __extra__ JSON', () => {
    const conn = new Connection({ connId: 'c', connType: 'type', host: 'h', extra: { answer: 42, nested: { a: [1, true, null] }, s: 'x' } });
    assert.match(conn.getUri(), /^type:\/\/h\/\?__extra__=/);
    assert.deepEqual(Connection.fromUri('c', conn.getUri()).extra, conn.extra);
  });

  it('round-trips connections built from fields (Airflow test_connection_get_uri_from_conn)', () => {
    const built = [
      { connType: 'scheme', host: 'host/location', schema: 'schema', login: 'user', password: 'password', port: 1234, extra: { extra1: 'a value' } },
      { connType: 'scheme', login: '', password: 'password/!@#$%^&*(){}' },
      { connType: 'scheme', login: 'login/!@#$%^&*(){}' },
      { connType: 'scheme', port: 1234 },
      { connType: 'scheme', schema: 'airflow' },
      { connType: 'spark', host: 'k8s://100.68.0.1', port: 443 },
      { connType: 'spark', host: 'K8S://x/y' },
      { connType: 'type', host: '::1', port: 0 },
      { connType: 'type', host: 'h', extra: { __extra__: 'sneaky', other: 'x' } },
      { connType: 'type', host: 'h', extra: { '': 'blank key', 'a=b&c': 'd=e&f' } },
    ];
    for (const fields of built) {
      const conn = new Connection({ connId: 'c', ...fields });
      const again = Connection.fromUri('c', conn.getUri());
      for (const [field, value] of Object.entries(fields)) {
        const expected = field === 'host' && typeof value === 'string' && !value.includes('/') ? value.toLowerCase() : value;
        assert.deepEqual(again[field as keyof typeof fields], expected, `${field} of ${JSON.stringify(fields)} via ${conn.getUri()}`);
      }
    }
  });
});

describe('maskConnectionUri', () => {
  it('hides the password, sensitive query values and sensitive keys inside __extra__', () => {
    assert.equal(maskConnectionUri('postgres://me:s3cret@db:5432/x'), 'postgres://me:***@db:5432/x');
    assert.equal(maskConnectionUri('aws://KEY:SECRET@/?region_name=x&aws_session_token=abc'), 'aws://KEY:***@/?region_name=x&aws_session_token=***');
    assert.equal(maskConnectionUri('postgres://db/x'), 'postgres://db/x');
    assert.equal(maskConnectionUri('type://u:pa?ss@h?a=1'), 'type://u:***@h?a=1');
    const masked = maskConnectionUri(new Connection({ connId: 'c', connType: 't', host: 'h', extra: { n: 1, api_key: 'k3y-value' } }).getUri());
    assert.ok(!masked.includes('k3y-value') && masked.includes('__extra__='), masked);
  });
});
