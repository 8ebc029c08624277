import { dag, getContext, task } from 'updraft';
import { PostgresToS3Operator, S3Hook } from 'updraft/providers/aws';
import { PostgresHook, PostgresOperator } from 'updraft/providers/postgres';

/*
 * The seed pipeline, ported from Airflow: each day, the movie schedule rows of that day leave
 * PostgreSQL (connection `postgres_test`) as UTF-8 JSON lines in S3 (connection `aws_default`),
 * Korean titles untouched and timestamps as `YYYY-MM-DD HH:MM:SS`. Re-running a day replaces its
 * file (no duplicates). With [logging] remote_logging on, every task log also lands in S3.
 *
 *   UPDRAFT_CONN_POSTGRES_TEST=postgresql://user:pw@host:5432/movies
 *   UPDRAFT_CONN_AWS_DEFAULT='aws://KEY:SECRET@/?region_name=ap-northeast-2'
 *   updraft dags test movies_to_s3 2024-03-02 --conf '{"bucket": "my-bucket"}'
 *
 * A scheduled run with logical date D exports [D, D+1 day); a manual run (dags test, trigger)
 * with logical date D exports the day that ends at D, as in Airflow.
 */

const peek = task('peek_rows', async (): Promise<number> => {
  const ctx = getContext();
  // Pull a few rows with a hook and process them in code (the seed's run_query_with_python).
  const hook = new PostgresHook({ postgresConnId: 'postgres_test' });
  const rows = await hook.getRecords(
    'SELECT id, title, start_at FROM movie_schedule WHERE start_at >= $1 AND start_at < $2 ORDER BY id LIMIT 10',
    [ctx.dataIntervalStart, ctx.dataIntervalEnd],
  );
  for (const [id, title, startAt] of rows) ctx.log.info(`${String(id)}: ${String(title)} at ${(startAt as Date).toISOString()}`);
  return rows.length;
});

const verify = task('verify_export', async (exported: { bucket: string; keys: string[]; rowCount: number }): Promise<number> => {
  const ctx = getContext();
  // List and read the objects through a hook (the seed's s3_access_test_dag).
  const s3 = new S3Hook({ awsConnId: 'aws_default' });
  const keys = await s3.listKeys(exported.bucket, { prefix: `exports/${ctx.ds}/` });
  let lines = 0;
  for (const key of keys) {
    const text = await s3.readKey(key, exported.bucket);
    lines += text.split('\n').filter((line) => line !== '').length;
  }
  if (lines !== exported.rowCount) throw new Error(`expected ${exported.rowCount} exported rows in s3://${exported.bucket}/exports/${ctx.ds}/, found ${lines}`);
  ctx.log.info(`s3://${exported.bucket}/exports/${ctx.ds}/ holds ${keys.length} file(s), ${lines} rows`);
  return lines;
});

export default dag({
  dagId: 'movies_to_s3',
  schedule: '@daily',
  startDate: '2024-03-01',
  catchup: false,
  tags: ['example', 'postgres', 's3'],
  params: { bucket: 'movies' },
  defaultArgs: { owner: 'data', retries: 1, retryDelay: '1m' },
}, () => {
  const count = new PostgresOperator({
    taskId: 'count_rows',
    postgresConnId: 'postgres_test',
    sql: "SELECT count(*) FROM movie_schedule WHERE start_at >= '{{ data_interval_start }}' AND start_at < '{{ data_interval_end }}'",
  });
  const exportDay = new PostgresToS3Operator({
    taskId: 'export_schedule',
    postgresConnId: 'postgres_test',
    query: "SELECT * FROM movie_schedule WHERE start_at >= '{{ data_interval_start }}' AND start_at < '{{ data_interval_end }}' ORDER BY id",
    s3Bucket: '{{ params.bucket }}',
    s3Key: 'exports/{{ ds }}/movie_schedule.jsonl',
    fileFormat: 'jsonl',
    timeZone: 'Asia/Seoul',
    replace: true,
  });
  count.setDownstream(exportDay);
  peek().setDownstream(exportDay);
  verify(exportDay.output);
});
