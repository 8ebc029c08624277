import { open, readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The whole log of an attempt; null when the file does not exist (the attempt has not started). */
export async function readTaskLog(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export interface FollowTaskLogOptions {
  /** Stops following (the promise resolves; no error). */
  signal?: AbortSignal;
  /** Receives each complete line, without its newline, from the start of the file. */
  onLine: (line: string) => void;
  /** Asked when the file has no new bytes: true once the attempt has finished writing. */
  isFinished: () => Promise<boolean>;
  /** How often to look for new bytes, in milliseconds (default 200). */
  pollMs?: number;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Bytes of a log from an offset on: the local file or a remote copy. */
export interface LogByteSource {
  /** Bytes from `offset` (at most `max`); null when the log does not exist (yet). */
  read(offset: number, max: number): Promise<Buffer | null>;
}

/** The local log file as a byte source. */
export function fileLogSource(path: string): LogByteSource {
  return {
    async read(offset, max) {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      try {
        const chunk = Buffer.alloc(max);
        const { bytesRead } = await handle.read(chunk, 0, max, offset);
        return chunk.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * `tail -f` for a task log: emits every line from the start of the file, then new lines as they are
 * appended, until the attempt has finished and the file is drained (a last read after isFinished()
 * turns true, so lines written just before the end are not lost), or until the signal aborts.
 * A file that does not exist yet is waited for. A last line without a newline is emitted at the end.
 */
export function followTaskLog(path: string, options: FollowTaskLogOptions): Promise<void> {
  return followLog(fileLogSource(path), options);
}

/** followTaskLog over any byte source (a remote log is polled the same way). */
export async function followLog(source: LogByteSource, options: FollowTaskLogOptions): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const { signal } = options;
  const decoder = new StringDecoder('utf8');
  let offset = 0;
  let partial = '';

  const emit = (text: string): void => {
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  };

  /** Reads everything appended since the last read; returns whether anything was read. */
  const drain = async (): Promise<boolean> => {
    let readAny = false;
    for (;;) {
      const bytes = await source.read(offset, 64 * 1024);
      if (bytes === null || bytes.length === 0) break;
      offset += bytes.length;
      readAny = true;
      emit(decoder.write(bytes));
      if (signal?.aborted === true) break;
    }
    return readAny;
  };

  while (signal?.aborted !== true) {
    if (await drain()) continue;
    if (await options.isFinished()) {
      await drain();
      const rest = partial + decoder.end();
      if (rest !== '') options.onLine(rest);
      return;
    }
    await sleep(pollMs, signal);
  }
}
