import nunjucks from 'nunjucks';
import { UpdraftError, toError } from '../common/errors.js';
import type { TaskContext } from '../sdk/context.js';
import {
  dsAdd, dsFormat, formatDs, formatDsNodash, formatTs, formatTsNodash, formatTsNodashWithTz,
} from './date-format.js';
import { TemplateDateTime, accessor, splitArgs, templateConnection, toDate } from './template-values.js';

export { TemplateDateTime } from './template-values.js';

/**
 * Renders an operator's templated fields with nunjucks (Jinja-compatible), using Airflow's names:
 * ds, ds_nodash, ts, ts_nodash, ts_nodash_with_tz, logical_date, data_interval_start/end, prev_ds,
 * params, run_id, conf (the run conf), dag_run, ti / task_instance, task, dag, var.value.<k>,
 * var.json.<k>, conn.<id>, macros.ds_add / ds_format, and the filters ds, ds_nodash, ts, ts_nodash.
 *
 * Variables, connections and ti.xcom_pull(...) live on the scheduler side and come over the
 * execution channel, which is asynchronous, while nunjucks renders synchronously. So a template is
 * rendered in passes: a pass records the variables, connections and XComs it asked for and did not
 * have, they are fetched, and the template is rendered again, until a pass needs nothing new. This
 * finds references however they are written (var.value.x, var.value['x'], var.value.get('x', 'd'),
 * keys computed from params) where a textual pre-scan would miss some. Templates have no side
 * effects, so rendering twice is safe; a template without a reference renders once.
 *
 * Undefined names render as empty strings (Airflow's default Undefined); a variable or connection
 * that does not exist fails the render with UPDRAFT_ERR_TEMPLATE naming it and the field, unless
 * it was read with var.value.get('k', default). Objects render as JS does ("[object Object]"):
 * use the `dump` filter for JSON.
 */

export interface TemplateLookups {
  getVariable(key: string): Promise<string | undefined>;
  getConnection(connId: string): Promise<Record<string, unknown> | undefined>;
  xcomPull(taskId: string, options: { key: string; dagId?: string; runId?: string }): Promise<unknown>;
}

/** What templates see as `task` and `dag` (plain data; Airflow's task.task_id etc.). */
export interface TemplateTaskInfo {
  taskId: string;
  operator: string;
  owner: string;
  retries: number;
  queue: string;
  pool: string;
  params: Record<string, unknown>;
}

export interface TemplateDagInfo {
  dagId: string;
  fileloc: string;
  tags: readonly string[];
  description: string | null;
}

export interface TemplateRendererOptions {
  ctx: TaskContext;
  task: TemplateTaskInfo;
  dag: TemplateDagInfo;
  lookups: TemplateLookups;
}

const MAX_PASSES = 8;

let compatInstalled = false;
let environment: nunjucks.Environment | null = null;

function env(): nunjucks.Environment {
  if (environment !== null) return environment;
  if (!compatInstalled) {
    // True/False/None, list slices and dict methods, as in Jinja templates written for Airflow.
    nunjucks.installJinjaCompat();
    compatInstalled = true;
  }
  const e = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
  const dateFilter = (format: (d: Date) => string) => (value: unknown): unknown => {
    const date = toDate(value);
    return date === null ? value : format(date);
  };
  e.addFilter('ds', dateFilter(formatDs));
  e.addFilter('ds_nodash', dateFilter(formatDsNodash));
  e.addFilter('ts', dateFilter(formatTs));
  e.addFilter('ts_nodash', dateFilter(formatTsNodash));
  e.addFilter('ts_nodash_with_tz', dateFilter(formatTsNodashWithTz));
  environment = e;
  return e;
}

interface Pending {
  variables: Set<string>;
  connections: Set<string>;
  xcoms: Map<string, { taskId: string; key: string; dagId?: string; runId?: string }>;
}

function xcomCacheKey(ref: { taskId: string; key: string; dagId?: string | undefined; runId?: string | undefined }): string {
  const { taskId, key, dagId, runId } = ref;
  return JSON.stringify([taskId, key, dagId ?? null, runId ?? null]);
}

function cleanNunjucksMessage(error: unknown): string {
  return toError(error).message
    .replace(/^Template render error:\s*/, '')
    .replace(/\(unknown path\)\s*/, '')
    .split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
}

export class TemplateRenderer {
  readonly #options: TemplateRendererOptions;
  readonly #variables = new Map<string, string | undefined>();
  readonly #connections = new Map<string, Record<string, unknown> | undefined>();
  readonly #xcoms = new Map<string, unknown>();
  #pending: Pending = { variables: new Set(), connections: new Set(), xcoms: new Map() };
  #missing: { variables: Set<string>; connections: Set<string> } = { variables: new Set(), connections: new Set() };
  #badJson = new Map<string, string>();
  readonly #context: Record<string, unknown>;

  constructor(options: TemplateRendererOptions) {
    this.#options = options;
    this.#context = this.#buildContext();
  }

  /** The names templates see (for `tasks render` and tests). */
  get context(): Readonly<Record<string, unknown>> {
    return this.#context;
  }

  /**
   * Renders one field's value: strings as templates, functions called with the task context (their
   * result is used as is, as Airflow does with callables), arrays and plain objects deeply; any
   * other value unchanged.
   */
  async render(value: unknown, field: string): Promise<unknown> {
    if (typeof value === 'string') return this.renderString(value, field);
    if (typeof value === 'function') {
      try {
        return await (value as (ctx: TaskContext) => unknown)(this.#options.ctx);
      } catch (error) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `templated field ${JSON.stringify(field)} of task ${this.#options.task.taskId}: its function threw: ${toError(error).message}`,
          { cause: error, details: { field } });
      }
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [index, item] of value.entries()) out.push(await this.render(item, `${field}[${index}]`));
      return out;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = await this.render(item, `${field}.${key}`);
      return out;
    }
    return value;
  }

  async renderString(source: string, field: string): Promise<string> {
    if (!/\{[{%#]/.test(source)) return source;
    const taskId = this.#options.task.taskId;
    const quoted = JSON.stringify(source.length > 200 ? `${source.slice(0, 200)}…` : source);
    let template: nunjucks.Template;
    try {
      template = new nunjucks.Template(source, env(), undefined, true);
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
        `templated field ${JSON.stringify(field)} of task ${taskId} has a syntax error: ${cleanNunjucksMessage(error)}; template: ${quoted}`,
        { cause: error, details: { field, template: source } });
    }
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      this.#pending = { variables: new Set(), connections: new Set(), xcoms: new Map() };
      this.#missing = { variables: new Set(), connections: new Set() };
      this.#badJson = new Map();
      let output: string | undefined;
      let failure: unknown;
      try {
        output = template.render(this.#context);
      } catch (error) {
        failure = error;
      }
      if (this.#hasPending()) {
        await this.#fetchPending();
        continue;
      }
      const [missingVariable] = this.#missing.variables;
      if (missingVariable !== undefined) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `templated field ${JSON.stringify(field)} of task ${taskId} uses variable ${JSON.stringify(missingVariable)}, which does not exist; `
          + `define it (UPDRAFT_VAR_${missingVariable.toUpperCase()}, the UI or the CLI) or write var.value.get('${missingVariable}', 'default'); template: ${quoted}`,
          { details: { field, variable: missingVariable } });
      }
      const [missingConnection] = this.#missing.connections;
      if (missingConnection !== undefined) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `templated field ${JSON.stringify(field)} of task ${taskId} uses connection ${JSON.stringify(missingConnection)}, which does not exist; `
          + `define it (UPDRAFT_CONN_${missingConnection.toUpperCase()}, the UI or the CLI); template: ${quoted}`,
          { details: { field, connection: missingConnection } });
      }
      const [badKey, badMessage] = [...this.#badJson][0] ?? [];
      if (badKey !== undefined) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `templated field ${JSON.stringify(field)} of task ${taskId} reads variable ${JSON.stringify(badKey)} as JSON (var.json), but its value is not JSON: ${badMessage}`,
          { details: { field, variable: badKey } });
      }
      if (failure !== undefined) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `templated field ${JSON.stringify(field)} of task ${taskId} could not be rendered: ${cleanNunjucksMessage(failure)}; template: ${quoted}`,
          { cause: failure, details: { field, template: source } });
      }
      return output ?? '';
    }
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
      `templated field ${JSON.stringify(field)} of task ${taskId} kept asking for new variables, connections or XComs after ${MAX_PASSES} passes; template: ${quoted}`,
      { details: { field } });
  }

  #hasPending(): boolean {
    return this.#pending.variables.size > 0 || this.#pending.connections.size > 0 || this.#pending.xcoms.size > 0;
  }

  async #fetchPending(): Promise<void> {
    const { lookups } = this.#options;
    const { variables, connections, xcoms } = this.#pending;
    await Promise.all([
      ...[...variables].map(async (key) => this.#variables.set(key, await lookups.getVariable(key))),
      ...[...connections].map(async (id) => this.#connections.set(id, await lookups.getConnection(id))),
      ...[...xcoms].map(async ([cacheKey, ref]) => {
        const options: { key: string; dagId?: string; runId?: string } = { key: ref.key };
        if (ref.dagId !== undefined) options.dagId = ref.dagId;
        if (ref.runId !== undefined) options.runId = ref.runId;
        this.#xcoms.set(cacheKey, await lookups.xcomPull(ref.taskId, options));
      }),
    ]);
  }

  #variable(key: string, required: boolean): string | undefined {
    if (!this.#variables.has(key)) {
      this.#pending.variables.add(key);
      return undefined;
    }
    const value = this.#variables.get(key);
    if (value === undefined && required) this.#missing.variables.add(key);
    return value;
  }

  #jsonVariable(key: string, required: boolean): unknown {
    const text = this.#variable(key, required);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      this.#badJson.set(key, toError(error).message);
      return undefined;
    }
  }

  #connection(connId: string): Record<string, unknown> | undefined {
    if (!this.#connections.has(connId)) {
      this.#pending.connections.add(connId);
      return undefined;
    }
    const raw = this.#connections.get(connId);
    if (raw === undefined) {
      this.#missing.connections.add(connId);
      return undefined;
    }
    return templateConnection(connId, raw);
  }

  #xcomPull(args: unknown[]): unknown {
    const { positional, keywords } = splitArgs(args);
    const taskIds = keywords.task_ids ?? positional[0];
    const dagId = (keywords.dag_id ?? positional[1]) as string | undefined | null;
    const key = String(keywords.key ?? positional[2] ?? 'return_value');
    const runId = keywords.run_id as string | undefined;
    const one = (taskId: unknown): unknown => {
      const id = String(taskId);
      const cacheKey = xcomCacheKey({ taskId: id, key, dagId: dagId ?? undefined, runId });
      if (!this.#xcoms.has(cacheKey)) {
        const ref: { taskId: string; key: string; dagId?: string; runId?: string } = { taskId: id, key };
        if (dagId !== undefined && dagId !== null) ref.dagId = dagId;
        if (runId !== undefined) ref.runId = runId;
        this.#pending.xcoms.set(cacheKey, ref);
        return undefined;
      }
      return this.#xcoms.get(cacheKey);
    };
    if (taskIds === undefined || taskIds === null) {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', "ti.xcom_pull() needs task_ids, e.g. ti.xcom_pull(task_ids='extract')");
    }
    return Array.isArray(taskIds) ? taskIds.map(one) : one(taskIds);
  }

  #buildContext(): Record<string, unknown> {
    const { ctx, task, dag } = this.#options;
    const logicalDate = new TemplateDateTime(ctx.logicalDate);
    const prev = ctx.prevLogicalDate === null ? null : new TemplateDateTime(ctx.prevLogicalDate);
    const dataIntervalStart = new TemplateDateTime(ctx.dataIntervalStart);
    const dataIntervalEnd = new TemplateDateTime(ctx.dataIntervalEnd);
    const xcomPull = (...args: unknown[]): unknown => this.#xcomPull(args);
    const ti = {
      dag_id: ctx.dagId,
      task_id: ctx.taskId,
      run_id: ctx.runId,
      try_number: ctx.ti.tryNumber,
      max_tries: ctx.ti.maxTries,
      map_index: -1,
      xcom_pull: xcomPull,
    };
    const variableValue = accessor('VariableAccessor', (key) => this.#variable(key, true), {
      get: (key: unknown, fallback: unknown = null) => this.#variable(String(key), false) ?? fallback,
    });
    const variableJson = accessor('VariableJsonAccessor', (key) => this.#jsonVariable(key, true), {
      get: (key: unknown, fallback: unknown = null) => this.#jsonVariable(String(key), false) ?? fallback,
    });
    const connections = accessor('ConnectionAccessor', (connId) => this.#connection(connId), {
      get: (connId: unknown) => this.#connection(String(connId)),
    });
    return {
      ds: ctx.ds,
      ds_nodash: ctx.dsNodash,
      ts: ctx.ts,
      ts_nodash: ctx.tsNodash,
      ts_nodash_with_tz: formatTsNodashWithTz(ctx.logicalDate),
      logical_date: logicalDate,
      execution_date: logicalDate,
      data_interval_start: dataIntervalStart,
      data_interval_end: dataIntervalEnd,
      prev_ds: ctx.prevLogicalDate === null ? null : formatDs(ctx.prevLogicalDate),
      prev_ds_nodash: ctx.prevLogicalDate === null ? null : formatDsNodash(ctx.prevLogicalDate),
      prev_logical_date: prev,
      params: ctx.params,
      run_id: ctx.runId,
      conf: ctx.conf,
      task_instance_key_str: `${ctx.dagId}__${ctx.taskId}__${ctx.dsNodash}`,
      dag_run: {
        dag_id: ctx.dagId,
        run_id: ctx.runId,
        run_type: ctx.dagRun.runType,
        conf: ctx.conf,
        logical_date: logicalDate,
        execution_date: logicalDate,
        data_interval_start: dataIntervalStart,
        data_interval_end: dataIntervalEnd,
      },
      ti,
      task_instance: ti,
      task: {
        task_id: task.taskId,
        operator: task.operator,
        owner: task.owner,
        retries: task.retries,
        queue: task.queue,
        pool: task.pool,
        params: task.params,
      },
      dag: {
        dag_id: dag.dagId,
        fileloc: dag.fileloc,
        tags: [...dag.tags],
        description: dag.description,
      },
      var: { value: variableValue, json: variableJson },
      conn: connections,
      macros: {
        ds_add: (ds: unknown, days: unknown) => dsAdd(String(ds), Number(days)),
        ds_format: (ds: unknown, input: unknown, output: unknown) => dsFormat(String(ds), String(input), String(output)),
      },
    };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
