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

/**
 * `tail -f` for a task log: emits every line from the start of the file, then new lines as they are
 * appended, until the attempt has finished and the file is drained (a last read after isFinished()
 * turns true, so lines written just before the end are not lost), or until the signal aborts.
 * A file that does not exist yet is waited for. A last line without a newline is emitted at the end.
 */
export async function followTaskLog(path: string, options: FollowTaskLogOptions): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const { signal } = options;
  const decoder = new StringDecoder('utf8');
  const chunk = Buffer.alloc(64 * 1024);
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
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    let readAny = false;
    try {
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        readAny = true;
        emit(decoder.write(chunk.subarray(0, bytesRead)));
        if (signal?.aborted === true) break;
      }
    } finally {
      await handle.close();
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
