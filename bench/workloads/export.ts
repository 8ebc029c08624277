import { rmSync } from 'node:fs';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createS3Client } from '../../src/providers/aws/s3-client.js';
import { startS3Server, type S3TestServer } from '../../test/support/s3.js';
import type { CreatedDatabase } from '../../test/support/services.js';
import { runAlternating, skippedResult, type BenchContext, type MetricDef, type Row, type Workload, type WorkloadResult } from '../harness.js';
import { formatRatio, median } from '../report.js';
import { psqlAwsContender, psqlCopyContender, updraftContender, type ExportSetup } from './export-contenders.js';
import { benchTempDir } from '../bench-dir.js';

const NAME = 'export';
const TABLE = 'bench_export';
const BUCKET = 'bench-export';
// Debian's awscli; a pyenv or pip one may come first on PATH, so the path is explicit (overridable).
const AWS_CLI = process.env.UPDRAFT_BENCH_AWS_CLI ?? '/usr/bin/aws';

function title(rows: number): string {
  return `Postgres → S3 export, ${rows.toLocaleString('en-US')} rows, against psql \\copy`;
}

/** The table every contender exports: the column kinds of the DESIGN.md target, Korean text included. */
async function createTable(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${TABLE} (id int, title text, created_at timestamptz, price numeric(12,4), meta jsonb)`);
    await client.query(`
      INSERT INTO ${TABLE}
      SELECT g, '영화 제목 ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', round(g * 1.2345 % 100000, 4),
             jsonb_build_object('genre', (ARRAY['drama', 'comedy', '스릴러', 'romance'])[1 + g % 4], 'rating', (g % 50) / 10.0, 'tags', jsonb_build_array('k' || g % 7, 'ko'))
      FROM generate_series(1, $1::int) g`, [rows]);
    // Set hint bits and statistics now, so the first export does not pay for them.
    await client.query(`VACUUM (FREEZE, ANALYZE) ${TABLE}`);
  } finally {
    await client.end();
  }
}

/** Ratios the table cannot show (it pairs each peer with one Updraft contender, against one target). */
function extraRatios(rows: Row[]): string[] {
  const rps = (id: string): number | undefined => {
    const row = rows.find((r) => r.contender.id === id && r.metric.key === 'rps');
    return row === undefined ? undefined : median(row.samples);
  };
  const pairs: Array<[string, string, string]> = [
    ['updraft-csv', 'psql-copy', 'Updraft CSV ÷ psql \\copy'],
    ['updraft-jsonl', 'psql-aws', 'Updraft JSON lines ÷ psql | aws s3 cp'],
    ['updraft-csv', 'psql-aws', 'Updraft CSV ÷ psql | aws s3 cp'],
  ];
  const parts = pairs.flatMap(([updraft, peer, label]) => {
    const a = rps(updraft);
    const b = rps(peer);
    return a === undefined || b === undefined ? [] : [`${label} ${formatRatio(a / b)}`];
  });
  return parts.length === 0 ? [] : [`Other ratios of the rows/s medians: ${parts.join('; ')}.`];
}

/** 1M rows from PostgreSQL to S3 (s3rver) by the PostgresToS3Operator, against `psql \copy`. */
export const exportWorkload: Workload = {
  name: NAME,
  title: title(1_000_000),
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const rows = ctx.quick ? 50_000 : 1_000_000;
    const pgService = ctx.services.postgres;
    if ('skip' in pgService) return skippedResult(NAME, title(rows), `PostgreSQL not available: ${pgService.skip}`);

    let database: CreatedDatabase | undefined;
    let s3: S3TestServer | undefined;
    let client: S3Client | undefined;
    const tempDir = benchTempDir('updraft-bench-export-');
    try {
      const began = Date.now();
      database = await pgService.createDatabase('updraft_bench_export');
      await createTable(database.url, rows);
      ctx.log(`${NAME}: ${rows} rows in ${database.name}.${TABLE} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
      s3 = await startS3Server();
      client = createS3Client(JSON.parse(s3.connectionJson) as Record<string, unknown>);
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));

      const setup: ExportSetup = { rows, query: `SELECT * FROM ${TABLE}`, databaseUrl: database.url, bucket: BUCKET, s3, client, tempDir };
      const label = `${rows.toLocaleString('en-US')} rows`;
      const rssTarget = { op: '<=' as const, bound: 150 };
      const metrics: MetricDef[] = [
        { key: 'rps', label, unit: 'rows/s', better: 'higher', ratioTarget: { op: '>=', bound: 0.8 } },
        { key: 'cpu', label: 'CPU (user + sys) over the timed span', unit: '% CPU', better: 'lower', informational: true },
        { key: 'rss', label: 'peak RSS', unit: 'MB', better: 'lower', informational: true, updraftTargets: { 'updraft-jsonl': rssTarget, 'updraft-csv': rssTarget } },
        { key: 'wall', label: 'process start to exit', unit: 's', better: 'lower', informational: true },
      ];
      const result = await runAlternating(ctx, {
        name: NAME, title: title(rows), metrics,
        notes: [
          `Data: a fresh PostgreSQL database with one table of ${label} built by generate_series: id int, title text ('영화 제목 ' || g), created_at timestamptz, price numeric(12,4), meta jsonb (3 keys, Korean in some values); VACUUM (FREEZE, ANALYZE) before timing. Every contender runs \`${setup.query}\`.`,
          'S3: s3rver (npm) in its own process on loopback, one bucket; every repetition overwrites its contender\'s object.',
          'Updraft: PostgresToS3Operator with its defaults (COPY TO STDOUT → JSON lines or CSV → multipart upload, nothing on disk), built in a throwaway DAG and run through execute() with a test context, in a Node process of its own (`node --import tsx bench/workloads/export-child.ts`). rows/s is over execute() (connecting to both services included); "process start to exit" adds Node and tsx start-up, which a warm task worker does not pay. CPU: the process\'s user + system time during execute() (`process.cpuUsage`), as % of one core; peak RSS: `process.resourceUsage().maxRSS`.',
          `psql: \`psql -c "\\copy (${setup.query}) to '<file>'"\` writing TSV to a local file, and \`psql -c "\\copy (…) to stdout" | aws s3 cp - s3://…\` (bash, pipefail); wall time of the process (the pipeline) from spawn to exit, connection included. CPU: GNU time's %U + %S (for the pipeline, both processes) over the wall time, as % of one core; peak RSS: its %M (for the pipeline, its largest process). Nobody's figures count the CPU of s3rver or PostgreSQL.`,
          'Every repetition checks what it wrote, outside the timing: the operator\'s row count, and the line count of the object or file (CSV: plus its header), so a broken export cannot look fast.',
          'MB here = MiB (RSS in KiB / 1024). Target (DESIGN.md): ≥ 0.8× `psql \\copy` (≈ 510k rows/s there), peak RSS ≤ 150 MB.',
        ],
        contenders: [
          updraftContender(setup, 'jsonl'),
          psqlCopyContender(setup, 'updraft-jsonl'),
          updraftContender(setup, 'csv'),
          psqlAwsContender(setup, AWS_CLI),
        ],
      });
      result.notes.splice(result.notes.length - 1, 0, ...extraRatios(result.rows));
      result.durationMs = Date.now() - began;
      return result;
    } finally {
      client?.destroy();
      await s3?.stop().catch((error: Error) => ctx.log(`${NAME}: stopping s3rver failed: ${error.message}`));
      await database?.drop().catch((error: Error) => ctx.log(`${NAME}: dropping ${database?.name} failed: ${error.message}`));
      rmSync(tempDir, { recursive: true, force: true });
    }
  },
};
