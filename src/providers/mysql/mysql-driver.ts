import type { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { PoolConnection as CorePoolConnection, ExecuteValues, FieldPacket, PoolOptions } from 'mysql2';
import type { TaskLogger } from '../../sdk/context.js';
import {
  valuesTuples, type DriverResult, type DriverSession, type DriverStreamOptions, type InsertSpec, type SqlDialect, type SqlDriver,
} from '../sql/driver.js';
import type { RowMode, SqlField, SqlFieldKind } from '../sql/types.js';

export function quoteMySqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function isPlainValueObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  lexer: { dollarQuotes: false, backslashEscapes: true, hashComments: true, nestedBlockComments: false },
  placeholder: () => '?',
  reuseSlots: false,
  quoteIdentifier: quoteMySqlIdentifier,
  maxBindParameters: 65_535,
  prepareValue(value) {
    if (value === undefined) return null;
    if (typeof value === 'bigint') return value.toString();
    // Objects and arrays go to JSON columns as JSON text (MariaDB has no JSON parameter type).
    if (isPlainValueObject(value)) return JSON.stringify(value);
    return value;
  },
  insertSql(spec: InsertSpec): string {
    const verb = spec.upsert === null ? 'INSERT INTO' : 'REPLACE INTO';
    const columns = spec.columns === null ? '' : ` (${spec.columns.map(quoteMySqlIdentifier).join(', ')})`;
    return `${verb} ${spec.table}${columns} VALUES ${valuesTuples(mysqlDialect, spec.width, spec.rowCount)}`;
  },
};

const TYPES: Record<number, [string, SqlFieldKind]> = {
  0x00: ['DECIMAL', 'decimal'], 0x01: ['TINY', 'integer'], 0x02: ['SHORT', 'integer'], 0x03: ['LONG', 'integer'],
  0x04: ['FLOAT', 'float'], 0x05: ['DOUBLE', 'float'], 0x06: ['NULL', 'other'], 0x07: ['TIMESTAMP', 'timestamptz'],
  0x08: ['LONGLONG', 'bigint'], 0x09: ['INT24', 'integer'], 0x0a: ['DATE', 'date'], 0x0b: ['TIME', 'time'],
  0x0c: ['DATETIME', 'timestamp'], 0x0d: ['YEAR', 'integer'], 0x0e: ['NEWDATE', 'date'], 0x0f: ['VARCHAR', 'string'],
  0x10: ['BIT', 'binary'], 0xf5: ['JSON', 'json'], 0xf6: ['NEWDECIMAL', 'decimal'], 0xf7: ['ENUM', 'string'],
  0xf8: ['SET', 'string'], 0xf9: ['TINY_BLOB', 'string'], 0xfa: ['MEDIUM_BLOB', 'string'], 0xfb: ['LONG_BLOB', 'string'],
  0xfc: ['BLOB', 'string'], 0xfd: ['VAR_STRING', 'string'], 0xfe: ['STRING', 'string'], 0xff: ['GEOMETRY', 'other'],
};
const BINARY_CHARSET = 63;

export function mysqlField(field: FieldPacket): SqlField {
  const typeId = field.columnType ?? field.type ?? -1;
  const known = TYPES[typeId];
  let kind = known?.[1] ?? 'other';
  if (kind === 'string' && field.characterSet === BINARY_CHARSET) kind = 'binary';
  if (field.extendedFormat === 'json') kind = 'json';
  return { name: field.name, type: known?.[0] ?? `type:${typeId}`, typeId, kind };
}

function toResult(result: unknown, fields: FieldPacket[] | undefined): DriverResult {
  if (Array.isArray(result)) {
    return { rows: result as unknown[], fields: (fields ?? []).map(mysqlField), rowCount: result.length };
  }
  const header = result as { affectedRows?: number } | null;
  return { rows: [], fields: [], rowCount: typeof header?.affectedRows === 'number' ? header.affectedRows : null };
}

class MySqlSession implements DriverSession {
  constructor(readonly connection: mysql.PoolConnection) {}

  async query(statement: string, values: readonly unknown[] | undefined, rowMode: RowMode): Promise<DriverResult> {
    const options = { sql: statement, rowsAsArray: rowMode === 'array' };
    // With values: a server-side prepared statement, so the server binds them (mysql2 caches it per connection).
    const [result, fields] = values === undefined || values.length === 0
      ? await this.connection.query(options)
      : await this.connection.execute(options, values as ExecuteValues[]);
    return toResult(result, fields);
  }

  async* stream(statement: string, values: readonly unknown[] | undefined, options: DriverStreamOptions): AsyncGenerator<unknown[]> {
    const core = this.connection.connection as unknown as CorePoolConnection;
    const config = { sql: statement, rowsAsArray: options.rowMode === 'array' };
    const command = values === undefined || values.length === 0 ? core.query(config) : core.execute(config, values as ExecuteValues[]);
    let fieldsSent = false;
    command.on('fields', (fields: FieldPacket[]) => {
      if (fieldsSent) return;
      fieldsSent = true;
      options.onFields(fields.map(mysqlField));
    });
    // highWaterMark bounds the rows buffered: mysql2 pauses the socket when the stream is full.
    const rows = (command as unknown as { stream(o: { highWaterMark: number }): Readable }).stream({ highWaterMark: options.batchSize });
    let batch: unknown[] = [];
    try {
      for await (const row of rows) {
        batch.push(row);
        if (batch.length >= options.batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (!fieldsSent) options.onFields([]);
      if (batch.length > 0) yield batch;
    } finally {
      rows.destroy();
    }
  }

  release(broken = false): void {
    if (broken) this.connection.destroy();
    else this.connection.release();
  }
}

export class MySqlDriver implements SqlDriver {
  readonly pool: mysql.Pool;

  constructor(config: PoolOptions, log: TaskLogger) {
    this.pool = mysql.createPool(config);
    const core = this.pool.pool;
    // UTC sessions: TIMESTAMP values then match the Dates mysql2 reads and writes with timezone 'Z'.
    core.on('connection', (connection) => {
      connection.query('SET time_zone = \'+00:00\'', (error: Error | null) => {
        if (error) log.warn(`Could not set the MySQL session time zone to UTC: ${error.message}`);
      });
    });
  }

  async acquire(): Promise<DriverSession> {
    return new MySqlSession(await this.pool.getConnection());
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
