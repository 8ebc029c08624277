// A DAG-parse worker process: imports DAG files for the DAG processor and answers with their
// serialized specs. Protocol: src/core/ports/parse-protocol.ts. Requests are handled one at a time
// in arrival order (the processor's per-file timeout then measures exactly one file). The process
// exits when its IPC channel closes, so it never outlives the processor.
import { toError } from '../common/errors.js';
import type { ParseProcessorMessage, ParseWorkerMessage, ParsedDag } from '../core/ports/parse-protocol.js';
import { hashDagSpec, serializeDag } from '../core/serialize-dag.js';
import { loadDagModule, stripVersion } from './dag-loader.js';

function send(message: ParseWorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Parses one file; never throws. */
async function parseFile(file: string, version: string): Promise<{ ok: true; dags: ParsedDag[] } | { ok: false; message: string; stack: string | null }> {
  try {
    const dags = await loadDagModule(file, version);
    return {
      ok: true,
      dags: dags.map((dag) => {
        const spec = serializeDag(dag, file);
        return { spec, hash: hashDagSpec(spec) };
      }),
    };
  } catch (error) {
    const e = toError(error);
    return { ok: false, message: stripVersion(e.message), stack: e.stack === undefined ? null : stripVersion(e.stack) };
  }
}

let current: number | null = null;
let queue: Promise<void> = Promise.resolve();

function enqueue(message: Extract<ParseProcessorMessage, { type: 'parse' }>): void {
  queue = queue.then(async () => {
    current = message.requestId;
    const result = await parseFile(message.file, message.version);
    await send({ type: 'parsed', requestId: message.requestId, ...result });
    current = null;
  });
}

// An error from a DAG file's stray timer or promise: report it against the file being parsed (or
// leave, when none is), then exit, since the module that threw stays loaded in this process.
function onUncaught(error: unknown): void {
  const e = toError(error);
  const requestId = current;
  if (requestId === null) process.exit(1);
  const exit = (): void => process.exit(1);
  void send({
    type: 'parsed', requestId, ok: false,
    message: `a DAG file threw after it was imported (uncaught): ${stripVersion(e.message)}`,
    stack: e.stack === undefined ? null : stripVersion(e.stack),
  }).then(exit, exit);
}

process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

process.on('message', (raw: unknown) => {
  const message = raw as ParseProcessorMessage;
  if (message === null || typeof message !== 'object' || message.type !== 'parse') return;
  enqueue(message);
});

process.on('disconnect', () => process.exit(0));

if (process.send === undefined) {
  process.stderr.write('updraft parse worker: not started with an IPC channel (fork it from the DAG processor)\n');
  process.exit(2);
}
void send({ type: 'ready' });
