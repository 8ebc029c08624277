import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import type { TaskContext } from '../sdk/context.js';
import { dsAdd, dsFormat, formatTs, formatTsNodash, formatTsNodashWithTz, strftime, strptime } from './date-format.js';
import { TemplateRenderer, type TemplateLookups } from './templates.js';

describe('date formats', () => {
  const date = new Date('2026-01-05T07:08:09.000Z');

  it('formats ds, ts and their nodash forms exactly as Airflow', () => {
    assert.equal(strftime(date, '%Y-%m-%d'), '2026-01-05');
    assert.equal(formatTs(date), '2026-01-05T07:08:09+00:00');
    assert.equal(formatTs(new Date('2026-01-05T07:08:09.120Z')), '2026-01-05T07:08:09.120000+00:00');
    assert.equal(formatTsNodash(date), '20260105T070809');
    assert.equal(formatTsNodashWithTz(date), '20260105T070809+0000');
  });

  it('strftime knows the common directives', () => {
    assert.equal(strftime(date, '%y/%j %a %A %b %B %I%p %H:%M:%S.%f %z %Z %% %-d %Q'), '26/005 Mon Monday Jan January 07AM 07:08:09.000000 +0000 UTC % 5 %Q');
  });

  it('strptime parses and rejects like Python', () => {
    assert.equal(strptime('05-01-26', '%d-%m-%y').toISOString(), '2026-01-05T00:00:00.000Z');
    assert.equal(strptime('2026-02-03 10:11:12+0100', '%Y-%m-%d %H:%M:%S%z').toISOString(), '2026-02-03T09:11:12.000Z');
    assert.throws(() => strptime('2026-02-30', '%Y-%m-%d'), /does not match format/);
    assert.throws(() => strptime('x', '%Q'), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_TEMPLATE'));
  });

  it('macros.ds_add and macros.ds_format', () => {
    assert.equal(dsAdd('2026-01-01', 5), '2026-01-06');
    assert.equal(dsAdd('2026-03-01', -1), '2026-02-28');
    assert.equal(dsFormat('2026-01-05', '%Y-%m-%d', '%m-%d-%y'), '01-05-26');
    assert.equal(dsFormat('20260105', '%Y%m%d', '%Y/%m/%d'), '2026/01/05');
  });
});

function context(overrides: Partial<TaskContext> = {}): TaskContext {
  const logicalDate = new Date('2026-01-01T00:00:00Z');
  return {
    dagId: 'd', taskId: 't', runId: 'r1', logicalDate,
    dataIntervalStart: logicalDate, dataIntervalEnd: new Date('2026-01-02T00:00:00Z'),
    ds: '2026-01-01', dsNodash: '20260101', ts: '2026-01-01T00:00:00+00:00', tsNodash: '20260101T000000',
    params: { message: 'hi', list: [1, 2] }, conf: { who: 'me' },
    dagRun: { dagId: 'd', runId: 'r1', runType: 'manual', logicalDate, dataIntervalStart: logicalDate, dataIntervalEnd: new Date('2026-01-02T00:00:00Z'), conf: { who: 'me' } },
    ti: { dagId: 'd', taskId: 't', runId: 'r1', tryNumber: 2, maxTries: 3 },
    prevLogicalDate: new Date('2025-12-31T00:00:00Z'), firstAttemptAt: logicalDate, isReschedule: false,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
    services: undefined as unknown as TaskContext['services'],
    xcomPush: async () => undefined,
    xcomPull: async () => undefined,
    ...overrides,
  };
}

function renderer(lookups: Partial<TemplateLookups> = {}, calls: string[] = []): TemplateRenderer {
  return new TemplateRenderer({
    ctx: context(),
    task: { taskId: 't', operator: 'BashOperator', owner: 'data', retries: 1, queue: 'default', pool: 'default_pool', params: {} },
    dag: { dagId: 'd', fileloc: '/dags/d.ts', tags: ['x'], description: null },
    lookups: {
      getVariable: async (key) => {
        calls.push(`var:${key}`);
        return ({ k: 'v', cfg: '{"bucket":"b1","n":2}', notjson: '{' } as Record<string, string>)[key];
      },
      getConnection: async (id) => {
        calls.push(`conn:${id}`);
        return id === 'pg' ? { connId: 'pg', connType: 'postgres', host: 'h', login: 'u', password: 'p', port: 5432, schema: 'db', extra: '{"sslmode":"require"}' } : undefined;
      },
      xcomPull: async (taskId, options) => {
        calls.push(`xcom:${taskId}:${options.key}`);
        return taskId === 'up' ? 42 : undefined;
      },
      ...lookups,
    },
  });
}

describe('TemplateRenderer', () => {
  it('renders Airflow context names', async () => {
    const r = renderer();
    const text = '{{ ds }} {{ ds_nodash }} {{ ts }} {{ ts_nodash }} {{ logical_date }} {{ data_interval_end | ds }} {{ prev_ds }} '
      + '{{ run_id }} {{ dag_run.conf.who }} {{ conf.who }} {{ ti.try_number }} {{ task.task_id }} {{ dag.dag_id }} {{ params.message }} '
      + '{{ logical_date.strftime("%d/%m") }} {{ logical_date.add(days=1) | ds_nodash }} {{ task_instance_key_str }}';
    assert.equal(await r.render(text, 'f'),
      '2026-01-01 20260101 2026-01-01T00:00:00+00:00 20260101T000000 2026-01-01T00:00:00+00:00 2026-01-02 2025-12-31 '
      + 'r1 me me 2 t d hi 01/01 20260102 d__t__20260101');
  });

  it('fetches variables, JSON variables, connections and XComs, then renders', async () => {
    const calls: string[] = [];
    const r = renderer({}, calls);
    assert.equal(await r.render("{{ var.value.k }} {{ var.json.cfg.bucket }} {{ var.value['k'] }} {{ var.value.get('missing', 'dflt') }}", 'f'), 'v b1 v dflt');
    assert.equal(await r.render('{{ conn.pg.host }}:{{ conn.pg.port }} {{ conn.pg.login }} {{ conn.pg.extra_dejson.sslmode }} {{ conn.pg.conn_type }}', 'f'), 'h:5432 u require postgres');
    assert.equal(await r.render("{{ ti.xcom_pull(task_ids='up') + 1 }} {{ ti.xcom_pull('up', key='return_value') }}", 'f'), '43 42');
    // Each value is fetched once, then served from the renderer's cache.
    assert.deepEqual(calls.filter((c) => c === 'var:k'), ['var:k']);
  });

  it('renders deep values; functions get the context; other values pass through', async () => {
    const r = renderer();
    const date = new Date();
    assert.deepEqual(await r.render({ a: ['{{ ds }}', 3, null], b: (ctx: TaskContext) => ctx.runId, c: date, d: '{{ ds' + ' }}' }, 'f'),
      { a: ['2026-01-01', 3, null], b: 'r1', c: date, d: '2026-01-01' });
    assert.equal(await r.render('no template here {', 'f'), 'no template here {');
  });

  it('missing variables and connections are errors naming them and the field; get() with a default is not', async () => {
    const r = renderer();
    await assert.rejects(r.render('{{ var.value.nope }}', 'bashCommand'), (e: unknown) => {
      assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_TEMPLATE'));
      assert.match(e.message, /field "bashCommand" of task t uses variable "nope", which does not exist/);
      return true;
    });
    await assert.rejects(r.render('{{ conn.ghost.host }}', 'sql'), /field "sql" of task t uses connection "ghost", which does not exist/);
    await assert.rejects(r.render('{{ var.json.notjson.x }}', 'f'), /reads variable "notjson" as JSON/);
    assert.equal(await r.render("{{ var.json.get('nope', 'd') }}", 'f'), 'd');
  });

  it('syntax errors name the field and the template', async () => {
    await assert.rejects(renderer().render('echo {{ ds }', 'bashCommand'), (e: unknown) => {
      assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_TEMPLATE'));
      assert.match(e.message, /field "bashCommand" of task t has a syntax error: .*; template: "echo \{\{ ds \}"/);
      return true;
    });
    await assert.rejects(renderer().render('{{ macros.ds_add("garbage", 1) }}', 'f'), /could not be rendered: .*does not match format/);
  });

  it('undefined names render empty, as Airflow does by default', async () => {
    assert.equal(await renderer().render('[{{ nothing }}][{{ params.nope }}]', 'f'), '[][]');
    assert.equal(await renderer().render('{{ True and None is none }}', 'f'), 'true');
  });
});
