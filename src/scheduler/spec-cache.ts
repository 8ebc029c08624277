import type { DagSpec, TaskSpec } from '../core/dag-spec.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import { UpdraftError } from '../common/errors.js';

/** A DAG version with the lookups the scheduler needs on its hot path. */
export interface CompiledSpec {
  spec: DagSpec;
  hash: string;
  tasks: ReadonlyMap<string, TaskSpec>;
  leaves: readonly string[];
  /** Whether any task has dependsOnPast (then evaluations read the previous run). */
  dependsOnPast: boolean;
}

export function compileSpec(spec: DagSpec, hash: string): CompiledSpec {
  const tasks = new Map(spec.tasks.map((t) => [t.taskId, t]));
  return {
    spec, hash, tasks, leaves: spec.tasks.filter((t) => t.downstream.length === 0).map((t) => t.taskId),
    dependsOnPast: spec.tasks.some((t) => t.dependsOnPast),
  };
}

/** Versions are immutable, so a version read once is cached for the life of the process. */
export class SpecCache {
  private readonly byHash = new Map<string, CompiledSpec>();

  constructor(private readonly store: MetadataStore) {}

  async get(dagId: string, hash: string): Promise<CompiledSpec> {
    const key = `${dagId}\u0000${hash}`;
    const cached = this.byHash.get(key);
    if (cached !== undefined) return cached;
    const version = await this.store.getDagVersion(dagId, hash);
    if (version === null) {
      throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `DAG ${dagId} has no stored version ${hash.slice(0, 12)}`);
    }
    const compiled = compileSpec(version.spec, hash);
    this.byHash.set(key, compiled);
    return compiled;
  }
}

/** All tasks downstream of `taskId` (transitively), not including it. */
export function descendants(compiled: CompiledSpec, taskId: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(compiled.tasks.get(taskId)?.downstream ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(compiled.tasks.get(id)?.downstream ?? []));
  }
  return out;
}

/** All tasks upstream of `taskId` (transitively), not including it. */
export function ancestors(compiled: CompiledSpec, taskId: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(compiled.tasks.get(taskId)?.upstream ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(compiled.tasks.get(id)?.upstream ?? []));
  }
  return out;
}
