/**
 * How an exported column is encoded, derived from its database type. Values reach the encoders as
 * PostgreSQL's text representation (COPY text output, or the same text built from driver values):
 * numbers keep every digit, timestamps arrive as `YYYY-MM-DD HH:MM:SS[.ffffff][+TZ]`.
 */
export type ColumnKind =
  | 'bool' | 'int' | 'bigint' | 'float' | 'numeric' | 'text' | 'json' | 'bytes'
  | 'timestamp' | 'timestamptz' | 'date' | 'time';

export interface ExportColumn {
  name: string;
  kind: ColumnKind;
}

/** PostgreSQL type OIDs (pg_type.oid) of the types with their own encoding; others export as text. */
const PG_KINDS = new Map<number, ColumnKind>([
  [16, 'bool'],
  [21, 'int'], [23, 'int'],
  [20, 'bigint'], [26, 'bigint'],
  [700, 'float'], [701, 'float'],
  [1700, 'numeric'], [790, 'text'],
  [114, 'json'], [3802, 'json'],
  [17, 'bytes'],
  [1114, 'timestamp'], [1184, 'timestamptz'],
  [1082, 'date'], [1083, 'time'], [1266, 'time'],
  [25, 'text'], [1043, 'text'], [1042, 'text'], [19, 'text'], [18, 'text'], [2950, 'text'], [869, 'text'], [650, 'text'],
]);

/** Kinds PostgreSQL's COPY text prints in a form the encoders read directly; others are sent as to_json(). */
export function pgColumnKind(typeId: number): ColumnKind | null {
  return PG_KINDS.get(typeId) ?? null;
}

/** mysql2 column type codes (mysql2's Types) to kinds. */
const MYSQL_KINDS = new Map<number, ColumnKind>([
  [1, 'int'], [2, 'int'], [3, 'int'], [9, 'int'], [13, 'int'],
  [8, 'bigint'],
  [4, 'float'], [5, 'float'],
  [0, 'numeric'], [246, 'numeric'],
  [245, 'json'],
  [7, 'timestamptz'], [12, 'timestamp'],
  [10, 'date'], [14, 'date'], [11, 'time'],
]);

export function mysqlColumnKind(typeCode: number): ColumnKind | null {
  return MYSQL_KINDS.get(typeCode) ?? null;
}
