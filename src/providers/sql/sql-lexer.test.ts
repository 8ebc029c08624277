import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../../common/errors.js';
import { mysqlDialect } from '../mysql/mysql-driver.js';
import { postgresDialect } from '../postgres/postgres-driver.js';
import { bindNamedParameters, splitSqlStatements } from './sql-lexer.js';

const pgRules = postgresDialect.lexer;
const myRules = mysqlDialect.lexer;

describe('splitSqlStatements', () => {
  test('splits on semicolons, trims, drops empty and comment-only statements', () => {
    assert.deepEqual(splitSqlStatements('SELECT 1;\n  SELECT 2 ;;\n-- only a comment\n;', pgRules), ['SELECT 1', 'SELECT 2']);
    assert.deepEqual(splitSqlStatements('SELECT 1', pgRules), ['SELECT 1']);
  });

  test('semicolons in strings, quoted identifiers and comments do not split', () => {
    const sql = `INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT "we;ird" FROM t -- c;omment
      ; /* block; /* nested; */ still */ SELECT 3`;
    assert.deepEqual(splitSqlStatements(sql, pgRules), [
      `INSERT INTO t VALUES ('a;b', 'it''s; fine')`,
      'SELECT "we;ird" FROM t -- c;omment',
      '/* block; /* nested; */ still */ SELECT 3',
    ]);
  });

  test('PostgreSQL dollar quoting, tagged and untagged, and E strings', () => {
    const fn = `CREATE FUNCTION f() RETURNS int AS $$ BEGIN RAISE NOTICE 'x;y'; RETURN 1; END; $$ LANGUAGE plpgsql`;
    const tagged = `DO $body$ BEGIN PERFORM 1; END $body$`;
    const escaped = `SELECT E'it\\'s; here'`;
    assert.deepEqual(splitSqlStatements(`${fn};\n${tagged};${escaped}; SELECT $1::int`, pgRules), [fn, tagged, escaped, 'SELECT $1::int']);
  });

  test('MySQL backslash escapes, backticks and # comments', () => {
    const sql = "INSERT INTO `a;b` VALUES ('x\\';y'); # note; here\nSELECT \"q;\"";
    assert.deepEqual(splitSqlStatements(sql, myRules), ["INSERT INTO `a;b` VALUES ('x\\';y')", '# note; here\nSELECT "q;"']);
  });

  test('an unterminated string is UPDRAFT_ERR_INVALID_ARGUMENT naming the line', () => {
    assert.throws(() => splitSqlStatements("SELECT 1;\nSELECT 'oops", pgRules), (error: unknown) =>
      isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT') && /unterminated string.*line 2/.test(error.message));
    assert.throws(() => splitSqlStatements('SELECT $$ never closed', pgRules), /unterminated dollar-quoted string/);
  });
});

describe('bindNamedParameters', () => {
  const pgBind = { rules: pgRules, placeholder: (i: number) => `$${i}`, reuseSlots: true };
  const myBind = { rules: myRules, placeholder: () => '?', reuseSlots: false };

  test('PostgreSQL: :name becomes $n, reused names share a slot; casts, strings and comments are left alone', () => {
    const out = bindNamedParameters("SELECT :a::text, ':b', :b, :a -- :c\n WHERE x = :c", { a: 1, b: 2, c: 3 }, pgBind);
    assert.equal(out.sql, "SELECT $1::text, ':b', $2, $1 -- :c\n WHERE x = $3");
    assert.deepEqual(out.values, [1, 2, 3]);
  });

  test('MySQL: each :name becomes ? with its value repeated', () => {
    const out = bindNamedParameters('SELECT :a, :b, :a', { a: 'x', b: 'y' }, myBind);
    assert.equal(out.sql, 'SELECT ?, ?, ?');
    assert.deepEqual(out.values, ['x', 'y', 'x']);
  });

  test('a missing key is UPDRAFT_ERR_INVALID_ARGUMENT naming it', () => {
    assert.throws(() => bindNamedParameters('SELECT :missing', { other: 1 }, pgBind), (error: unknown) =>
      isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT') && error.message.includes(':missing') && error.message.includes('"other"'));
  });
});

describe('insert SQL', () => {
  test('PostgreSQL upsert updates the non-key columns from EXCLUDED; identifiers are quoted', () => {
    const sql = postgresDialect.insertSql({ table: 'public.t', columns: ['id', 'na"me'], width: 2, rowCount: 2, upsert: { conflictColumns: ['id'] } });
    assert.equal(sql, 'INSERT INTO public.t ("id", "na""me") VALUES ($1, $2), ($3, $4) ON CONFLICT ("id") DO UPDATE SET "na""me" = EXCLUDED."na""me"');
  });

  test('MySQL replace is REPLACE INTO', () => {
    assert.equal(mysqlDialect.insertSql({ table: 't', columns: ['a`b'], width: 1, rowCount: 2, upsert: { conflictColumns: [] } }),
      'REPLACE INTO t (`a``b`) VALUES (?), (?)');
  });
});
