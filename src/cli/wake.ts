import { closeSync, existsSync, openSync, utimesSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/**
 * A file in UPDRAFT_HOME that CLI commands touch after changing what the scheduler should act on
 * (trigger, clear, pause, backfill), so a running standalone scheduler reacts at once instead of at
 * its next safety-net pass. Watching a file costs nothing while idle.
 */
export function wakeFile(home: string): string {
  return join(home, '.scheduler-wake');
}

export function touchWake(home: string): void {
  const file = wakeFile(home);
  try {
    if (!existsSync(file)) closeSync(openSync(file, 'a'));
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // No home yet (a store given by URL only): the scheduler's safety net still picks the change up.
  }
}

export function watchWake(home: string, onWake: () => void): FSWatcher | null {
  const file = wakeFile(home);
  try {
    if (!existsSync(file)) closeSync(openSync(file, 'a'));
    return watch(file, { persistent: false }, () => onWake());
  } catch {
    return null;
  }
}
