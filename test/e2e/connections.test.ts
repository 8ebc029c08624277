// End to end: `updraft connections` as a user runs it — add (URI, JSON, fields), get, list, delete,
// export/import, test against real services, encryption at rest (the raw SQLite file and a
// pg_dump hold no plaintext), key rotation, a wrong key, PostgreSQL without a key, and the lookup
// order a task sees (environment before the database, configurable).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateKey } from '../../src/connections/index.js';
import { makeHome, runCli, writeDag } from '../support/cli.js';
import { findBinary, postgresBinDirs, run } from '../support/private-server.js';
import { mariadbService, postgresService } from '../support/services.js';

const pg = await postgresService();
const mariadb = await mariadbService();

const CONN_READER_DAG = `
import { BashOperator, dag, task, getConnection } from 'updraft';
import { Connection } from 'updraft/connections';

const read = task('read', async (): Promise<string> => {
  const c = await getConnection('pg');
  console.log('taskflow host=' + c.host + ' login=' + c.login + ' port=' + c.port + ' schema=' + c.schema);
  console.log('model host=' + Connection.fromUri('adhoc', 'mysql://u@modelhost:3306/db').host);
  return String(c.host);
});

export default dag({ dagId: 'conn_reader', schedule: null }, () => {
  const bash = new BashOperator({ taskId: 'bash', bashCommand: 'echo "template host={{ conn.pg.host }} login={{ conn.pg.login }}"' });
  bash.setDownstream(read());
});
`;

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

interface ConnJson {
  conn_id: string; conn_type: string; host: string | null; schema: string | null; login: string | null; password: string | null;
  port: number | null; extra: Record<string, unknown>; description: string | null; source: string; uri: string;
}

describe('updraft connections on the embedded database', () => {
  const h = makeHome();
  before(() => writeDag(h.dags, 'conn_reader.ts', CONN_READER_DAG));
  after(() => h.cleanup());

  test('the first command that needs secrets generates a 0600 key file in UPDRAFT_HOME', async () => {
    const list = await runCli(['connections', 'list'], h.env);
    assert.equal(list.code, 0, list.stderr);
    const keyFile = join(h.home, 'secret.key');
    assert.ok(existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(list.stderr, /generated the encryption key/);
    const again = await runCli(['connections', 'list'], h.env);
    assert.doesNotMatch(again.stderr, /generated/, 'the key is generated once');
  });

  test('a URI round-trips: add, get --show-secrets -o uri, get -o json (password *** without --show-secrets)', async () => {
    const uri = 'postgres://etl%40corp:p%40ss%2Fw0rd%3A1@db.example.com:6543/warehouse?sslmode=require&application_name=updraft';
    const add = await runCli(['connections', 'add', 'uri_conn', '--conn-uri', uri], h.env);
    assert.equal(add.code, 0, add.stderr);
    assert.ok(!add.stdout.includes('p@ss/w0rd:1') && !add.stdout.includes('p%40ss'), add.stdout);
    const back = await runCli(['connections', 'get', 'uri_conn', '-o', 'uri', '--show-secrets'], h.env);
    assert.equal(back.stdout.trim(), uri);
    const got = await runCli(['connections', 'get', 'uri_conn', '-o', 'json'], h.env);
    assert.equal(got.code, 0, got.stderr);
    const conn = json<ConnJson>(got.stdout);
    assert.deepEqual(
      [conn.conn_type, conn.host, conn.port, conn.schema, conn.login, conn.password, conn.source],
      ['postgres', 'db.example.com', 6543, 'warehouse', 'etl@corp', '***', 'metastore'],
    );
    assert.deepEqual(conn.extra, { sslmode: 'require', application_name: 'updraft' });
    assert.ok(!got.stdout.includes('p@ss/w0rd:1'));
    const table = await runCli(['connections', 'get', 'uri_conn'], h.env);
    assert.match(table.stdout, /password\s+│ \*\*\*/);
    assert.ok(!table.stdout.includes('p@ss/w0rd:1'));
    const clear = json<ConnJson>((await runCli(['connections', 'get', 'uri_conn', '-o', 'json', '--show-secrets'], h.env)).stdout);
    assert.equal(clear.password, 'p@ss/w0rd:1');
  });

  test('fields add, with sensitive extras masked in get and list', async () => {
    const add = await runCli(['connections', 'add', 'fields_conn', '--conn-type', 'postgres', '--conn-host', 'pg.internal', '--conn-port', '5433',
      '--conn-login', 'loader', '--conn-password', 'fieldpass99', '--conn-schema', 'raw',
      '--conn-extra', '{"sslmode": "verify-full", "api_token": "tok-abcdef-123"}', '--conn-description', 'the raw zone'], h.env);
    assert.equal(add.code, 0, add.stderr);
    const conn = json<ConnJson>((await runCli(['connections', 'get', 'fields_conn', '-o', 'json'], h.env)).stdout);
    assert.deepEqual([conn.host, conn.port, conn.login, conn.password, conn.schema, conn.description], ['pg.internal', 5433, 'loader', '***', 'raw', 'the raw zone']);
    assert.deepEqual(conn.extra, { sslmode: 'verify-full', api_token: '***' });
    const list = await runCli(['connections', 'list', '-o', 'json'], h.env);
    assert.equal(list.code, 0, list.stderr);
    const row = json<Array<{ conn_id: string; has_password: boolean; extra: string }>>(list.stdout).find((r) => r.conn_id === 'fields_conn')!;
    assert.equal(row.has_password, true);
    for (const out of [list.stdout, (await runCli(['connections', 'list'], h.env)).stdout]) {
      assert.ok(!out.includes('fieldpass99') && !out.includes('tok-abcdef-123'), out);
    }
  });

  test('JSON add (Airflow\'s JSON form)', async () => {
    const add = await runCli(['connections', 'add', 'json_conn', '--conn-json',
      '{"conn_type": "http", "host": "api.example.com", "schema": "https", "login": "bot", "password": "jsonpass77", "port": 8443, "extra": {"timeout": 30}}'], h.env);
    assert.equal(add.code, 0, add.stderr);
    const conn = json<ConnJson>((await runCli(['connections', 'get', 'json_conn', '-o', 'json', '--show-secrets'], h.env)).stdout);
    assert.deepEqual([conn.conn_type, conn.host, conn.schema, conn.login, conn.password, conn.port], ['http', 'api.example.com', 'https', 'bot', 'jsonpass77', 8443]);
    assert.deepEqual(conn.extra, { timeout: 30 });
  });

  test('bad input is one clear error (exit 2) and stores nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--conn-uri', 'postgres://u:p@h/db', '--conn-host', 'other'], /--conn-host cannot be combined with --conn-uri/],
      [['--conn-uri', 'postgres://u:p@h/db', '--conn-json', '{}'], /either --conn-uri or --conn-json/],
      [['--conn-json', '{"conn_type": "http"}', '--conn-extra', '{}'], /--conn-extra cannot be combined with --conn-json/],
      [[], /--conn-uri <uri>, --conn-json <json>, or --conn-type/],
      [['--conn-uri', 'postgres://u:p@h:99999/db'], /port/],
      [['--conn-uri', 'spark://k8s://a://b'], /:\/\//],
      [['--conn-type', 'postgres', '--conn-extra', '{not json'], /--conn-extra is not valid JSON/],
      [['--conn-type', 'postgres', '--conn-extra', '[1, 2]'], /must be a JSON object/],
      [['--conn-type', 'postgres', '--conn-port', 'abc'], /--conn-port "abc" is not a port number/],
      [['--conn-json', '{"conn_type": "http", "hostname": "x"}'], /unknown keys "hostname"/],
      [['--conn-json', '{"host": "x"}'], /has no type/],
      [['--conn-json', '{"conn_type": "http", "extra": "not json"}'], /extra is not JSON/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['connections', 'add', 'bad_conn', ...args], h.env)));
    cases.forEach(([args, pattern], i) => {
      const r = results[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    });
    const badId = await runCli(['connections', 'add', 'bad id!?', '--conn-uri', 'http://h'], h.env);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /connection id "bad id!\?" has characters that are not allowed/);
    const list = json<Array<{ conn_id: string }>>((await runCli(['connections', 'list', '-o', 'json'], h.env)).stdout);
    assert.ok(!list.some((c) => c.conn_id === 'bad_conn' || c.conn_id === 'bad id!?'));
  });

  test('adding an existing id fails unless --overwrite', async () => {
    assert.equal((await runCli(['connections', 'add', 'dup', '--conn-uri', 'http://first.example.com'], h.env)).code, 0);
    const again = await runCli(['connections', 'add', 'dup', '--conn-uri', 'http://second.example.com'], h.env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /connection dup already exists; pass --overwrite/);
    assert.equal(json<ConnJson>((await runCli(['connections', 'get', 'dup', '-o', 'json'], h.env)).stdout).host, 'first.example.com');
    const overwrite = await runCli(['connections', 'add', 'dup', '--conn-uri', 'http://second.example.com', '--overwrite'], h.env);
    assert.equal(overwrite.code, 0, overwrite.stderr);
    assert.equal(json<ConnJson>((await runCli(['connections', 'get', 'dup', '-o', 'json'], h.env)).stdout).host, 'second.example.com');
  });

  test('delete; a missing id is exit 2; an env-only id says to unset the variable', async () => {
    assert.equal((await runCli(['connections', 'add', 'gone', '--conn-uri', 'http://h.example.com'], h.env)).code, 0);
    const del = await runCli(['connections', 'delete', 'gone'], h.env);
    assert.equal(del.code, 0, del.stderr);
    const get = await runCli(['connections', 'get', 'gone'], h.env);
    assert.equal(get.code, 2);
    assert.match(get.stderr, /connection "gone" is not defined/);
    const again = await runCli(['connections', 'delete', 'gone'], h.env);
    assert.equal(again.code, 2);
    const envOnly = await runCli(['connections', 'delete', 'from_env'], { ...h.env, UPDRAFT_CONN_FROM_ENV: 'http://e.example.com' });
    assert.equal(envOnly.code, 2);
    assert.match(envOnly.stderr, /UPDRAFT_CONN_FROM_ENV/);
  });

  test('an environment connection is found by get (source env) and beats the database; a malformed one is a clear error', async () => {
    assert.equal((await runCli(['connections', 'add', 'pg', '--conn-uri', 'postgres://dbuser:dbpass123@dbhost:5432/dbschema'], h.env)).code, 0);
    const env = { ...h.env, UPDRAFT_CONN_PG: 'postgresql://envuser:envpass123@envhost:6000/envdb' };
    const conn = json<ConnJson>((await runCli(['connections', 'get', 'pg', '-o', 'json'], env)).stdout);
    assert.deepEqual([conn.host, conn.login, conn.port, conn.source, conn.password], ['envhost', 'envuser', 6000, 'env', '***']);
    const jsonEnv = json<ConnJson>((await runCli(['connections', 'get', 'pg', '-o', 'json'], { ...h.env, UPDRAFT_CONN_PG: '{"conn_type": "postgres", "host": "jsonhost"}' })).stdout);
    assert.equal(jsonEnv.host, 'jsonhost');
    const dbFirst = json<ConnJson>((await runCli(['connections', 'get', 'pg', '-o', 'json'], { ...env, UPDRAFT__SECRETS__BACKENDS: 'metastore,env' })).stdout);
    assert.deepEqual([dbFirst.host, dbFirst.source], ['dbhost', 'metastore']);
    const malformed = await runCli(['connections', 'get', 'pg'], { ...h.env, UPDRAFT_CONN_PG: 'postgres://u:p@h:notaport/db' });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /UPDRAFT_CONN_PG.*port/);
    const unknownBackend = await runCli(['connections', 'get', 'pg'], { ...h.env, UPDRAFT__SECRETS__BACKENDS: 'env,vault' });
    assert.equal(unknownBackend.code, 2);
    assert.match(unknownBackend.stderr, /unknown backend "vault"/);
  });

  test('a task sees the environment connection before the database one (TaskFlow getConnection and {{ conn.pg.host }})', async () => {
    // pg is in the database with host dbhost (previous test).
    const env = { ...h.env, UPDRAFT_CONN_PG: 'postgresql://envuser:envpass123@envhost:6000/envdb' };
    const fromEnv = await runCli(['dags', 'test', 'conn_reader', '2026-02-01'], env);
    assert.equal(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);
    assert.match(fromEnv.stdout, /template host=envhost login=envuser/);
    assert.match(fromEnv.stdout, /taskflow host=envhost login=envuser port=6000 schema=envdb/);
    assert.match(fromEnv.stdout, /model host=modelhost/, 'a DAG file imports the connection model from updraft/connections');
    const fromDb = await runCli(['dags', 'test', 'conn_reader', '2026-02-02'], h.env);
    assert.equal(fromDb.code, 0, fromDb.stdout + fromDb.stderr);
    assert.match(fromDb.stdout, /template host=dbhost login=dbuser/);
    assert.match(fromDb.stdout, /taskflow host=dbhost/);
  });

  test('in a worker process too; with [secrets] backends = metastore,env the database wins on both sides', async () => {
    const env = { ...h.env, UPDRAFT_CONN_PG: 'postgresql://envuser:envpass123@envhost:6000/envdb' };
    const trigger = await runCli(['dags', 'trigger', 'conn_reader', '--run-id', 'worker_env'], env);
    assert.equal(trigger.code, 0, trigger.stderr);
    const bash = await runCli(['tasks', 'run', 'conn_reader', 'worker_env', 'bash'], env);
    assert.equal(bash.code, 0, bash.stdout + bash.stderr);
    assert.match((await runCli(['tasks', 'logs', 'conn_reader', 'worker_env', 'bash'], env)).stdout, /template host=envhost/);
    const read = await runCli(['tasks', 'run', 'conn_reader', 'worker_env', 'read'], env);
    assert.equal(read.code, 0, read.stdout + read.stderr);
    assert.match((await runCli(['tasks', 'logs', 'conn_reader', 'worker_env', 'read'], env)).stdout, /taskflow host=envhost/);

    const dbFirst = { ...env, UPDRAFT__SECRETS__BACKENDS: 'metastore,env' };
    const again = await runCli(['tasks', 'run', 'conn_reader', 'worker_env', 'read'], dbFirst);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match((await runCli(['tasks', 'logs', 'conn_reader', 'worker_env', 'read'], dbFirst)).stdout, /taskflow host=dbhost/);
    const inProcess = await runCli(['dags', 'test', 'conn_reader', '2026-02-03'], dbFirst);
    assert.match(inProcess.stdout, /template host=dbhost/);
    assert.match(inProcess.stdout, /taskflow host=dbhost/);
  });

  test('export json / yaml / env: mode 0600, secrets in the file only; import of each round-trips into a fresh home', async () => {
    const original = json<ConnJson>((await runCli(['connections', 'get', 'fields_conn', '-o', 'json', '--show-secrets'], h.env)).stdout);
    const fields = (c: ConnJson): unknown[] => [c.conn_type, c.host, c.port, c.schema, c.login, c.password, c.extra];
    await Promise.all((['json', 'yaml', 'env'] as const).map(async (format) => {
      const file = join(h.home, `export.${format}`);
      const exp = await runCli(['connections', 'export', file], h.env);
      assert.equal(exp.code, 0, exp.stderr);
      assert.match(exp.stdout, new RegExp(`as ${format}`));
      assert.equal(statSync(file).mode & 0o777, 0o600, `${format} file mode`);
      assert.ok(readFileSync(file, 'utf8').includes('fieldpass99'), `${format} holds the password`);
      assert.ok(!exp.stdout.includes('fieldpass99'));

      const fresh = makeHome();
      try {
        const imp = await runCli(['connections', 'import', file], fresh.env);
        assert.equal(imp.code, 0, imp.stdout + imp.stderr);
        const [copy, uri] = await Promise.all(['fields_conn', 'uri_conn'].map(async (id) =>
          json<ConnJson>((await runCli(['connections', 'get', id, '-o', 'json', '--show-secrets'], fresh.env)).stdout)));
        assert.deepEqual(fields(copy!), fields(original), format);
        if (format !== 'env') assert.equal(copy!.description, 'the raw zone', 'json and yaml keep the description');
        assert.equal(uri!.password, 'p@ss/w0rd:1');
        if (format === 'json') {
          // Importing again keeps what exists unless --overwrite.
          const again = await runCli(['connections', 'import', file], fresh.env);
          assert.equal(again.code, 0);
          assert.match(again.stderr, /kept existing connection\(s\)/);
          assert.match(again.stdout, /imported 0 connection/);
        }
      } finally {
        fresh.cleanup();
      }
    }));
  });

  test('import checks every entry first: 2 bad entries are both reported and nothing is imported; --skip-bad imports the good ones', async () => {
    const fresh = makeHome();
    try {
      const file = join(fresh.home, 'mixed.json');
      writeFileSync(file, JSON.stringify({
        good_uri: 'postgres://u:goodpass1@good.example.com:5432/db',
        bad_port: 'postgres://u:p@h:notaport/db',
        good_json: { conn_type: 'http', host: 'api.example.com' },
        bad_extra: { conn_type: 'http', host: 'x', extra: '{broken' },
      }));
      const refused = await runCli(['connections', 'import', file], fresh.env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /2 bad entries; nothing was imported/);
      assert.match(refused.stderr, /bad_port: .*port/);
      assert.match(refused.stderr, /bad_extra: .*extra is not JSON/);
      assert.ok(!refused.stderr.includes('good_uri'));
      assert.equal((await runCli(['connections', 'list'], fresh.env)).stdout.trim(), '(none)');

      const skipped = await runCli(['connections', 'import', file, '--skip-bad'], fresh.env);
      assert.equal(skipped.code, 0, skipped.stderr);
      assert.match(skipped.stdout, /imported 2 connection\(s\).*skipped 2 bad/);
      assert.match(skipped.stderr, /bad_port/);
      const ids = json<Array<{ conn_id: string }>>((await runCli(['connections', 'list', '-o', 'json'], fresh.env)).stdout).map((c) => c.conn_id).sort();
      assert.deepEqual(ids, ['good_json', 'good_uri']);

      const yaml = join(fresh.home, 'bad.yaml');
      writeFileSync(yaml, 'a:\n  conn_type: http\n  host: [unclosed\n');
      const badYaml = await runCli(['connections', 'import', yaml], fresh.env);
      assert.equal(badYaml.code, 2);
      assert.match(badYaml.stderr, /not valid YAML: YAML line 3/);
      const handWritten = join(fresh.home, 'hand.yml');
      writeFileSync(handWritten, [
        '# written by hand', 'smtp_main:', '  conn_type: smtp', '  host: mail.example.com', '  port: 587', '  login: alerts',
        "  password: 'it''s-a-secret'", '  extra:', '    from_email: alerts@example.com', '    ssl: false', 'web: http://web.example.com:8080/',
      ].join('\n'));
      const imported = await runCli(['connections', 'import', handWritten], fresh.env);
      assert.equal(imported.code, 0, imported.stderr);
      const smtp = json<ConnJson>((await runCli(['connections', 'get', 'smtp_main', '-o', 'json', '--show-secrets'], fresh.env)).stdout);
      assert.deepEqual([smtp.host, smtp.port, smtp.password, smtp.extra], ['mail.example.com', 587, "it's-a-secret", { from_email: 'alerts@example.com', ssl: false }]);
    } finally {
      fresh.cleanup();
    }
  });

  test('connections test: sqlite opens the file, http any status, smtp reads the 220 greeting, unknown types exit 2', async () => {
    const http: Server = createHttpServer((_req, res) => { res.statusCode = 404; res.end('nope'); });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const smtp = createTcpServer((socket) => { socket.write('220 test.local ESMTP ready\r\n'); socket.on('data', () => socket.end('221 bye\r\n')); });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const notSmtp = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH\r\n'));
    await new Promise<void>((resolve) => notSmtp.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;
      const [sqlite, missing, web, mail, wrong, generic] = await Promise.all([
        runCli(['connections', 'test', 'local_db'], { ...h.env, UPDRAFT_CONN_LOCAL_DB: `sqlite://${encodeURIComponent(join(h.home, 'updraft.db'))}` }),
        runCli(['connections', 'test', 'nofile'], { ...h.env, UPDRAFT_CONN_NOFILE: `sqlite://${encodeURIComponent(join(h.home, 'nope.db'))}` }),
        runCli(['connections', 'test', 'web'], { ...h.env, UPDRAFT_CONN_WEB: `http://127.0.0.1:${port(http)}` }),
        runCli(['connections', 'test', 'mail'], { ...h.env, UPDRAFT_CONN_MAIL: `smtp://user:mailpass1@127.0.0.1:${port(smtp)}?disable_ssl=true` }),
        runCli(['connections', 'test', 'mail'], { ...h.env, UPDRAFT_CONN_MAIL: `smtp://127.0.0.1:${port(notSmtp)}?disable_ssl=true` }),
        runCli(['connections', 'test', 'other'], { ...h.env, UPDRAFT_CONN_OTHER: 'generic://h' }),
      ]);
      assert.equal(sqlite!.code, 0, sqlite!.stderr);
      assert.match(sqlite!.stdout, /connection local_db works: opened .*updraft\.db read-only/);
      assert.equal(missing!.code, 1, missing!.stderr);
      assert.match(missing!.stderr, /connection nofile \(sqlite\) failed/);
      assert.equal(web!.code, 0, web!.stderr);
      assert.match(web!.stdout, /answered HTTP 404/);
      assert.equal(mail!.code, 0, mail!.stderr);
      assert.match(mail!.stdout, /greeted: 220 test\.local ESMTP ready/);
      assert.equal(wrong!.code, 1);
      assert.match(wrong!.stderr, /not an SMTP 220/);
      assert.equal(generic!.code, 2);
      assert.match(generic!.stderr, /no connection test for type "generic"; known: postgres, mysql, sqlite, http, smtp/);
    } finally {
      http.close();
      smtp.close();
      notSmtp.close();
    }
  });

  test('connections test against the real PostgreSQL succeeds; a wrong port fails with exit 1', { skip: 'skip' in pg ? pg.skip : false }, async () => {
    if ('skip' in pg) return;
    const admin = new URL(pg.adminUrl);
    const good = await runCli(['connections', 'test', 'pg_real'], { ...h.env, UPDRAFT_CONN_PG_REAL: pg.adminUrl });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /connection pg_real works: select 1 answered by PostgreSQL/);
    admin.port = '1';
    const bad = await runCli(['connections', 'test', 'pg_real'], { ...h.env, UPDRAFT_CONN_PG_REAL: admin.toString() });
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stderr, /connection pg_real \(postgres\) failed: .*ECONNREFUSED/);
  });

  test('connections test against the real MariaDB (mysql)', { skip: 'skip' in mariadb ? mariadb.skip : false }, async () => {
    if ('skip' in mariadb) return;
    const good = await runCli(['connections', 'test', 'my'], { ...h.env, UPDRAFT_CONN_MY: mariadb.url });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /connection my works: select 1 answered by .*MariaDB/i);
    const url = new URL(mariadb.url);
    url.password = 'wrong-password-1';
    url.username = 'nobody_here';
    const bad = await runCli(['connections', 'test', 'my'], { ...h.env, UPDRAFT_CONN_MY: url.toString() });
    assert.equal(bad.code, 1);
    assert.ok(!bad.stderr.includes('wrong-password-1'), bad.stderr);
  });
});

describe('encryption at rest and key rotation (SQLite)', () => {
  const h = makeHome();
  after(() => h.cleanup());
  const password = 'Plaintext-Never-Stored-42';
  const secretValue = 'variable-secret-never-stored-77';

  test('the raw SQLite files hold neither the connection password nor the secret variable', async () => {
    assert.equal((await runCli(['connections', 'add', 'enc', '--conn-uri', `postgres://u:${password}@h:5432/db?api_token=tok-in-extra-1234`], h.env)).code, 0);
    assert.equal((await runCli(['variables', 'set', 'api_token', secretValue], h.env)).code, 0);
    assert.equal((await runCli(['variables', 'set', 'plain_note', 'readable-note-value-5'], h.env)).code, 0);
    let bytes = '';
    for (const suffix of ['', '-wal']) {
      const file = join(h.home, `updraft.db${suffix}`);
      if (existsSync(file)) bytes += readFileSync(file).toString('latin1');
    }
    assert.ok(bytes.length > 0);
    for (const plain of [password, secretValue, 'tok-in-extra-1234', 'readable-note-value-5']) {
      assert.ok(!bytes.includes(plain), `${plain} is not stored in plain text`);
    }
    assert.ok(bytes.includes('ud1:'), 'encrypted tokens are stored');
    const get = await runCli(['connections', 'get', 'enc', '-o', 'json', '--show-secrets'], h.env);
    assert.equal(json<ConnJson>(get.stdout).password, password);
  });

  test('a wrong key is a clear error naming the key mismatch, never garbage', async () => {
    const wrong = { ...h.env, UPDRAFT__SECRETS__ENCRYPTION_KEY: generateKey() };
    const get = await runCli(['connections', 'get', 'enc', '--show-secrets'], wrong);
    assert.equal(get.code, 2, get.stdout + get.stderr);
    assert.match(get.stderr, /cannot decrypt the password of connection "enc".*key does not match/);
    assert.equal(get.stdout, '');
    const variable = await runCli(['variables', 'get', 'api_token'], wrong);
    assert.equal(variable.code, 2);
    assert.match(variable.stderr, /cannot decrypt variable "api_token"/);
    const malformed = await runCli(['connections', 'list'], { ...h.env, UPDRAFT__SECRETS__ENCRYPTION_KEY: 'too-short' });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /encryption_key.*not 43 characters/);
    assert.ok(!malformed.stderr.includes('too-short'), 'the key is never printed');
  });

  test('rotation: key A, then "B,A" and rotate-keys, then B alone reads everything and A alone does not', async () => {
    const keyA = generateKey();
    const keyB = generateKey();
    const rot = makeHome();
    try {
      const withKey = (key: string): NodeJS.ProcessEnv => ({ ...rot.env, UPDRAFT__SECRETS__ENCRYPTION_KEY: key });
      assert.equal((await runCli(['connections', 'add', 'rot', '--conn-uri', 'mysql://u:rotating-pass-1@h:3306/db?charset=utf8mb4'], withKey(keyA))).code, 0);
      assert.equal((await runCli(['variables', 'set', 'db_password', 'rotating-var-2'], withKey(keyA))).code, 0);
      assert.ok(!existsSync(join(rot.home, 'secret.key')), 'with a configured key no key file is generated');
      const before = await runCli(['connections', 'get', 'rot', '--show-secrets', '-o', 'uri'], withKey(keyB));
      assert.equal(before.code, 2, 'B cannot read what A wrote before rotation');
      const rotate = await runCli(['connections', 'rotate-keys'], withKey(`${keyB},${keyA}`));
      assert.equal(rotate.code, 0, rotate.stderr);
      assert.match(rotate.stdout, /re-encrypted 1 connection\(s\) and 1 variable\(s\)/);
      const onlyB = await runCli(['connections', 'get', 'rot', '--show-secrets', '-o', 'uri'], withKey(keyB));
      assert.equal(onlyB.code, 0, onlyB.stderr);
      assert.equal(onlyB.stdout.trim(), 'mysql://u:rotating-pass-1@h:3306/db?charset=utf8mb4');
      assert.equal((await runCli(['variables', 'get', 'db_password'], withKey(keyB))).stdout.trim(), 'rotating-var-2');
      const onlyA = await runCli(['connections', 'get', 'rot', '--show-secrets'], withKey(keyA));
      assert.equal(onlyA.code, 2);
      assert.match(onlyA.stderr, /UPDRAFT_ERR_SECRETS_KEY/);
      const again = await runCli(['connections', 'rotate-keys'], withKey(keyB));
      assert.match(again.stdout, /re-encrypted 0 connection\(s\) and 0 variable\(s\)/);
    } finally {
      rot.cleanup();
    }
  });
});

describe('secrets on PostgreSQL', { skip: 'skip' in pg ? pg.skip : false }, () => {
  const h = makeHome();
  let drop: (() => Promise<void>) | null = null;
  let dbUrl = '';
  let dbName = '';
  before(async () => {
    if ('skip' in pg) return;
    const db = await pg.createDatabase('updraft_secrets');
    drop = db.drop;
    dbUrl = db.url;
    dbName = db.name;
    h.env.UPDRAFT__DATABASE__URL = db.url;
    const migrate = await runCli(['db', 'migrate'], h.env);
    assert.equal(migrate.code, 0, migrate.stderr);
  });
  after(async () => {
    if (drop !== null) await drop();
    h.cleanup();
  });

  test('without [secrets] encryption_key, commands that touch secrets refuse with one clear error; dags list still works', async () => {
    for (const args of [['connections', 'list'], ['variables', 'set', 'k', 'v'], ['connections', 'add', 'x', '--conn-uri', 'http://h']]) {
      const r = await runCli(args, h.env);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim(),
        'error: [secrets] encryption_key is not set; a PostgreSQL metadata database needs an explicit key shared by every scheduler and worker: '
        + 'generate one with `updraft config generate-key` and set UPDRAFT__SECRETS__ENCRYPTION_KEY [UPDRAFT_ERR_CONFIG]');
    }
    assert.ok(!existsSync(join(h.home, 'secret.key')), 'no key file is generated for PostgreSQL');
    const list = await runCli(['dags', 'list'], h.env);
    assert.equal(list.code, 0, list.stderr);
  });

  test('config generate-key prints a usable key; pg_dump of the database holds no plaintext secret', async () => {
    const gen = await runCli(['config', 'generate-key'], h.env);
    assert.equal(gen.code, 0);
    const key = gen.stdout.trim();
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    const env = { ...h.env, UPDRAFT__SECRETS__ENCRYPTION_KEY: key };
    const password = 'Pg-Plaintext-Secret-91';
    assert.equal((await runCli(['connections', 'add', 'warehouse', '--conn-uri', `postgres://u:${password}@wh:5432/db?private_key=pk-in-extra-555`], env)).code, 0);
    assert.equal((await runCli(['variables', 'set', 'slack_token', 'xoxb-pg-variable-secret'], env)).code, 0);
    const got = json<ConnJson>((await runCli(['connections', 'get', 'warehouse', '-o', 'json', '--show-secrets'], env)).stdout);
    assert.equal(got.password, password);
    const pgDump = findBinary('pg_dump', postgresBinDirs());
    assert.ok(pgDump !== null, 'pg_dump is installed');
    const dump = await run(pgDump, ['--dbname', dbUrl, '--data-only'], { timeoutMs: 60_000 });
    assert.ok(dump.includes('warehouse'), `the dump of ${dbName} has the connection row`);
    for (const plain of [password, 'pk-in-extra-555', 'xoxb-pg-variable-secret']) assert.ok(!dump.includes(plain), `${plain} is not in pg_dump`);
  });
});
