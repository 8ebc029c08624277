import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UpdraftError } from '../../common/errors.js';

/** What tells a changed file from an unchanged one without reading it. */
export interface FileStamp {
  mtimeMs: number;
  size: number;
}

const DAG_FILE = /\.(ts|mts|js|mjs)$/;
const NOT_DAG_FILE = /(\.d\.ts|\.d\.mts|\.test\.(ts|mts|js|mjs)|\.spec\.(ts|mts|js|mjs))$/;

export function isDagFileName(name: string): boolean {
  return DAG_FILE.test(name) && !NOT_DAG_FILE.test(name) && !name.startsWith('.');
}

/**
 * Every candidate DAG file under `folder` (absolute paths), with its stamp: .ts/.mts/.js/.mjs,
 * recursively, skipping node_modules, dot-folders and dot-files, type declarations and tests.
 * Symbolic links are followed (a linked folder of DAGs is common); a link loop is cut by depth.
 */
export async function listDagFiles(folder: string): Promise<Map<string, FileStamp>> {
  const found = new Map<string, FileStamp>();
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) {
      throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the DAGs folder ${folder} is not a folder; set [core] dags_folder to a folder of DAG files`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the DAGs folder ${folder} does not exist; create it or set [core] dags_folder`);
    }
    throw error;
  }
  await walk(folder, found, 0);
  return found;
}

const MAX_DEPTH = 32;

async function walk(dir: string, found: Map<string, FileStamp>, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Deleted or unreadable while we walk: it simply is not there this pass.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
    throw error;
  }
  const subdirs: string[] = [];
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) subdirs.push(path);
    else if ((entry.isFile() || entry.isSymbolicLink()) && (entry.isSymbolicLink() || isDagFileName(entry.name))) files.push(path);
  }
  await Promise.all(files.map(async (path) => {
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        subdirs.push(path);
      } else if (info.isFile() && isDagFileName(basename(path))) {
        found.set(path, { mtimeMs: info.mtimeMs, size: info.size });
      }
    } catch {
      // Gone between readdir and stat (or a dangling link): not there this pass.
    }
  }));
  for (const sub of subdirs) await walk(sub, found, depth + 1);
}
