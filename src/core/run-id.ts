import type { RunType } from './states.js';

const RUN_ID = /^[A-Za-z0-9_.:+-]{1,250}$/;

/**
 * Airflow's run id: `<type>__<logical date as Python's isoformat()>`, e.g.
 * `scheduled__2026-01-01T00:00:00+00:00`; sub-second digits appear (as microseconds, the way
 * Python prints them) only when the date has milliseconds, as manual trigger times usually do:
 * `manual__2026-01-01T10:15:02.123000+00:00`.
 */
export function makeRunId(runType: RunType, logicalDate: Date): string {
  return `${runType}__${pythonIsoformat(logicalDate)}`;
}

/** Letters, digits and `_ . - : +`, 1 to 250 characters (Airflow's run_id column is 250 wide). */
export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id);
}

function pythonIsoformat(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`}+00:00`;
}
