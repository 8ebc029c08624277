import type { DagSpec } from '../dag-spec.js';

/**
 * The DAG-parse protocol: the DAG processor forks long-lived parse worker processes
 * (src/runtime/parse-main.ts, `fork(path, { execArgv: ['--import', 'tsx'] })`) and talks to each over
 * IPC. The worker sends `ready` once, then answers every `parse` with exactly one `parsed` carrying
 * the same requestId, one request at a time in arrival order. A worker exits when its IPC channel
 * closes; the processor kills one that exceeds the per-file timeout and forks a new one.
 */

/** Processor → parse worker. */
export interface ParseRequestMessage {
  type: 'parse';
  requestId: number;
  /** Absolute path of the DAG file. */
  file: string;
  /**
   * Changes whenever the file content changes (mtime or content hash): the file is imported again
   * under this version, and the same version is served from the worker's module cache.
   */
  version: string;
}

export type ParseProcessorMessage = ParseRequestMessage;

/** One DAG a file defines, serialized, with the hash of its spec (hashDagSpec). */
export interface ParsedDag {
  spec: DagSpec;
  hash: string;
}

/** Parse worker → processor. */
export type ParseWorkerMessage =
  | { type: 'ready' }
  | { type: 'parsed'; requestId: number; ok: true; dags: ParsedDag[] }
  /** The file could not be imported or serialized; `message` names the file and the cause (code UPDRAFT_ERR_DAG_IMPORT or the serializer's). */
  | { type: 'parsed'; requestId: number; ok: false; message: string; stack: string | null };
