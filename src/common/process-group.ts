/**
 * Process-group bookkeeping for executors that fork worker processes. Each worker leads its own
 * group (forked `detached`), so signalling `-pid` reaches whatever the task spawned (bash, python)
 * as well. Every live group is also killed synchronously when this process exits, so a crash of the
 * scheduler never leaves task processes behind.
 */

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
}

/** Sends `signal` to the process group led by `pid`; returns false when no such group exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  // -1 would mean "every process we may signal" and -0 our own group: never.
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    // ESRCH: the group is gone; EPERM would mean the pid was reused by someone else's process.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/** Remembers a group to kill when this process exits. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllOnExit);
  }
}

export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}
