import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ExportColumn } from './column-kinds.js';
import type { RowBatch } from './copy-text.js';
import { timestampTextInstant } from './timestamp-format.js';

/**
 * Parquet with typed columns, written in row groups straight into an upload: bool → BOOLEAN,
 * int2/int4 → INT32, int8 → INT64, float → DOUBLE, timestamps → INT64 TIMESTAMP_MICROS (UTC
 * instants; a timestamp without time zone is read as UTC), date → DATE, json/jsonb → JSON,
 * bytea → BYTE_ARRAY, numeric and everything else → UTF8 strings (numeric keeps every digit).
 * Row groups hold `rowGroupSize` rows; memory is bounded by one row group.
 */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

interface Sink {
  write(chunk: Uint8Array): Promise<void>;
}

/** A ByteWriter that hands its bytes to the sink after every row group instead of growing. */
class SinkWriter extends ByteWriter {
  readonly #sink: Sink;

  constructor(sink: Sink) {
    super(1 << 20);
    this.#sink = sink;
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.#sink.write(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

export class ParquetPartEncoder {
  readonly #columns: readonly ExportColumn[];
  readonly #writer: ParquetWriter;
  readonly #rowGroupSize: number;
  #pending: unknown[][];
  #count = 0;

  constructor(columns: readonly ExportColumn[], sink: Sink, rowGroupSize = 100_000) {
    this.#columns = columns;
    this.#rowGroupSize = rowGroupSize;
    this.#pending = columns.map(() => []);
    this.#writer = new ParquetWriter({
      writer: new SinkWriter(sink),
      schema: [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)],
      createdBy: 'updraft',
    });
  }

  async add(batch: RowBatch, from = 0, to = batch.rows): Promise<void> {
    const { cells, width } = batch;
    for (let r = from; r < to; r++) {
      for (let c = 0; c < this.#columns.length; c++) this.#pending[c]!.push(toParquetValue(cells[r * width + c]!, this.#columns[c]!));
      this.#count++;
      if (this.#count >= this.#rowGroupSize) await this.#flushGroup();
    }
  }

  async finish(): Promise<void> {
    if (this.#count > 0) await this.#flushGroup();
    await this.#writer.finish();
  }

  async #flushGroup(): Promise<void> {
    const columnData = this.#columns.map((column, i) => ({ name: column.name, data: this.#pending[i]! }));
    this.#pending = this.#columns.map(() => []);
    const rows = this.#count;
    this.#count = 0;
    await this.#writer.write({ columnData, rowGroupSize: rows });
  }
}

function schemaElement(column: ExportColumn): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  switch (column.kind) {
    case 'bool': return { ...base, type: 'BOOLEAN' };
    case 'int': return { ...base, type: 'INT32' };
    case 'bigint': return { ...base, type: 'INT64' };
    case 'float': return { ...base, type: 'DOUBLE' };
    case 'timestamp':
    case 'timestamptz': return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MICROS' };
    case 'date': return { ...base, type: 'INT32', converted_type: 'DATE' };
    case 'json': return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON' };
    case 'bytes': return { ...base, type: 'BYTE_ARRAY' };
    case 'numeric':
    case 'text':
    case 'time': return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    default: {
      const exhaustive: never = column.kind;
      return exhaustive;
    }
  }
}


function toParquetValue(cell: string | null, column: ExportColumn): unknown {
  if (cell === null) return null;
  switch (column.kind) {
    case 'bool': return cell === 't' || cell === 'true' || cell === '1';
    case 'int': return Number(cell);
    case 'bigint': return BigInt(cell);
    case 'float': return Number(cell);
    case 'json': return JSON.parse(cell) as unknown;
    case 'bytes': return new Uint8Array(Buffer.from(cell.startsWith('\\x') ? cell.slice(2) : cell, 'hex'));
    case 'date': {
      const days = Date.parse(`${cell.slice(0, 10)}T00:00:00Z`) / 86_400_000;
      return Number.isFinite(days) ? days : null;
    }
    case 'timestamp':
    case 'timestamptz': {
      const instant = timestampTextInstant(cell);
      return instant === null ? null : BigInt(instant.seconds) * 1_000_000n + BigInt(instant.micros);
    }
    case 'numeric':
    case 'text':
    case 'time': return cell;
    default: {
      const exhaustive: never = column.kind;
      return exhaustive;
    }
  }
}
