import { mkdirSync, mkdtempSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the bench puts its UPDRAFT_HOMEs and scratch files: `UPDRAFT_BENCH_DIR`, or
 * `~/.cache/updraft-bench`, next to the default UPDRAFT_HOME (`~/updraft`) on the same file system,
 * as a user's installation would be. Every task attempt creates its log folder and file there; on
 * our machines' disk that costs 0.3–2 ms per attempt whichever folder it is in (measured
 * 2026-11-21: /tmp, /root and /work alike, varying with the load; /dev/shm 0.02 ms), so the bench
 * does not pick a faster file system than a user would have.
 */
export function benchRoot(): string {
  const root = process.env.UPDRAFT_BENCH_DIR !== undefined && process.env.UPDRAFT_BENCH_DIR !== ''
    ? process.env.UPDRAFT_BENCH_DIR
    : join(homedir(), '.cache', 'updraft-bench');
  mkdirSync(root, { recursive: true });
  return root;
}

/** A fresh folder under benchRoot(); the caller removes it. */
export function benchTempDir(prefix: string): string {
  return mkdtempSync(join(benchRoot(), prefix));
}
