import { Command, CommanderError } from 'commander';
import { isUpdraftError, USAGE_ERROR_CODES } from '../common/errors.js';
import { CliContext } from './context.js';
import { registerDbCommands } from './commands/db.js';
import { registerDagsCommands } from './commands/dags.js';
import { registerTasksCommands } from './commands/tasks.js';
import { registerPoolsCommands } from './commands/pools.js';
import { registerServeCommands } from './commands/serve.js';
import { registerConfigCommands } from './commands/config.js';
import { registerConnectionsCommands } from './commands/connections.js';
import { registerVariablesCommands } from './commands/variables.js';
import { VERSION } from './version.js';
import { ExitCode } from './exit-code.js';

/**
 * The `updraft` command line. Exit codes: 0 success, 1 a task or run failed, 2 bad usage, input or
 * configuration — with one clear line on stderr (the stack only with --verbose).
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('updraft')
    .description('Updraft: workflow orchestration for data pipelines, in TypeScript')
    .option('-v, --verbose', 'debug logging and stack traces on errors')
    .option('--home <dir>', 'UPDRAFT_HOME to use (default: $UPDRAFT_HOME or ~/updraft)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showSuggestionAfterError(true);
  const ctx = new CliContext({});
  program.hook('preAction', (cmd) => {
    const opts = cmd.optsWithGlobals() as { verbose?: boolean; home?: string };
    Object.assign(ctx.options, opts);
  });
  program.command('version').description('print the Updraft version').action(() => {
    process.stdout.write(`${VERSION}\n`);
  });
  registerServeCommands(program, ctx);
  registerDbCommands(program, ctx);
  registerDagsCommands(program, ctx);
  registerTasksCommands(program, ctx);
  registerPoolsCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerConnectionsCommands(program, ctx);
  registerVariablesCommands(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.current;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    const verbose = ctx.options.verbose === true;
    if (isUpdraftError(error)) {
      process.stderr.write(`error: ${error.message}${verbose ? '' : ` [${error.code}]`}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return USAGE_ERROR_CODES.has(error.code) ? 2 : 1;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Commands that started workers or servers end them themselves; this only guarantees the CLI returns.
setImmediate(() => process.exit(code)).unref();
