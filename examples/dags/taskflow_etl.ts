import { dag, getContext, task } from 'updraft';

interface Order {
  id: number;
  amount: bigint;
  placedAt: Date;
}

interface Summary {
  orders: number;
  total: bigint;
  firstAt: Date;
  byDay: Map<string, number>;
}

const extract = task('extract', (): Order[] => {
  const ctx = getContext();
  ctx.log.info(`extracting orders for ${ctx.ds}`);
  return [
    { id: 1, amount: 1_250n, placedAt: new Date(`${ctx.ds}T08:15:00Z`) },
    { id: 2, amount: 9_007_199_254_740_993n, placedAt: new Date(`${ctx.ds}T09:30:00Z`) },
    { id: 3, amount: 300n, placedAt: new Date(`${ctx.ds}T17:45:00Z`) },
  ];
});

const transform = task('transform', (orders: Order[]): Summary => {
  const byDay = new Map<string, number>();
  for (const o of orders) byDay.set(o.placedAt.toISOString().slice(0, 10), (byDay.get(o.placedAt.toISOString().slice(0, 10)) ?? 0) + 1);
  return {
    orders: orders.length,
    total: orders.reduce((sum, o) => sum + o.amount, 0n),
    firstAt: new Date(Math.min(...orders.map((o) => o.placedAt.getTime()))),
    byDay,
  };
});

const load = task({ taskId: 'load', retries: 1 }, (summary: Summary, target: string): string => {
  // Date, bigint and Map arrive intact: XCom does not flatten them to JSON strings.
  console.log(`loading ${summary.orders} orders totalling ${summary.total} (first at ${summary.firstAt.toISOString()}) into ${target}`);
  return `${target}:${summary.orders}`;
});

/** A TaskFlow ETL: typed values flow between tasks; a wrong wiring does not compile. */
export default dag({
  dagId: 'example_taskflow_etl',
  schedule: '@daily',
  startDate: '2026-01-01',
  tags: ['example', 'taskflow'],
}, () => {
  load(transform(extract()), 'warehouse.orders_daily');
});
