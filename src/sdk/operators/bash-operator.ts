import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UpdraftError } from '../../common/errors.js';
import { BaseOperator, type BaseOperatorOptions } from '../base-operator.js';
import type { TaskContext } from '../context.js';
import { SkipTaskError } from '../control-flow.js';
import { describe, isPlainObject } from '../naming.js';
import { resolveTemplateFunctions, type Templated } from '../templated.js';

export interface BashOperatorOptions extends BaseOperatorOptions {
  /** Run with `bash -c`; templated ('{{ ds }}' or a function of the context). */
  bashCommand: Templated<string>;
  /** Environment of the command; replaces the worker's environment unless appendEnv is true. */
  env?: Record<string, Templated<string>>;
  /** Default false: with true, env is added to the worker's environment instead of replacing it. */
  appendEnv?: boolean;
  /** Working directory (default: a process default, the worker's cwd). */
  cwd?: Templated<string>;
}

/** Exit code that marks the task skipped instead of failed (Airflow's convention). */
export const BASH_SKIP_EXIT_CODE = 99;
/** After SIGTERM, how long the command's process group gets before SIGKILL. */
const KILL_GRACE_MS = 5000;

/**
 * Runs a bash command. Each output line goes to the task log as it arrives; the last non-empty
 * stdout line is the task's return value (XCom). Exit code 99 skips the task; any other non-zero
 * exit fails it. When the attempt is stopped, the command's whole process group is killed.
 */
export class BashOperator extends BaseOperator<string | undefined> {
  override readonly templateFields: readonly string[] = ['bashCommand', 'env', 'cwd'];
  bashCommand: Templated<string>;
  env: Record<string, Templated<string>> | undefined;
  readonly appendEnv: boolean;
  cwd: Templated<string> | undefined;

  constructor(options: BashOperatorOptions) {
    super(options, ['bashCommand', 'env', 'appendEnv', 'cwd']);
    const what = `BashOperator ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    if (typeof options.bashCommand !== 'function' && (typeof options.bashCommand !== 'string' || options.bashCommand.trim() === '')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has bashCommand: ${describe(options.bashCommand)}; it must be a non-empty string or a function of the task context`);
    }
    if (options.env !== undefined && !isPlainObject(options.env)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has env: ${describe(options.env)}; it must be an object of strings like { TARGET: 'prod' }`);
    }
    if (options.appendEnv !== undefined && typeof options.appendEnv !== 'boolean') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has appendEnv: ${describe(options.appendEnv)}; it must be true or false`);
    }
    this.bashCommand = options.bashCommand;
    this.env = options.env;
    this.appendEnv = options.appendEnv ?? false;
    this.cwd = options.cwd;
  }

  async execute(ctx: TaskContext): Promise<string | undefined> {
    const command = resolveTemplateFunctions(this.bashCommand, ctx);
    if (typeof command !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `bashCommand of ${this.taskId} rendered to ${describe(command)}; it must be a string`);
    }
    const cwd = await this.checkedCwd(resolveTemplateFunctions(this.cwd, ctx));
    const env = this.buildEnv(resolveTemplateFunctions(this.env, ctx), ctx);
    ctx.signal.throwIfAborted();
    ctx.log.info(`Running bash command: ${command}`);

    const child = spawn('bash', ['-c', command], {
      cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine: string | undefined;
    const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
    const stderr = createInterface({ input: child.stderr, crlfDelay: Infinity });
    stdout.on('line', (line) => {
      ctx.log.info(line);
      if (line.trim() !== '') lastLine = line;
    });
    stderr.on('line', (line) => ctx.log.info(line));

    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = (): void => {
      ctx.log.warn('Stopping the bash command (SIGTERM to its process group)');
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    try {
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, s) => resolve([c, s]));
      });
      if (ctx.signal.aborted) {
        // Output pipes are closed, but a child that left bash's group may linger: finish the job.
        killGroup('SIGKILL');
        ctx.signal.throwIfAborted();
      }
      if (code === BASH_SKIP_EXIT_CODE) {
        throw new SkipTaskError(`Bash command returned exit code ${BASH_SKIP_EXIT_CODE}; the task is skipped`);
      }
      if (code !== 0) {
        throw new Error(code === null
          ? `Bash command failed. The command was killed by signal ${signal ?? 'unknown'}.`
          : `Bash command failed. The command returned a non-zero exit code ${code}.`);
      }
      ctx.log.info('Command exited with return code 0');
      return lastLine;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      stdout.close();
      stderr.close();
    }
  }

  private buildEnv(rendered: unknown, ctx: TaskContext): NodeJS.ProcessEnv {
    let env: NodeJS.ProcessEnv;
    if (rendered === undefined || rendered === null) env = { ...process.env };
    else {
      if (!isPlainObject(rendered) || !Object.values(rendered).every((v) => typeof v === 'string')) {
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `env of ${this.taskId} rendered to ${describe(rendered)}; it must be an object of strings`);
      }
      env = this.appendEnv ? { ...process.env, ...(rendered as Record<string, string>) } : { ...(rendered as Record<string, string>) };
    }
    env.UPDRAFT_CTX_DAG_ID = ctx.dagId;
    env.UPDRAFT_CTX_TASK_ID = ctx.taskId;
    env.UPDRAFT_CTX_DAG_RUN_ID = ctx.runId;
    env.UPDRAFT_CTX_LOGICAL_DATE = ctx.logicalDate.toISOString();
    env.UPDRAFT_CTX_TRY_NUMBER = String(ctx.ti.tryNumber);
    return env;
  }

  private async checkedCwd(rendered: unknown): Promise<string | undefined> {
    if (rendered === undefined || rendered === null || rendered === '') return undefined;
    if (typeof rendered !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `cwd of ${this.taskId} rendered to ${describe(rendered)}; it must be a directory path`);
    }
    const info = await stat(rendered).catch(() => null);
    if (info === null || !info.isDirectory()) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `cwd ${JSON.stringify(rendered)} of ${this.taskId} is not an existing directory`);
    }
    return rendered;
  }
}
