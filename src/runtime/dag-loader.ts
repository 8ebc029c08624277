import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { isAbsolute, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UpdraftError, toError } from '../common/errors.js';
import { isDag, type Dag } from '../sdk/dag.js';

/**
 * Imports user DAG files. They are TypeScript or JavaScript ES modules anywhere on disk that
 * `import { dag, task } from 'updraft'` (and 'updraft/providers/<name>'); loader-hooks.mjs maps
 * those bare specifiers to this package's sources, so the DAG file and the runtime share module
 * instances (getContext() inside a task sees the context the runtime set). TypeScript is compiled
 * by tsx: this module is itself TypeScript, so a tsx loader is already active in any process that
 * runs it (bin/updraft.js registers it, workers are forked with `--import tsx`); when it is not
 * (a future compiled build), tsx's register() is called here.
 *
 * Re-importing a file whose content changed must see the change, but ES modules are cached for the
 * life of the process: a `version` (the file's mtime, the DAG processor's content hash) is added to
 * the URL as `?updraft_v=<version>`, and the hooks pass it on to the user's own files the DAG file
 * imports. Every version stays in the module map (ESM has no unload): that leak is why DAG-parse and
 * task workers are recycled after a number of files / attempts.
 */

const VERSION_PARAM = 'updraft_v';
let hooksRegistered = false;

async function ensureHooks(): Promise<void> {
  if (hooksRegistered) return;
  hooksRegistered = true;
  if (!import.meta.url.endsWith('.ts')) {
    // No TypeScript loader can be assumed: register tsx before our hooks (ours run first).
    const tsx = await import('tsx/esm/api');
    tsx.register();
  }
  register(new URL('./loader-hooks.mjs', import.meta.url), {
    parentURL: import.meta.url,
    data: { srcUrl: new URL('../', import.meta.url).href },
  });
}

/** The absolute path of this package's `src/` folder (frames inside it are not user code). */
const SRC_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * Imports a DAG file and returns the DAGs it exports: the default export and every named export
 * that is a DAG or an array of DAGs, each once, in export order (default first). A file that
 * exports no DAG gives []. Throws UPDRAFT_ERR_DAG_IMPORT naming the file and the cause.
 */
export async function loadDagModule(file: string, version?: string): Promise<Dag[]> {
  await ensureHooks();
  const path = isAbsolute(file) ? file : resolvePath(file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UpdraftError('UPDRAFT_ERR_DAG_IMPORT', `DAG file ${path} does not exist or is not a file`, { details: { file: path } });
  }
  const url = pathToFileURL(path);
  if (version !== undefined && version !== '') url.searchParams.set(VERSION_PARAM, version);
  // ESM evaluates a URL once per process anyway; remembering its DAGs skips the resolve-hook round
  // trip that even a cached import() pays (~1 ms per task attempt in a warm worker).
  const cached = loaded.get(url.href);
  if (cached !== undefined) return cached;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    throw importError(path, error);
  }
  const dags = collectDags(namespace, path);
  loaded.set(url.href, dags);
  return dags;
}

/** DAGs of each versioned module URL this process has imported. */
const loaded = new Map<string, Dag[]>();

/** DAGs exported by a module namespace (see loadDagModule). */
export function collectDags(namespace: Record<string, unknown>, path: string): Dag[] {
  const found: Dag[] = [];
  const seen = new Set<unknown>();
  const byId = new Map<string, string>();
  const add = (value: unknown, exportName: string): void => {
    if (!isDag(value) || seen.has(value)) return;
    const previous = byId.get(value.dagId);
    if (previous !== undefined) {
      throw new UpdraftError('UPDRAFT_ERR_DAG_IMPORT',
        `DAG file ${path} exports two different DAGs with id ${JSON.stringify(value.dagId)} (${previous} and ${exportName}); DAG ids must be unique`,
        { details: { file: path, dagId: value.dagId } });
    }
    seen.add(value);
    byId.set(value.dagId, exportName);
    found.push(value);
  };
  const names = Object.keys(namespace);
  const ordered = names.includes('default') ? ['default', ...names.filter((n) => n !== 'default')] : names;
  for (const name of ordered) {
    const value = namespace[name];
    if (Array.isArray(value)) value.forEach((item, i) => add(item, `${name}[${i}]`));
    else add(value, name === 'default' ? 'the default export' : `export ${name}`);
  }
  return found;
}

/** Removes our cache-busting query from paths and URLs in messages and stacks. */
export function stripVersion(text: string): string {
  return text.replace(/\?updraft_v=[^\s:)'"]*/g, '');
}

/** `path:line:col` of the first stack frame in user code (not Node, not node_modules, not Updraft). */
export function userFrameLocation(stack: string | undefined): string | null {
  if (stack === undefined) return null;
  for (const line of stack.split('\n')) {
    const match = /^\s*at (?:.*? \()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (match === null) continue;
    let location = stripVersion(match[1] ?? '');
    if (location.startsWith('file://')) {
      try {
        location = fileURLToPath(location);
      } catch {
        continue;
      }
    }
    if (location.includes(`${sep}node_modules${sep}`) || location.startsWith(SRC_DIR)) continue;
    return `${location}:${match[2]}:${match[3]}`;
  }
  return null;
}

/**
 * The one line that says what went wrong: esbuild's "Transform failed with 1 error:" header is
 * replaced by the error it announces ("Unexpected ';'", with its location); Node's SyntaxError
 * message is used as is, with the location Node prints above it.
 */
function describeCause(error: Error, path: string): { summary: string; location: string | null } {
  const message = stripVersion(error.message);
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? error.name;
  if (/^Transform failed with \d+ errors?:?$/.test(first) && lines[1] !== undefined) {
    const esbuild = /^(.*?):(\d+):(\d+): ERROR: (.*)$/.exec(lines[1]);
    if (esbuild !== null) return { summary: `SyntaxError: ${esbuild[4]}`, location: `${esbuild[1]}:${esbuild[2]}:${esbuild[3]}` };
    return { summary: `SyntaxError: ${lines[1]}`, location: null };
  }
  const stack = error.stack === undefined ? undefined : stripVersion(error.stack);
  let location = userFrameLocation(stack);
  if (location === null && error.name === 'SyntaxError' && path.endsWith('.mjs')) location = syntaxErrorLine(path);
  const name = error.name !== 'Error' && error.name !== 'UpdraftError' && !first.startsWith(error.name) ? `${error.name}: ` : '';
  return { summary: `${name}${first}`, location };
}

/**
 * Node's own parser (plain .mjs files, not compiled by tsx) keeps the line of a syntax error out of
 * the error object; `node --check` prints it. Only on this error path, so the cost does not matter.
 */
function syntaxErrorLine(path: string): string | null {
  const result = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  const match = /^(?:file:\/\/)?(\/[^\n]*?):(\d+)$/m.exec(result.stderr ?? '');
  return match === null ? null : `${match[1] === undefined ? path : decodeURI(match[1])}:${match[2]}`;
}

function importError(path: string, cause: unknown): UpdraftError {
  const error = toError(cause);
  const { summary, location } = describeCause(error, path);
  const where = location === null ? '' : ` (at ${location})`;
  const causeCode = (error as { code?: unknown }).code;
  const wrapped = new UpdraftError('UPDRAFT_ERR_DAG_IMPORT', `DAG file ${path} could not be imported: ${summary}${where}`,
    { cause, details: { file: path, location, causeCode: typeof causeCode === 'string' ? causeCode : null } });
  const causeStack = stripVersion(error.stack ?? `${error.name}: ${error.message}`);
  wrapped.stack = `${wrapped.name}: ${wrapped.message}\nCaused by: ${causeStack}`;
  return wrapped;
}
