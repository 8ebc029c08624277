import { readFileSync, readdirSync } from 'node:fs';

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
}

/**
 * Whether this process has child processes now, from /proc/self/task/<tid>/children (cheap: no
 * scan of every process). null when the kernel does not offer that file.
 */
function hasChildren(): boolean | null {
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim() !== '') return true;
    }
    return false;
  } catch {
    return null;
  }
}

function readProcesses(): ProcessInfo[] | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const out: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

/** Pids of every live descendant of `root` (children, grandchildren, …); [] where /proc is missing. */
export function descendantPids(root: number = process.pid): number[] {
  return descendants(root).map((p) => p.pid);
}

function descendants(root: number): ProcessInfo[] {
  const all = readProcesses();
  if (all === null) return [];
  const byParent = new Map<number, ProcessInfo[]>();
  for (const info of all) {
    const list = byParent.get(info.ppid) ?? [];
    list.push(info);
    byParent.set(info.ppid, list);
  }
  const out: ProcessInfo[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      stack.push(child.pid);
    }
  }
  return out;
}

/**
 * Kills everything this process started, including children that left our process group
 * (`detached: true`, as the BashOperator spawns bash): each descendant's own group is signalled
 * too, which reaches grandchildren whose parent already exited. Linux only (reads /proc);
 * elsewhere it does nothing, and the executor's kill of the worker's group is the only cleanup.
 * Returns the pids signalled.
 */
export function killDescendants(signal: NodeJS.Signals = 'SIGKILL'): number[] {
  // Descendants whose parent exited belong to init, not to us: no child now means nothing to find.
  if (hasChildren() === false) return [];
  const ownGroup = readProcesses()?.find((p) => p.pid === process.pid)?.pgrp ?? process.pid;
  const found = descendants(process.pid);
  const groups = new Set<number>();
  for (const info of found) {
    if (info.pgrp !== ownGroup && info.pgrp > 1) groups.add(info.pgrp);
  }
  for (const pgrp of groups) {
    try {
      process.kill(-pgrp, signal);
    } catch {
      // The group is gone already.
    }
  }
  for (const info of found) {
    try {
      process.kill(info.pid, signal);
    } catch {
      // Gone already.
    }
  }
  return found.map((p) => p.pid);
}
