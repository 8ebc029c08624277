/**
 * The scoped logger every library layer receives by injection. Only the CLI and API edges decide
 * where lines go (a terminal, a file, a task log).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry `scope` (e.g. 'scheduler', 'executor.local'). */
  child(scope: string): Logger;
}

export interface LogRecord {
  time: Date;
  level: LogLevel;
  scope: string;
  message: string;
  fields?: Record<string, unknown>;
}

export type LogSink = (record: LogRecord) => void;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(sink: LogSink, options: { level?: LogLevel; scope?: string } = {}): Logger {
  const min = LEVEL_ORDER[options.level ?? 'info'];
  const scope = options.scope ?? 'updraft';
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_ORDER[level] < min) return;
    sink(fields === undefined ? { time: new Date(), level, scope, message } : { time: new Date(), level, scope, message, fields });
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger(sink, { level: options.level ?? 'info', scope: `${scope}.${child}` }),
  };
}

/** A logger that drops everything (tests, library calls with no logger given). */
export const silentLogger: Logger = createLogger(() => undefined);

/** One human-readable line: `2026-11-21T10:00:00.123Z INFO  [scheduler] message key=value`. */
export function formatLogRecord(record: LogRecord): string {
  const fields = record.fields === undefined ? '' : ' ' + Object.entries(record.fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${record.time.toISOString()} ${record.level.toUpperCase().padEnd(5)} [${record.scope}] ${record.message}${fields}`;
}
