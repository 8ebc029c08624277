import pg from 'pg';
import type { SqlField, SqlFieldKind } from '../sql/types.js';

/**
 * How PostgreSQL values come back: pg's parsers (int8 and numeric as exact strings, json/jsonb
 * parsed, timestamp/timestamptz as Date, bytea as Buffer), except `date`, which stays the
 * 'YYYY-MM-DD' text: a Date at local midnight would shift the day in other time zones.
 * These parsers are per pool: pg's global parsers (the metadata store's) are not touched.
 */

const DATE_OID = 1082;
const DATE_ARRAY_OID = 1182;
const TEXT_ARRAY_OID = 1009;

const identity = (value: string): string => value;

export const postgresTypeParsers = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (format !== 'binary') {
      if (oid === DATE_OID) return identity;
      if (oid === DATE_ARRAY_OID) return pg.types.getTypeParser(TEXT_ARRAY_OID as never, 'text') as (value: string) => unknown;
    }
    return pg.types.getTypeParser(oid as never, (format ?? 'text') as 'text') as (value: string) => unknown;
  },
};

const NAMES: Record<number, [string, SqlFieldKind]> = {
  16: ['bool', 'boolean'], 17: ['bytea', 'binary'], 18: ['char', 'string'], 19: ['name', 'string'],
  20: ['int8', 'bigint'], 21: ['int2', 'integer'], 23: ['int4', 'integer'], 25: ['text', 'string'],
  26: ['oid', 'integer'], 114: ['json', 'json'], 142: ['xml', 'string'], 700: ['float4', 'float'],
  701: ['float8', 'float'], 790: ['money', 'string'], 869: ['inet', 'string'], 650: ['cidr', 'string'],
  1042: ['bpchar', 'string'], 1043: ['varchar', 'string'], 1082: ['date', 'date'], 1083: ['time', 'time'],
  1114: ['timestamp', 'timestamp'], 1184: ['timestamptz', 'timestamptz'], 1186: ['interval', 'other'],
  1266: ['timetz', 'time'], 1700: ['numeric', 'decimal'], 2950: ['uuid', 'string'], 3802: ['jsonb', 'json'],
  1000: ['_bool', 'other'], 1005: ['_int2', 'other'], 1007: ['_int4', 'other'], 1016: ['_int8', 'other'],
  1009: ['_text', 'other'], 1015: ['_varchar', 'other'], 199: ['_json', 'other'], 3807: ['_jsonb', 'other'],
  1021: ['_float4', 'other'], 1022: ['_float8', 'other'], 1231: ['_numeric', 'other'], 1182: ['_date', 'other'],
  1115: ['_timestamp', 'other'], 1185: ['_timestamptz', 'other'], 2951: ['_uuid', 'other'],
};

export function postgresField(field: { name: string; dataTypeID: number }): SqlField {
  const known = NAMES[field.dataTypeID];
  return {
    name: field.name,
    type: known?.[0] ?? `oid:${field.dataTypeID}`,
    typeId: field.dataTypeID,
    kind: known?.[1] ?? 'other',
  };
}
