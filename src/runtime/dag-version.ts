import type { Workload } from '../core/ports/execution-protocol.js';
import { hashDagSpec, serializeDag } from '../core/serialize-dag.js';
import type { Dag } from '../sdk/dag.js';

/** Hash per DAG object and file: a worker runs many attempts of one cached DAG module. */
const hashes = new WeakMap<Dag, Map<string, string>>();

/**
 * A warning when the DAG file now defines a different version of the DAG than the run was created
 * with (the task runs the code on disk, as Airflow does); null when they match or the hash cannot
 * be computed.
 */
export async function checkDagVersion(dag: Dag, workload: Workload, fileMtimeMs: number): Promise<string | null> {
  if (workload.dagVersionHash === '') return null;
  // Parsed into this run's version and untouched since: nothing to compare (see Workload.dagFileParsedAt).
  if (workload.dagFileParsedAt !== undefined && fileMtimeMs <= Date.parse(workload.dagFileParsedAt)) return null;
  let byFile = hashes.get(dag);
  if (byFile === undefined) {
    byFile = new Map();
    hashes.set(dag, byFile);
  }
  let hash = byFile.get(workload.fileloc);
  if (hash === undefined) {
    try {
      hash = hashDagSpec(serializeDag(dag, workload.fileloc));
    } catch {
      return null;
    }
    byFile.set(workload.fileloc, hash);
  }
  if (hash === workload.dagVersionHash) return null;
  return `The DAG file changed since this run was created (DAG version ${workload.dagVersionHash.slice(0, 12)} then, ${hash.slice(0, 12)} now); running the task as the file defines it now`;
}
