import { execFile, spawn } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/*
 * Private database servers for tests, started in a temp dir on a free port when no shared one is
 * reachable, and stopped (by the pid we started) when the test process exits.
 */

export interface RunAs {
  uid: number;
  gid: number;
}

export interface PrivateServer {
  pid: number;
  dir: string;
  logFile: string;
}

interface Running {
  pid: number;
  dir: string;
  signal: NodeJS.Signals;
  /** A file the server removes on a clean shutdown (its pid file), to wait for before removing dir. */
  goneWhenStopped: string | null;
}

const running: Running[] = [];
let hooksInstalled = false;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function stop(server: Running): void {
  try {
    process.kill(server.pid, server.signal);
  } catch {
    // already gone
  }
  const deadline = Date.now() + 5000;
  while (server.goneWhenStopped !== null && existsSync(server.goneWhenStopped) && Date.now() < deadline) sleepSync(50);
  rmSync(server.dir, { recursive: true, force: true });
}

function stopAll(): void {
  for (const server of running.splice(0)) stop(server);
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Stops one private server now (tests of the harness itself). */
export function stopPrivateServer(pid: number): void {
  const index = running.findIndex((s) => s.pid === pid);
  if (index < 0) return;
  const [server] = running.splice(index, 1);
  stop(server!);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections at host:port within timeoutMs. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Servers that refuse to run as root (PostgreSQL, MariaDB) run as their system user. */
export function systemUser(name: string): RunAs | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: not Linux
  }
  return null;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable named `name` in `dirs`, then on PATH. */
export function findBinary(name: string, dirs: readonly string[] = []): string | null {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, ...pathDirs, '/usr/sbin', '/usr/local/sbin']) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

/** /usr/lib/postgresql/<version>/bin, newest version first. */
export function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

export function makeServerDir(prefix: string, runAs: RunAs | null): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (runAs !== null) chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

export function run(file: string, args: readonly string[], options: { runAs?: RunAs | null; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {
      timeout: options.timeoutMs ?? 60_000,
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}${stderr ? `\n${stderr}` : ''}`));
      else resolve(stdout);
    });
  });
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a server process detached from the test's event loop (it never keeps the test process
 * alive), then waits until `ready()` answers true.
 */
export async function startServer(options: {
  file: string;
  args: readonly string[];
  dir: string;
  runAs: RunAs | null;
  stopSignal: NodeJS.Signals;
  goneWhenStopped: string | null;
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<PrivateServer> {
  installExitHooks();
  const logFile = join(options.dir, 'server.log');
  const fd = openSync(logFile, 'a');
  if (options.runAs !== null) chownSync(logFile, options.runAs.uid, options.runAs.gid);
  const child = spawn(options.file, options.args, {
    stdio: ['ignore', fd, fd],
    ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
  });
  closeSync(fd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  child.once('error', (error) => {
    exited = error.message;
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${options.file}`);
  running.push({ pid: child.pid, dir: options.dir, signal: options.stopSignal, goneWhenStopped: options.goneWhenStopped });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (await options.ready()) return { pid: child.pid, dir: options.dir, logFile };
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = exited ?? 'did not become ready in time';
  const tail = logTail(logFile);
  stopPrivateServer(child.pid);
  throw new Error(`${options.file} ${why}; its log ends with:\n${tail}`);
}
