import { UpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import type { DriverSession } from './driver.js';
import { positiveInteger } from './hook-support.js';
import { truncateStatement } from './sql-errors.js';
import type { IterRowsOptions, RowMode, SqlField, SqlParameters, SqlRowStream } from './types.js';

export interface StreamRowsInput {
  sql: string;
  options: IterRowsOptions & { rowMode?: RowMode };
  acquire(): Promise<DriverSession>;
  bind(sql: string, parameters: SqlParameters | undefined): { sql: string; values: unknown[] | undefined };
  wrap(error: unknown): UpdraftError;
  log(): TaskLogger;
}

/** The SqlRowStream of iterRows: a session is taken when iteration starts and given back when it ends. */
export function streamRows(input: StreamRowsInput): SqlRowStream<unknown> {
  const batchSize = positiveInteger(input.options.batchSize, 2000, 'iterRows batchSize');
  const rowMode = input.options.rowMode ?? 'object';
  const bound = input.bind(input.sql, input.options.parameters);
  let fields: SqlField[] | null = null;
  let rowCount = 0;
  let started = false;

  async function* rows(): AsyncGenerator<unknown> {
    const session = await input.acquire();
    let finished = false;
    input.log().info(`Streaming rows of: ${truncateStatement(input.sql, 1000)} (batches of ${batchSize})`);
    const batches = session.stream(bound.sql, bound.values, {
      batchSize, rowMode, onFields: (f) => { fields = f; },
    });
    try {
      while (true) {
        let next: IteratorResult<unknown[]>;
        try {
          next = await batches.next();
        } catch (error) {
          throw input.wrap(error);
        }
        if (next.done === true) break;
        for (const row of next.value) {
          rowCount += 1;
          yield row;
        }
      }
      finished = true;
      fields ??= [];
      input.log().info(`Streamed ${rowCount} rows`);
    } finally {
      // A stream left half-read may still hold rows on the wire: stop it and drop the session.
      if (!finished) await batches.return(undefined).catch(() => undefined);
      session.release(!finished);
    }
  }

  return {
    get fields() {
      return fields;
    },
    get rowCount() {
      return rowCount;
    },
    [Symbol.asyncIterator]() {
      if (started) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'an iterRows() stream can be iterated only once; call iterRows() again to re-run the query');
      }
      started = true;
      return rows();
    },
  };
}
