import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import type { Services } from './harness.js';
import type { Environment } from './report.js';
import { redisInfo } from './systems/bullmq.js';
import { postgresDurability, sqliteDurability } from './systems/updraft.js';
import { benchRoot, benchTempDir } from './bench-dir.js';

function packageVersion(name: string): string {
  try {
    const file = join(process.cwd(), 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return String((await client.query('SHOW server_version')).rows[0]?.server_version);
  } finally {
    await client.end();
  }
}

async function sqliteLine(): Promise<string> {
  const dir = benchTempDir('updraft-bench-env-');
  const path = join(dir, 'probe.db');
  try {
    const store = await openStore(path);
    try {
      return sqliteDurability(path);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLoad(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

/** The machine, the versions, and the durability each store runs with (queried, not assumed). */
export async function describeEnvironment(services: Services, loadAtStart: string): Promise<Environment> {
  const cpuList = cpus();
  const machine = [
    `Machine: ${cpuList.length} cores (${cpuList[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${type()} ${release()}; shared with other engineers running tests, so figures vary between runs`,
    `Node ${process.version}; better-sqlite3 ${packageVersion('better-sqlite3')}, pg ${packageVersion('pg')}, bullmq ${packageVersion('bullmq')}, ioredis ${packageVersion('ioredis')}, graphile-worker ${packageVersion('graphile-worker')}`,
  ];
  machine.push(`Updraft homes (database, DAGs, task logs) under ${benchRoot()} (UPDRAFT_BENCH_DIR), as a default ~/updraft would be`);
  const durability = [await sqliteLine()];
  if ('skip' in services.postgres) {
    machine.push(`PostgreSQL: not available (${services.postgres.skip})`);
  } else {
    machine.push(`PostgreSQL ${await postgresVersion(services.postgres.adminUrl)} on loopback`);
    durability.push(await postgresDurability(services.postgres.adminUrl));
  }
  if ('skip' in services.redis) {
    machine.push(`Redis: not available (${services.redis.skip})`);
  } else {
    const info = await redisInfo(services.redis.url);
    machine.push(`Redis ${info.version} on loopback`);
    durability.push(info.durability);
  }
  return { date: new Date().toISOString(), machine, durability, load: `${loadAtStart} at start, ${formatLoad()} at the end` };
}
