import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SecretMasker } from './secret-masker.js';

/**
 * Where a task log line came from:
 * - `updraft`: the engine (attempt start/end, errors, warnings about the DAG file);
 * - `task`: the task's logger (ctx.log.info(...));
 * - `stdout` / `stderr`: output the task wrote to the process streams or console.*, captured.
 */
export type TaskLogSource = 'updraft' | 'task' | 'stdout' | 'stderr';
export type TaskLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface TaskLogWriterOptions {
  /** Secrets to mask; a fresh masker when omitted (reachable as writer.masker). */
  masker?: SecretMasker;
  /** Also receives every formatted, masked line as it is written (`dags test` prints them). */
  tee?: (line: string) => void;
  /** Clock for the timestamps (tests). */
  now?: () => Date;
}

/** A partial line longer than this is written out without waiting for its newline. */
const MAX_PARTIAL_LINE = 64 * 1024;

/**
 * Formats one log line. The format is the contract readers rely on (the UI colours by it):
 *
 *     2026-11-21T10:00:00.123Z INFO  [task] hello
 *
 * an ISO-8601 UTC timestamp with milliseconds, the level upper-cased and padded to 5, the source
 * in brackets, then the text. Captured stdout is logged at INFO, stderr at WARN.
 */
export function formatTaskLogLine(time: Date, line: { level: TaskLogLevel; source: TaskLogSource; text: string }): string {
  const { level, source, text } = line;
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} [${source}] ${text}`;
}

/** Splits a finished log line back into its parts; null for a line not in the format. */
export function parseTaskLogLine(line: string): { time: string; level: TaskLogLevel; source: TaskLogSource; text: string } | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR)\s* \[(updraft|task|stdout|stderr)\] (.*)$/s.exec(line);
  if (match === null) return null;
  return {
    time: match[1] ?? '',
    level: (match[2] ?? 'INFO').toLowerCase() as TaskLogLevel,
    source: (match[3] ?? 'updraft') as TaskLogSource,
    text: match[4] ?? '',
  };
}

interface StreamBuffer {
  decoder: StringDecoder;
  partial: string;
}

/**
 * Appends one attempt's log lines to a file. Every line is masked before it is written: text that
 * arrives in pieces (process.stdout.write('pass'); write('word\n')) is buffered per stream until
 * its newline and masked as a whole line, so a secret split across writes is still masked. A
 * secret that spans a newline is masked line by line (the masker registers each line of a
 * multi-line secret). Lines are written synchronously, so nothing is lost if the process dies
 * right after a line was logged.
 */
export class TaskLogWriter {
  readonly path: string;
  readonly masker: SecretMasker;
  readonly #tee: ((line: string) => void) | undefined;
  readonly #now: () => Date;
  #fd: number | null;
  #writeError: Error | null = null;
  readonly #streams: Record<'stdout' | 'stderr', StreamBuffer> = {
    stdout: { decoder: new StringDecoder('utf8'), partial: '' },
    stderr: { decoder: new StringDecoder('utf8'), partial: '' },
  };

  private constructor(path: string, fd: number, options: TaskLogWriterOptions) {
    this.path = path;
    this.#fd = fd;
    this.masker = options.masker ?? new SecretMasker();
    this.#tee = options.tee;
    this.#now = options.now ?? (() => new Date());
  }

  /** Opens (creating folders as needed) the log file for appending. */
  static async open(path: string, options: TaskLogWriterOptions = {}): Promise<TaskLogWriter> {
    // Synchronous on purpose: two local syscalls take microseconds, while two trips through the
    // libuv thread pool sit on every attempt's start-up path (the latency target is 2 ms).
    return TaskLogWriter.openSync(path, options);
  }

  /** Synchronous variant for callers that cannot await (crash paths). */
  static openSync(path: string, options: TaskLogWriterOptions = {}): TaskLogWriter {
    mkdirSync(dirname(path), { recursive: true });
    return new TaskLogWriter(path, openSync(path, 'a'), options);
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  /** The first error writing to the file, if any (later lines are then dropped, never thrown). */
  get writeError(): Error | null {
    return this.#writeError;
  }

  /** Logs a message; a multi-line message (a stack trace) becomes one prefixed line per line. */
  log(source: 'updraft' | 'task', level: TaskLogLevel, message: string): void {
    const time = this.#now();
    this.#emit(message.split(/\r?\n/).map((text) => ({ time, level, source, text })));
  }

  /** Captured process output; buffered until a newline (see the class comment). */
  write(stream: 'stdout' | 'stderr', chunk: string | Uint8Array): void {
    if (this.#fd === null) return;
    const buffer = this.#streams[stream];
    buffer.partial += typeof chunk === 'string' ? chunk : buffer.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const lastNewline = buffer.partial.lastIndexOf('\n');
    const level: TaskLogLevel = stream === 'stdout' ? 'info' : 'warn';
    const time = this.#now();
    if (lastNewline >= 0) {
      const complete = buffer.partial.slice(0, lastNewline);
      buffer.partial = buffer.partial.slice(lastNewline + 1);
      this.#emit(complete.split('\n').map((text) => ({ time, level, source: stream, text: text.replace(/\r$/, '') })));
    }
    if (buffer.partial.length > MAX_PARTIAL_LINE) {
      const text = buffer.partial;
      buffer.partial = '';
      this.#emit([{ time, level, source: stream, text }]);
    }
  }

  /** Writes out partial lines still waiting for their newline. */
  flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const buffer = this.#streams[stream];
      const text = buffer.partial + buffer.decoder.end();
      buffer.partial = '';
      buffer.decoder = new StringDecoder('utf8');
      if (text !== '') this.#emit([{ time: this.#now(), level: stream === 'stdout' ? 'info' : 'warn', source: stream, text: text.replace(/\r$/, '') }]);
    }
  }

  /** Flushes partial lines and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    if (this.#fd === null) return;
    this.flushPartial();
    const fd = this.#fd;
    this.#fd = null;
    try {
      closeSync(fd);
    } catch {
      // Closing can only fail if the fd is already gone; nothing is left to write.
    }
  }

  #emit(lines: Array<{ time: Date; level: TaskLogLevel; source: TaskLogSource; text: string }>): void {
    if (this.#fd === null || lines.length === 0) return;
    const formatted = lines.map((l) => formatTaskLogLine(l.time, { level: l.level, source: l.source, text: this.masker.mask(l.text) }));
    if (this.#writeError === null) {
      try {
        writeSync(this.#fd, formatted.join('\n') + '\n');
      } catch (error) {
        this.#writeError = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (this.#tee !== undefined) {
      for (const line of formatted) {
        try {
          this.#tee(line);
        } catch {
          // A failing tee (a closed terminal) must not break the task or its log file.
        }
      }
    }
  }
}
