import { spawn } from 'node:child_process';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Contender } from '../harness.js';
import type { ExportChildResult } from './export-child.js';

/*
 * The export workload's contenders: `psql \copy` to a file (the reference of the DESIGN.md target),
 * `psql \copy … to stdout | aws s3 cp -` (the shell way to S3), and the PostgresToS3Operator in a
 * process of its own. Every repetition checks the line count of what it wrote (outside the timing),
 * so a broken export cannot look fast.
 */

const CHILD = fileURLToPath(new URL('./export-child.ts', import.meta.url));
// export-child.ts prints its result on the line that starts with this.
const EXPORT_LINE_PREFIX = 'EXPORT_RESULT ';
// GNU time reports the peak RSS of the process it runs (the largest process of a pipeline: wait4 of bash).
const GNU_TIME = '/usr/bin/time';
const RSS_PREFIX = 'BENCH_MAXRSS_KB=';
const CPU_PREFIX = 'BENCH_CPU_S=';

export interface ExportSetup {
  rows: number;
  query: string;
  databaseUrl: string;
  bucket: string;
  s3: { endpoint: string; env: Record<string, string>; connectionJson: string };
  client: S3Client;
  tempDir: string;
}

interface Ran {
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects (with its stderr) when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8000); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = performance.now() - began;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${command} ${args.slice(0, 2).join(' ')}… exited with ${signal ?? `code ${code}`}: ${stderr.trim().slice(-2000)}`));
    });
  });
}

/** Wraps a command in GNU time when it is installed, so its peak RSS is known; the wrapper costs ~1 ms. */
function timed(command: string, args: string[]): [string, string[]] {
  return existsSync(GNU_TIME) ? [GNU_TIME, ['-f', `${RSS_PREFIX}%M ${CPU_PREFIX}%U+%S`, command, ...args]] : [command, args];
}

/** Peak RSS (MiB) and CPU time (ms, user + system, waited-for children included) from GNU time's line. */
function gnuTimeFigures(stderr: string): { rssMb?: number; cpuMs?: number } {
  const rss = new RegExp(`${RSS_PREFIX}(\\d+)`).exec(stderr);
  const cpu = new RegExp(`${CPU_PREFIX}([\\d.]+)\\+([\\d.]+)`).exec(stderr);
  return {
    ...(rss === null ? {} : { rssMb: Number(rss[1]) / 1024 }),
    ...(cpu === null ? {} : { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 }),
  };
}

async function countNewlines(stream: AsyncIterable<Buffer | Uint8Array>): Promise<number> {
  let lines = 0;
  for await (const chunk of stream) {
    let at = -1;
    while ((at = chunk.indexOf(10, at + 1)) !== -1) lines++;
  }
  return lines;
}

async function objectLines(setup: ExportSetup, key: string): Promise<number> {
  const result = await setup.client.send(new GetObjectCommand({ Bucket: setup.bucket, Key: key }));
  return countNewlines(result.Body as Readable);
}

function expectLines(what: string, got: number, expected: number): void {
  if (got !== expected) throw new Error(`${what} has ${got} lines; expected ${expected}: the export is broken, its timing is not recorded`);
}

function psqlArgs(setup: ExportSetup, command: string): string[] {
  const url = new URL(setup.databaseUrl);
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', '-d', url.pathname.slice(1), '-c', command];
}

function psqlEnv(setup: ExportSetup): NodeJS.ProcessEnv {
  const url = new URL(setup.databaseUrl);
  return url.password === '' ? process.env : { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function firstLine(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(command, args);
  return (stdout.trim() || stderr.trim()).split('\n')[0]!.trim();
}

function metrics(setup: ExportSetup, ms: number, figures: { rssMb?: number; cpuMs?: number; wallMs?: number }): Record<string, number> {
  return {
    rps: setup.rows / (ms / 1000),
    ...(figures.cpuMs === undefined ? {} : { cpu: (figures.cpuMs / ms) * 100 }),
    ...(figures.rssMb === undefined ? {} : { rss: figures.rssMb }),
    wall: (figures.wallMs ?? ms) / 1000,
  };
}

/** `psql \copy (query) to '<file>'`: TSV to a local file, process start to exit. */
export function psqlCopyContender(setup: ExportSetup, pairWith: string): Contender {
  const file = join(setup.tempDir, 'psql-copy.tsv');
  return {
    id: 'psql-copy', system: 'psql', config: `\\copy (${setup.query}) to a file, text format (TSV)`, pairWith,
    async open() {
      this.system = (await firstLine('psql', ['--version'])).replace(/^psql \(PostgreSQL\)/, 'psql');
    },
    async rep() {
      const [command, args] = timed('psql', psqlArgs(setup, `\\copy (${setup.query}) to '${file}'`));
      const { ms, stderr } = await run(command, args, psqlEnv(setup));
      expectLines('the \\copy file', await countNewlines(createReadStream(file)), setup.rows);
      rmSync(file, { force: true });
      return metrics(setup, ms, gnuTimeFigures(stderr));
    },
    async close() {
      rmSync(file, { force: true });
    },
  };
}

/** `psql -c "\copy (query) to stdout" | aws s3 cp - s3://…`: the shell pipeline to S3, both processes timed. */
export function psqlAwsContender(setup: ExportSetup, awsCli: string): Contender {
  const key = 'psql-aws/export.tsv';
  return {
    id: 'psql-aws', system: 'psql | aws s3 cp', config: `\\copy … to stdout piped to \`aws s3 cp - s3://${setup.bucket}/${key}\` (${awsCli})`,
    async open() {
      if (!existsSync(awsCli)) {
        throw new Error(`${awsCli} is not installed (the bench does not install it; \`apt-get install awscli\`, or point UPDRAFT_BENCH_AWS_CLI at an aws CLI)`);
      }
      this.system = `psql | ${await firstLine(awsCli, ['--version'])}`.replace(/ Python\/.*$/, '');
    },
    async rep() {
      const psql = ['psql', ...psqlArgs(setup, `\\copy (${setup.query}) to stdout`)].map(shellQuote).join(' ');
      const aws = [awsCli, 's3', 'cp', '-', `s3://${setup.bucket}/${key}`, '--endpoint-url', setup.s3.endpoint, '--no-progress', '--only-show-errors'].map(shellQuote).join(' ');
      const [command, args] = timed('bash', ['-o', 'pipefail', '-c', `${psql} | ${aws}`]);
      const { ms, stderr } = await run(command, args, { ...psqlEnv(setup), ...setup.s3.env });
      expectLines(`s3://${setup.bucket}/${key}`, await objectLines(setup, key), setup.rows);
      return metrics(setup, ms, gnuTimeFigures(stderr));
    },
    async close() {},
  };
}

/** The PostgresToS3Operator in a child process; rows/s from its execute(), wall time from process start. */
export function updraftContender(setup: ExportSetup, format: 'jsonl' | 'csv'): Contender {
  const key = `updraft/export.${format}`;
  return {
    id: `updraft-${format}`, system: 'Updraft', config: `PostgresToS3Operator, ${format === 'jsonl' ? 'JSON lines' : 'CSV'}, defaults (COPY, 8 MiB parts)`,
    async open() {},
    async rep() {
      const args = ['--import', 'tsx', CHILD, '--database-url', setup.databaseUrl, '--aws-connection', setup.s3.connectionJson,
        '--query', setup.query, '--bucket', setup.bucket, '--key', key, '--format', format];
      const { ms: wallMs, stdout } = await run(process.execPath, args);
      const line = stdout.split('\n').find((l) => l.startsWith(EXPORT_LINE_PREFIX));
      if (line === undefined) throw new Error(`the Updraft export process printed no result: ${stdout.slice(-2000)}`);
      const result = JSON.parse(line.slice(EXPORT_LINE_PREFIX.length)) as ExportChildResult;
      if (result.rows !== setup.rows) throw new Error(`the operator reported ${result.rows} rows; expected ${setup.rows}`);
      // CSV files start with a header line.
      expectLines(`s3://${setup.bucket}/${key}`, await objectLines(setup, key), setup.rows + (format === 'csv' ? 1 : 0));
      return metrics(setup, result.ms, { rssMb: result.maxRssKb / 1024, cpuMs: result.cpuMs, wallMs });
    },
    async close() {},
  };
}
