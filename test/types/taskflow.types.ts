// Compile-time tests of the public API's typing: valid wirings compile, wrong ones do not. Checked by
// `tsc -p test/types/tsconfig.json` (types.test.ts). Every `@ts-expect-error` must meet an error,
// or tsc fails with "Unused '@ts-expect-error' directive": a wiring that wrongly compiles fails too.
// Never executed.
import {
  BaseOperator, BashOperator, EmptyOperator, ExternalTaskSensor, FileSensor, TimeDeltaSensor, branch, chain, dag,
  getContext, shortCircuit, task, taskGroup, type BaseOperatorOptions, type Dag, type TaskContext, type Templated,
  type XComArg,
} from 'updraft';

const numbers = task('numbers', () => [1, 2, 3]);
const sum = task('sum', (xs: number[]) => xs.reduce((a, b) => a + b, 0));
const label = task('label', (n: number, prefix: string): string => `${prefix}${n}`);
const now = task('now', async () => new Date());
const iso = task('iso', (d: Date) => d.toISOString());
const stats = task('stats', () => ({ count: 1, names: ['a'] }));
const useStats = task('use_stats', (s: { count: number; names: string[] }) => s.count);
const optional = task({ taskId: 'optional', retries: 2 }, (a: string, b?: number) => a + String(b ?? 0));
const big = task('big', (n: bigint, bytes: Buffer, m: Map<string, number>) => n + BigInt(bytes.length + m.size));
const withContext = task('ctx', () => getContext().ds);

export const typed: Dag = dag({ dagId: 'types', schedule: '@daily', defaultArgs: { retryDelay: { minutes: 1 } } }, () => {
  const xs: XComArg<number[]> = numbers();
  const total: XComArg<number> = sum(xs);
  const text: XComArg<string> = label(total, 'total=');
  label(5, 'five=');
  iso(now());
  useStats(stats());
  useStats({ count: total, names: ['x', text] });
  sum([total, 2, 3]);
  optional('a');
  optional(text, total);
  big(10n, Buffer.from('x'), new Map([['k', 1]]));
  withContext();

  // @ts-expect-error an XComArg<number> where a string is expected
  label(total, total);
  // @ts-expect-error too few arguments
  label(total);
  // @ts-expect-error too many arguments
  label(total, 'a', 'b');
  // @ts-expect-error the XComArg of an object where a number is needed
  label(stats(), 'x');
  // @ts-expect-error an XComArg<string> where number[] is expected
  sum(text);
  // @ts-expect-error a Date (awaited result of an async task) where a number is expected
  label(now(), 'x');
  // @ts-expect-error a wrongly typed XComArg nested in an object argument
  useStats({ count: text, names: [] });
  // @ts-expect-error a wrongly typed XComArg nested in an array argument
  sum([total, text]);
  // @ts-expect-error a plain value of the wrong type
  iso('2024-01-01');

  // Dependencies: tasks, TaskFlow results and groups stand anywhere.
  const e = new EmptyOperator({ taskId: 'e' });
  total.setDownstream(e);
  e.setUpstream([xs, total]);
  const group = taskGroup({ groupId: 'g', defaultArgs: { retries: 1 } }, () => {
    new EmptyOperator({ taskId: 'inside' });
  });
  chain(xs, e, [text, new EmptyOperator({ taskId: 'f' })], group);
  group.setDownstream(new EmptyOperator({ taskId: 'after' }));
  // @ts-expect-error a string is not a dependency
  e.setDownstream('x');
  // @ts-expect-error nor is a number in chain()
  chain(e, 1);

  // Tasks and TaskFlow results are not thenable.
  // @ts-expect-error XComArg has no then
  void total.then;
  // @ts-expect-error operators have no then
  void e.then;

  // Classic operators: typed outputs, templated fields.
  const echo = new BashOperator({ taskId: 'echo', bashCommand: (ctx) => `echo ${ctx.ds}`, env: { A: '1', B: (ctx) => ctx.runId }, retries: 3 });
  const line: XComArg<string | undefined> = echo.output;
  label(total, line as XComArg<string>);
  // @ts-expect-error the BashOperator output (string | undefined) where a number is expected
  label(echo.output, 'x');

  // branch / shortCircuit are called like task().
  const pick = branch('pick', (n: number) => (n > 1 ? 'e' : ['f']));
  const chosen: XComArg<string[]> = pick(total);
  chosen.setDownstream(e);
  // @ts-expect-error a branch function must return task ids
  branch('bad_branch', () => 42);
  const gate = shortCircuit({ taskId: 'gate', ignoreDownstreamTriggerRules: false }, async (n: number) => n > 0);
  gate(total).setDownstream(e);
  // @ts-expect-error shortCircuit arguments are checked as well
  gate(text);
  // @ts-expect-error ignoreDownstreamTriggerRules is only for shortCircuit
  task({ taskId: 'x', ignoreDownstreamTriggerRules: true }, () => 1);

  // Options are typed.
  // @ts-expect-error an unknown trigger rule
  new EmptyOperator({ taskId: 'x1', triggerRule: 'sometimes' });
  // @ts-expect-error a bare number is not a duration
  new EmptyOperator({ taskId: 'x2', retryDelay: 300 });
  // @ts-expect-error classic operators need a taskId
  new EmptyOperator({ retries: 1 });
  new EmptyOperator({ taskId: 'x3', triggerRule: 'none_failed_min_one_success', executionTimeout: '1h30m', email: ['a@b.c'] });

  new FileSensor({ taskId: 'file', filepath: (ctx) => `/data/${ctx.ds}.csv`, mode: 'reschedule', pokeInterval: '30s' });
  new TimeDeltaSensor({ taskId: 'delta', delta: { hours: 1 } });
  new ExternalTaskSensor({ taskId: 'ext', externalDagId: 'other', executionDelta: '1d' });
  // @ts-expect-error sensor modes are 'poke' or 'reschedule'
  new TimeDeltaSensor({ taskId: 'delta2', delta: '1h', mode: 'wait' });
});

// @ts-expect-error dag options are typed (maxActiveRuns is a number)
dag({ dagId: 'bad', maxActiveRuns: '2' }, () => undefined);
// @ts-expect-error unknown dag options do not compile
dag({ dagId: 'bad', schedul: '@daily' }, () => undefined);

/** A user operator with a typed return value. */
export class CountRows extends BaseOperator<number> {
  override readonly templateFields = ['table'];
  readonly table: Templated<string>;

  constructor(options: BaseOperatorOptions & { table: Templated<string> }) {
    super(options, ['table']);
    this.table = options.table;
  }

  execute(ctx: TaskContext): number {
    return String(this.table).length + ctx.ti.tryNumber;
  }
}

export const custom: Dag = dag({ dagId: 'custom' }, () => {
  const rows = new CountRows({ taskId: 'rows', table: (ctx) => `events_${ctx.dsNodash}` });
  const count: XComArg<number> = rows.output;
  label(count, 'rows=');
  // @ts-expect-error a number output where a string is expected
  label(1, rows.output);
});
