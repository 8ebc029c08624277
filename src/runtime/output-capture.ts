import type { TaskLogWriter } from '../logs/task-log-writer.js';

type WriteFn = typeof process.stdout.write;

/**
 * Sends everything written to process.stdout / process.stderr during an attempt to its log
 * (`[stdout]` / `[stderr]` lines). console.* writes through these streams, so console.log lands
 * there too. Returns the function that restores the streams. Used in worker processes, where one
 * attempt runs at a time; the in-process executor leaves the terminal alone.
 */
export function captureProcessOutput(writer: TaskLogWriter): () => void {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const replace = (name: 'stdout' | 'stderr'): void => {
    // Same arity as stream.write, which it stands in for.
    // eslint-disable-next-line max-params
    const patched = function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof chunk === 'string') {
        const decoded = typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8'
          ? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8')
          : chunk;
        writer.write(name, decoded);
      } else if (chunk instanceof Uint8Array) {
        writer.write(name, chunk);
      } else if (chunk !== undefined && chunk !== null) {
        writer.write(name, String(chunk));
      }
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    process[name].write = patched as WriteFn;
  };
  replace('stdout');
  replace('stderr');
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  };
}
