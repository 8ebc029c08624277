// `npm run bench -- --quick` is what CI runs: it must complete and print its tables. No timing
// assertions (shared machines are noisy): only that it exits 0 and prints the result table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    // The bench must exit by itself (every worker, queue and connection closed); a hang fails here.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('npm run bench -- --quick --only chain,parse completes and prints the result tables', { timeout: 150_000 }, async () => {
  const result = await runBench(['--quick', '--only', 'chain', '--only', 'parse'], 140_000);
  assert.equal(result.code, 0, `exit ${result.code ?? result.signal}\n--- stderr ---\n${result.stderr.slice(-4000)}`);
  assert.match(result.stdout, /^Workloads run: chain, parse\.$/m);
  const header = result.stdout.split('\n').find((line) => line.startsWith('| system |'));
  assert.ok(header !== undefined, `no table header in:\n${result.stdout}`);
  const columns = header.split('|').map((c) => c.trim()).filter((c) => c !== '');
  assert.deepEqual(columns.slice(0, 3), ['system', 'configuration', 'metric']);
  assert.ok(columns.includes('median') && columns.includes('min') && columns.includes('max'));
  assert.ok(columns.includes('Updraft/peer'), `no ratio column in ${header}`);
  assert.match(result.stdout, /^### chain — /m);
  assert.match(result.stdout, /^### parse — /m);
  assert.match(result.stdout, /^\| Updraft \(SQLite\) \|.*40-task chain/m);
  assert.match(result.stdout, /^\| Updraft \(SQLite\) \|.*50 files × 10 tasks/m);
  // With Redis up, the BullMQ rows carry the ratio Updraft/peer (without it they are left out, with a note).
  const peerRows = result.stdout.split('\n').filter((line) => line.startsWith('| BullMQ'));
  for (const row of peerRows) assert.match(row, /\| \d[\d,.]*× \|/, `no ratio in ${row}`);
});

test('npm run bench -- --quick --only export exports to S3 and prints rows/s, the ratio to psql \\copy and the peak RSS', { timeout: 120_000 }, async (t) => {
  const result = await runBench(['--quick', '--only', 'export'], 110_000);
  assert.equal(result.code, 0, `exit ${result.code ?? result.signal}\n--- stderr ---\n${result.stderr.slice(-4000)}`);
  assert.match(result.stdout, /^### export — Postgres → S3 export, 50,000 rows/m);
  if (/^skipped: PostgreSQL not available/m.test(result.stdout)) return t.skip('PostgreSQL not available');
  assert.match(result.stdout, /^\| Updraft \| PostgresToS3Operator, JSON lines.*\| 50,000 rows \| [\d,]+ rows\/s \|/m);
  assert.match(result.stdout, /^\| Updraft \| PostgresToS3Operator, JSON lines.*\| peak RSS \| [\d,.]+ MB \|.*\| ≤ 150 MB: (met|\*\*missed\*\*) \|$/m);
  assert.match(result.stdout, /^\| Updraft \| PostgresToS3Operator, CSV.*\| 50,000 rows \| [\d,]+ rows\/s \|/m);
  // The reference of the target: psql \copy, with the ratio Updraft/psql and the verdict.
  assert.match(result.stdout, /^\| psql [^|]*\| \\copy .*\| 50,000 rows \| [\d,]+ rows\/s \|.*\| [\d.]+× \| ≥ 0\.80×: (met|\*\*missed\*\*) \|$/m);
  // The aws CLI pipeline runs when /usr/bin/aws exists, and is otherwise left out with the reason.
  assert.match(result.stdout, /^\| psql \\\| aws-cli\/|left out: \S+ is not installed/m);
});

test('npm run bench rejects an unknown workload with exit 2', { timeout: 60_000 }, async () => {
  const result = await runBench(['--only', 'nope'], 50_000);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown workload "nope"; choose from chain, fanout, latency, parse, idle, export/);
});
