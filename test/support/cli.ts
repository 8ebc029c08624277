import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/updraft.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A throwaway UPDRAFT_HOME with a dags/ folder; `cleanup()` removes it. */
export function makeHome(prefix = 'updraft-e2e-'): { home: string; dags: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const dags = join(home, 'dags');
  mkdirSync(dags, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env, UPDRAFT_HOME: home,
    // Keep test runs snappy: heartbeat often, short grace periods.
    UPDRAFT__SCHEDULER__HEARTBEAT_INTERVAL: '1s', UPDRAFT__SCHEDULER__WORKER_HEARTBEAT_INTERVAL: '1s',
    UPDRAFT__SCHEDULER__SHUTDOWN_GRACE_PERIOD: '5s', UPDRAFT__CORE__PARALLELISM: '4',
  };
  return { home, dags, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function writeDag(folder: string, name: string, source: string): string {
  const file = join(folder, name);
  writeFileSync(file, source);
  return file;
}

/** Runs `updraft <args>` as a user does and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`updraft ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `updraft standalone` (or `scheduler`) process. */
export class ServerProcess {
  readonly child: ChildProcess;
  output = '';

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const start = Date.now();
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode} before ${pattern}:\n${this.output}`);
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${this.output}`);
      await sleep(100);
    }
  }

  /** SIGTERM, then the exit code (graceful shutdown). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until fn returns a truthy value (or throws after timeoutMs with the last value). */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const start = Date.now();
  let last: T | undefined;
  while (Date.now() - start < timeoutMs) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
