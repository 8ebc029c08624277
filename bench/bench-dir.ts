import { mkdirSync, mkdtempSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the bench puts its UPDRAFT_HOMEs and scratch files: `UPDRAFT_BENCH_DIR`, or
 * `~/.cache/updraft-bench`, next to the default UPDRAFT_HOME (`~/updraft`) on the same file system,
 * as a user's installation would be. Not the OS temp folder: on our machines /tmp creates a file or
 * a folder in about 1 ms against 0.03–0.08 ms in the home folder or /work (measured 2026-11-21), and
 * every task attempt creates its log folder and file.
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
