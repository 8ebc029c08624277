import type { Command } from 'commander';
import { UpdraftError } from '../../common/errors.js';
import type { CliContext } from '../context.js';

export function registerDbCommands(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('manage the metadata database');
  db.command('migrate').description('apply pending migrations (idempotent)').action(async () => {
    const store = await ctx.store();
    const { applied, current } = await store.migrate();
    ctx.stdout.write(applied.length === 0 ? `database is up to date (version ${current})\n` : `applied migrations ${applied.join(', ')}; database at version ${current}\n`);
  });
  db.command('check').description('check that the database is reachable and migrated').action(async () => {
    const store = await ctx.store();
    const { current, latest } = await store.check();
    ctx.stdout.write(`database ok (${store.dialect}, version ${current} of ${latest})\n`);
  });
  db.command('reset').description('drop every Updraft table and migrate again (all history is lost)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts: { yes?: boolean }) => {
      if (opts.yes !== true) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'db reset deletes all DAG runs, task history, variables and connections; pass --yes to confirm');
      }
      const store = await ctx.store();
      await store.reset();
      ctx.stdout.write('database reset\n');
    });
}
