import { performance } from 'node:perf_hooks';
import { FlowProducer, Queue, Worker, type FlowJob, type Job } from 'bullmq';
import { Redis } from 'ioredis';

export type Tuning = 'default' | 'tuned';

/** How each BullMQ variant is configured, as printed with the results. */
export const BULLMQ_CONFIG: Record<Tuning, string> = {
  default: 'defaults: concurrency 1, completed jobs kept',
  tuned: 'tuned: concurrency 50, removeOnComplete',
};

interface JobData {
  token: string;
  step?: number;
  last?: boolean;
}

interface Stamp {
  step: number;
  start: number;
  end: number;
}

const now = (): number => performance.timeOrigin + performance.now();

let sessions = 0;

/**
 * BullMQ 6 on Redis, used as its users use it: one Queue, one Worker in this process (started before
 * timing, as a running service is), a FlowProducer for parent/child dependencies. Each session has
 * its own key prefix, obliterated on close.
 */
export class BullmqSystem {
  private readonly listeners = new Set<(job: Job<JobData>) => void>();
  private stamps: Stamp[] | null = null;
  private counter = 0;

  private constructor(
    readonly tuning: Tuning,
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData>,
    private readonly flows: FlowProducer,
  ) {
    worker.on('completed', (job) => {
      for (const listener of this.listeners) listener(job);
    });
    worker.on('error', (error) => console.error(`bullmq worker error: ${error.message}`));
  }

  static async open(redisUrl: string, tuning: Tuning): Promise<BullmqSystem> {
    const url = new URL(redisUrl);
    const connection = {
      host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null,
      ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    };
    const prefix = `updraft-bench-${process.pid}-${++sessions}`;
    const queueName = 'bench';
    const queue = new Queue<JobData>(queueName, { connection, prefix });
    const flows = new FlowProducer({ connection, prefix });
    let system: BullmqSystem | null = null;
    const worker = new Worker<JobData>(queueName, async (job) => {
      const start = now();
      const stamps = system?.stamps ?? null;
      if (stamps !== null && job.data.step !== undefined) stamps.push({ step: job.data.step, start, end: now() });
      return undefined;
    }, {
      connection, prefix, autorun: true,
      ...(tuning === 'tuned' ? { concurrency: 50, removeOnComplete: { count: 0 } } : {}),
    });
    system = new BullmqSystem(tuning, queue, worker, flows);
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady(), flows.waitUntilReady()]);
    return system;
  }

  private token(): string {
    return `${process.pid}-${++this.counter}-${Date.now()}`;
  }

  /** Resolves when `count` jobs of this token have completed. */
  private completions(token: string, count: number, predicate: (job: Job<JobData>) => boolean = () => true): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      const listener = (job: Job<JobData>): void => {
        if (job.data.token !== token || !predicate(job)) return;
        if (++seen >= count) {
          this.listeners.delete(listener);
          resolve();
        }
      };
      this.listeners.add(listener);
    });
  }

  /** A flow `depth` levels deep (each parent has one child; the deepest child runs first). */
  private chainFlow(token: string, depth: number): FlowJob {
    let node: FlowJob = { name: 'step', queueName: this.queue.name, data: { token, step: 1 } };
    for (let step = 2; step <= depth; step++) {
      node = { name: 'step', queueName: this.queue.name, data: { token, step, ...(step === depth ? { last: true } : {}) }, children: [node] };
    }
    return node;
  }

  /** Wall time from FlowProducer.add to the completion of the flow's root (the last step). */
  async chain(depth: number): Promise<number> {
    const token = this.token();
    const done = this.completions(token, 1, (job) => job.data.last === true || depth === 1);
    const began = performance.now();
    await this.flows.add(this.chainFlow(token, depth));
    await done;
    return performance.now() - began;
  }

  /** Wall time from the first addBulk (batches of 1,000) to the last completion. */
  async fanout(count: number): Promise<number> {
    const token = this.token();
    const done = this.completions(token, count);
    const began = performance.now();
    for (let i = 0; i < count; i += 1000) {
      await this.queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, () => ({ name: 'noop', data: { token } })));
    }
    await done;
    return performance.now() - began;
  }

  /** Handler start/end stamps of a flow `steps` deep, in execution order. */
  async stampedChain(steps: number): Promise<Stamp[]> {
    const token = this.token();
    const done = this.completions(token, 1, (job) => job.data.last === true || steps === 1);
    this.stamps = [];
    try {
      await this.flows.add(this.chainFlow(token, steps));
      await done;
      return [...this.stamps].sort((a, b) => a.step - b.step);
    } finally {
      this.stamps = null;
    }
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.flows.close();
    await this.queue.obliterate({ force: true }).catch((error: Error) => console.error(`could not obliterate the bench queue: ${error.message}`));
    await this.queue.close();
  }
}

/** Redis persistence as running (CONFIG GET), and its version. */
export async function redisInfo(redisUrl: string): Promise<{ version: string; durability: string }> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  try {
    const get = async (name: string): Promise<string> => {
      const reply = (await client.config('GET', name)) as string[];
      return reply[1] ?? '?';
    };
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    const save = await get('save');
    return {
      version,
      durability: `Redis appendonly=${await get('appendonly')}, appendfsync=${await get('appendfsync')}, save="${save}"${save === '' ? ' (no RDB snapshots)' : ''}`,
    };
  } finally {
    client.disconnect();
  }
}
