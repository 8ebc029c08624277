// pg-cursor ships no types: the part of its API the PostgreSQL hook uses.
declare module 'pg-cursor' {
  import type { FieldDef, Submittable } from 'pg';

  interface CursorConfig {
    rowMode?: 'array';
    types?: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
  }

  interface CursorResult {
    fields: FieldDef[];
  }

  class Cursor<Row = unknown> implements Submittable {
    constructor(text: string, values?: readonly unknown[] | null, config?: CursorConfig);
    submit: Submittable['submit'];
    read(rows: number, callback: (error: Error | undefined, rows: Row[], result: CursorResult) => void): void;
    close(callback: (error?: Error) => void): void;
  }

  export default Cursor;
}
