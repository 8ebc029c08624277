// Node module-resolution hooks for DAG files (registered by dag-loader.ts with module.register; they
// run on Node's loader thread). Plain JavaScript on purpose: a hooks module is loaded before any
// TypeScript loader can be relied on to apply to it.
//
// 1. The bare specifiers `updraft`, `updraft/connections` and `updraft/providers/<name>` resolve to this package's own
//    sources, so a DAG file anywhere on disk (no node_modules next to it) imports the very module
//    instances the runtime uses: getContext() in a task sees the context the runtime set.
// 2. A DAG file imported as `file.ts?updraft_v=<version>` passes that version on to the user files it
//    imports by relative or absolute path (not to packages, not to Updraft's src/), so re-importing a
//    changed DAG file also picks up changes in its helper modules.
// 3. User TypeScript files are loaded as ES modules even without a package.json "type": "module"
//    (a dags/ folder usually has none; tsx would otherwise compile them to CommonJS, where the
//    hooks above do not apply to require() on Node 20).

import { existsSync, readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION_PARAM = 'updraft_v';

/** @type {{ indexUrl: string, connectionsUrl: string, providersUrl: string, srcPath: string }} */
let config = {
  indexUrl: new URL('../index.ts', import.meta.url).href,
  connectionsUrl: new URL('../connections/index.ts', import.meta.url).href,
  providersUrl: new URL('../providers/', import.meta.url).href,
  srcPath: fileURLToPath(new URL('../', import.meta.url)),
};

export function initialize(data) {
  if (data !== undefined && data !== null && typeof data.srcUrl === 'string') {
    config = {
      indexUrl: new URL('index.ts', data.srcUrl).href,
      connectionsUrl: new URL('connections/index.ts', data.srcUrl).href,
      providersUrl: new URL('providers/', data.srcUrl).href,
      srcPath: fileURLToPath(data.srcUrl),
    };
  }
}

const TS_SOURCE = /\.(ts|tsx)$/;
const PROVIDER = /^updraft\/providers\/([A-Za-z0-9_-]+)$/;

function providerNames() {
  try {
    return readdirSync(fileURLToPath(config.providersUrl), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(fileURLToPath(new URL(`${entry.name}/index.ts`, config.providersUrl))))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function isUserFile(url) {
  if (!url.startsWith('file:')) return false;
  const path = fileURLToPath(url);
  if (path.includes(`${sep}node_modules${sep}`)) return false;
  return !path.startsWith(config.srcPath);
}

function versionOf(parentURL) {
  if (typeof parentURL !== 'string' || !parentURL.startsWith('file:')) return null;
  const index = parentURL.indexOf('?');
  if (index < 0) return null;
  return new URLSearchParams(parentURL.slice(index + 1)).get(VERSION_PARAM);
}

export async function resolve(specifier, context, nextResolve) {
  // Resolved through the rest of the chain (tsx) like any file URL, so the result (URL, format) is
  // exactly what the runtime's own relative imports of these files get: one module instance.
  if (specifier === 'updraft') return nextResolve(config.indexUrl, context);
  if (specifier === 'updraft/connections') return nextResolve(config.connectionsUrl, context);
  if (specifier.startsWith('updraft/')) {
    const provider = PROVIDER.exec(specifier);
    const url = provider === null ? null : new URL(`${provider[1]}/index.ts`, config.providersUrl).href;
    if (url === null || !existsSync(fileURLToPath(url))) {
      const error = new Error(`Cannot find module '${specifier}' imported from ${context.parentURL ?? 'the DAG file'}: `
        + `Updraft exports 'updraft', 'updraft/connections' and 'updraft/providers/<name>' with <name> one of ${providerNames().join(', ') || '(none installed)'}`);
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    }
    return nextResolve(url, context);
  }
  let resolved = await nextResolve(specifier, context);
  if (typeof resolved.url === 'string' && isUserFile(resolved.url) && TS_SOURCE.test(new URL(resolved.url).pathname)
    && (resolved.format === 'commonjs' || resolved.format === 'commonjs-typescript')) {
    // Newer Node versions name TypeScript formats '*-typescript'; keep that part.
    resolved = { ...resolved, format: resolved.format === 'commonjs' ? 'module' : 'module-typescript' };
  }
  const version = versionOf(context.parentURL);
  const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (version !== null && relative && typeof resolved.url === 'string' && isUserFile(resolved.url)) {
    const url = new URL(resolved.url);
    if (!url.searchParams.has(VERSION_PARAM)) {
      url.searchParams.set(VERSION_PARAM, version);
      return { ...resolved, url: url.href };
    }
  }
  return resolved;
}
