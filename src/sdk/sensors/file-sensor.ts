import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UpdraftError } from '../../common/errors.js';
import type { TaskContext } from '../context.js';
import { describe } from '../naming.js';
import { resolveTemplateFunctions, type Templated } from '../templated.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from './base-sensor-operator.js';

export interface FileSensorOptions extends BaseSensorOperatorOptions {
  /** A path; its last segment may hold `*` and `?` wildcards. Templated. */
  filepath: Templated<string>;
  /** Default false: with true, the last segment is matched in sub-directories too. */
  recursive?: boolean;
}

/**
 * Waits for a file. True when a file matches `filepath`, or when a matching directory contains a
 * file (at any depth), as Airflow's FileSensor does.
 */
export class FileSensor extends BaseSensorOperator {
  override readonly templateFields: readonly string[] = ['filepath'];
  filepath: Templated<string>;
  readonly recursive: boolean;

  constructor(options: FileSensorOptions) {
    super(options, ['filepath', 'recursive']);
    const what = `FileSensor ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    if (typeof options.filepath !== 'function' && (typeof options.filepath !== 'string' || options.filepath === '')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has filepath: ${describe(options.filepath)}; it must be a path or a function of the task context`);
    }
    if (options.recursive !== undefined && typeof options.recursive !== 'boolean') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has recursive: ${describe(options.recursive)}; it must be true or false`);
    }
    this.filepath = options.filepath;
    this.recursive = options.recursive ?? false;
  }

  async poke(ctx: TaskContext): Promise<boolean> {
    const path = resolveTemplateFunctions(this.filepath, ctx);
    if (typeof path !== 'string' || path === '') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `filepath of ${this.taskId} rendered to ${describe(path)}; it must be a path`);
    }
    ctx.log.info(`Poking for file ${path}`);
    const name = basename(path);
    const dir = dirname(path);
    if (!/[*?]/.test(name) && !this.recursive) return containsFile(path);
    const pattern = wildcardToRegExp(name);
    return this.search(dir, pattern);
  }

  private async search(dir: string, pattern: RegExp): Promise<boolean> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (pattern.test(entry.name) && await containsFile(join(dir, entry.name))) return true;
    }
    if (this.recursive) {
      for (const entry of entries) {
        if (entry.isDirectory() && await this.search(join(dir, entry.name), pattern)) return true;
      }
    }
    return false;
  }
}

/** A file, or a directory holding a file at any depth. */
async function containsFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (info === null) return false;
  if (!info.isDirectory()) return true;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (await containsFile(join(path, entry.name))) return true;
  }
  return false;
}

function wildcardToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}
