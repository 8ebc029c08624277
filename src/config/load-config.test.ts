import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load-config.js';
import { renderDefaultConfig } from './render-config.js';

function home(toml?: string): { dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-config-'));
  if (toml !== undefined) writeFileSync(join(dir, 'updraft.toml'), toml);
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('configuration', () => {
  test('defaults live under UPDRAFT_HOME and durations are milliseconds', () => {
    const h = home();
    try {
      const c = loadConfig({ env: { UPDRAFT_HOME: h.dir } });
      assert.equal(c.core.dags_folder, join(h.dir, 'dags'));
      assert.equal(c.database.url, join(h.dir, 'updraft.db'));
      assert.equal(c.core.dag_file_processor_timeout, 30_000);
      assert.equal(c.sources['core.parallelism'], 'default');
      assert.ok(Object.isFrozen(c.core));
    } finally { h.done(); }
  });

  test('env beats file beats defaults', () => {
    const h = home('[core]\nparallelism = 8\nmax_active_runs_per_dag = 3\n');
    try {
      const c = loadConfig({ env: { UPDRAFT_HOME: h.dir, UPDRAFT__CORE__PARALLELISM: '4' } });
      assert.equal(c.core.parallelism, 4);
      assert.equal(c.sources['core.parallelism'], 'env');
      assert.equal(c.core.max_active_runs_per_dag, 3);
      assert.equal(c.sources['core.max_active_runs_per_dag'], 'file');
    } finally { h.done(); }
  });

  test('a bad value is one clear error naming the key, the value and what is allowed', () => {
    const h = home('[core]\nparallelism = "lots"\n');
    try {
      assert.throws(() => loadConfig({ env: { UPDRAFT_HOME: h.dir } }), (e: Error & { code?: string }) =>
        e.code === 'UPDRAFT_ERR_CONFIG' && /\[core\] parallelism = "lots" is invalid; allowed: an integer ≥ 1/.test(e.message));
      assert.throws(() => loadConfig({ env: { UPDRAFT_HOME: h.dir, UPDRAFT__CORE__PARALLELISM: '2', UPDRAFT__SCHEDULER__HEARTBEAT_INTERVAL: '5' } }),
        /UPDRAFT__SCHEDULER__HEARTBEAT_INTERVAL = "5" is invalid; allowed: a duration/);
      assert.throws(() => loadConfig({ env: { UPDRAFT_HOME: h.dir, UPDRAFT__CORE__PARALLELISM: '2', UPDRAFT__CORE__EXECUTOR: 'celery' } }),
        /allowed: local, in_process/);
    } finally { h.done(); }
  });

  test('unknown keys and sections warn with the nearest known name', () => {
    const h = home('[core]\nparalelism = 3\n[sheduler]\nx = 1\n');
    try {
      const c = loadConfig({ env: { UPDRAFT_HOME: h.dir, UPDRAFT__CORE__DAGS_FOLDR: '/x' } });
      assert.ok(c.warnings.some((w) => /unknown key core\.paralelism \(did you mean "parallelism"\?\)/.test(w)), c.warnings.join('\n'));
      assert.ok(c.warnings.some((w) => /unknown section \[sheduler\] \(did you mean "scheduler"\?\)/.test(w)));
      assert.ok(c.warnings.some((w) => /UPDRAFT__CORE__DAGS_FOLDR.*did you mean "dags_folder"/.test(w)));
    } finally { h.done(); }
  });

  test('invalid TOML names the file', () => {
    const h = home('[core\nparallelism = 3');
    try {
      assert.throws(() => loadConfig({ env: { UPDRAFT_HOME: h.dir } }), /updraft\.toml is not valid TOML/);
    } finally { h.done(); }
  });

  test('the generated default file parses back to the defaults', () => {
    const h = home();
    try {
      writeFileSync(join(h.dir, 'updraft.toml'), renderDefaultConfig(h.dir));
      const c = loadConfig({ env: { UPDRAFT_HOME: h.dir } });
      assert.deepEqual(c.warnings, []);
      assert.equal(c.core.parallelism, 16);
    } finally { h.done(); }
  });
});
