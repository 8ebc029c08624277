// The export benchmark's Updraft process: one PostgresToS3Operator run through execute(), as a task
// worker runs it (a test context holding the connections), in a process of its own so its peak RSS
// is the export's alone. Prints one JSON line on stdout: rows, ms and CPU ms (execute() only), maxRSS in KB.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PostgresToS3Operator, type SqlToS3Result } from '../../src/providers/aws/transfers/index.js';
import { runWithContext } from '../../src/sdk/context.js';
import { dag } from '../../src/sdk/dag.js';
import { makeTestContext } from '../../src/sdk/testing.js';

// The parent (export-contenders.ts) reads the line that starts with this.
export const EXPORT_LINE_PREFIX = 'EXPORT_RESULT ';

export interface ExportChildResult {
  rows: number;
  bytes: number;
  keys: string[];
  ms: number;
  /** User + system CPU time of the process during execute(), ms. */
  cpuMs: number;
  maxRssKb: number;
}

function connectionFromUrl(connId: string, url: string): Record<string, unknown> {
  const u = new URL(url);
  return {
    connId, connType: 'postgres', host: u.hostname, port: Number(u.port || 5432), login: decodeURIComponent(u.username) || null,
    password: u.password === '' ? null : decodeURIComponent(u.password), schema: u.pathname.slice(1), extra: {}, description: null,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      'aws-connection': { type: 'string' },
      query: { type: 'string' },
      bucket: { type: 'string' },
      key: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
    },
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`export-child: --${name} is required`);
    return value;
  };
  const awsConnection = { connId: 'aws_default', connType: 'aws', host: null, schema: null, port: null, description: null, ...(JSON.parse(required('aws-connection')) as Record<string, unknown>) };
  const pgConnection = connectionFromUrl('bench_pg', required('database-url'));

  let operator!: PostgresToS3Operator;
  dag({ dagId: 'bench_export', schedule: null }, () => {
    operator = new PostgresToS3Operator({
      taskId: 'export', postgresConnId: 'bench_pg', query: required('query'), s3Bucket: required('bucket'), s3Key: required('key'),
      fileFormat: required('format') as 'jsonl' | 'csv',
    });
  });
  const ctx = makeTestContext({ connections: { aws_default: awsConnection, bench_pg: pgConnection } });
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const result = await runWithContext(ctx, () => operator.execute(ctx) as Promise<SqlToS3Result>);
  const ms = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  const line: ExportChildResult = {
    rows: result.rowCount, bytes: result.files.reduce((sum, f) => sum + f.bytes, 0), keys: result.keys, ms, cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${EXPORT_LINE_PREFIX}${JSON.stringify(line)}\n`);
}

await main();
