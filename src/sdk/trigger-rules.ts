/** Trigger rules with Airflow's names and meaning (core/states.ts re-exports this list). */
export const TRIGGER_RULES = [
  'all_success', 'all_failed', 'all_done', 'all_skipped', 'one_success', 'one_failed', 'one_done',
  'none_failed', 'none_failed_min_one_success', 'none_skipped', 'always',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export function isTriggerRule(value: unknown): value is TriggerRule {
  return typeof value === 'string' && (TRIGGER_RULES as readonly string[]).includes(value);
}

/** What a task is, for the scheduler and runtime (mirrors TaskKind in core/dag-spec.ts). */
export type TaskKind = 'operator' | 'taskflow' | 'branch' | 'short_circuit' | 'sensor';
