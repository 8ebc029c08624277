import type { Command } from 'commander';
import { UpdraftError } from '../../common/errors.js';
import type { CliContext } from '../context.js';
import { parseOutputFormat, printRows } from '../output.js';

const POOL_NAME = /^[A-Za-z0-9_.-]{1,250}$/;

export function registerPoolsCommands(program: Command, ctx: CliContext): void {
  const pools = program.command('pools').description('limit concurrency of task sets');
  pools.command('list').description('list pools with their slots and usage').option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const store = await ctx.readyStore();
      const usage = await store.poolUsage();
      printRows((await store.listPools()).map((p) => ({ pool: p.name, slots: p.slots, used: usage.get(p.name) ?? 0, description: p.description ?? '' })),
        ['pool', 'slots', 'used', 'description'], { format: format, out: ctx.stdout });
    });
  pools.command('set <name> <slots> [description]').description('create or update a pool').action(async (name: string, slots: string, description?: string) => {
    if (!POOL_NAME.test(name)) throw new UpdraftError('UPDRAFT_ERR_INVALID_ID', `pool name "${name}" may contain only letters, digits, "_", "-" and "." (at most 250)`);
    if (!/^\d+$/.test(slots)) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `slots "${slots}" is not a whole number ≥ 0`);
    const store = await ctx.readyStore();
    await store.setPool({ name, slots: Number(slots), description: description ?? null });
    ctx.stdout.write(`pool ${name} set to ${slots} slots\n`);
  });
  pools.command('delete <name>').description('delete a pool (default_pool cannot be deleted)').action(async (name: string) => {
    const store = await ctx.readyStore();
    if (!(await store.deletePool(name))) throw new UpdraftError('UPDRAFT_ERR_POOL_NOT_FOUND', `pool "${name}" does not exist`);
    ctx.stdout.write(`pool ${name} deleted\n`);
  });
}
