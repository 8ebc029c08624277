import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/*
 * A real S3-compatible server for tests: s3rver (npm), started in a child process per test file.
 * Known s3rver quirks (DESIGN.md): it needs --openssl-legacy-provider for list pagination, its
 * multipart ETags have no `-N` suffix, and Delimiter listings drop "folders" that hold only
 * sub-folders. Tests do not assert on those behaviours.
 */

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';
const MAIN = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));

export interface S3TestServer {
  endpoint: string;
  port: number;
  /** An Airflow-style connection URI for an `aws` connection to this server. */
  connectionUri: string;
  /** The same connection as JSON (what UPDRAFT_CONN_<ID> also accepts). */
  connectionJson: string;
  /** Environment for the AWS SDK / aws CLI to reach this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${stderr}`)), 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^port=(\d+)$/.exec(line);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${stderr}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const extra = { endpoint_url: endpoint, region_name: 'us-east-1' };
  return {
    endpoint,
    port,
    connectionUri: `aws://${S3_ACCESS_KEY}:${S3_SECRET_KEY}@/?endpoint_url=${encodeURIComponent(endpoint)}&region_name=us-east-1`,
    connectionJson: JSON.stringify({ conn_type: 'aws', login: S3_ACCESS_KEY, password: S3_SECRET_KEY, extra }),
    env: {
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
