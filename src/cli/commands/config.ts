import type { Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpdraftError } from '../../common/errors.js';
import { CONFIG_SCHEMA, SECTIONS, type Section } from '../../config/schema.js';
import { renderDefaultConfig } from '../../config/render-config.js';
import { generateKey } from '../../connections/index.js';
import type { CliContext } from '../context.js';
import { parseOutputFormat, printRows } from '../output.js';

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('inspect the configuration');
  config.command('get-value <section> <key>').description('print one configuration value').action((section: string, key: string) => {
    const spec = (CONFIG_SCHEMA as Record<string, Record<string, unknown>>)[section]?.[key];
    if (spec === undefined) {
      throw new UpdraftError('UPDRAFT_ERR_CONFIG', `unknown configuration key ${section}.${key}; sections: ${SECTIONS.join(', ')} (see \`updraft config list\`)`);
    }
    const value = (ctx.config[section as Section] as Record<string, unknown>)[key];
    ctx.stdout.write(`${Array.isArray(value) ? value.join(',') : String(value)}\n`);
  });
  config.command('list').description('every key with its value and where it came from (sensitive values masked)')
    .option('--defaults', 'show the built-in defaults instead of the effective values')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { defaults?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const rows = [];
      for (const section of SECTIONS) {
        for (const [key, spec] of Object.entries(CONFIG_SCHEMA[section])) {
          const raw = opts.defaults === true
            ? (typeof spec.default === 'function' ? spec.default(ctx.config.home) : spec.default)
            : (ctx.config[section] as Record<string, unknown>)[key];
          const shown = spec.sensitive === true && raw !== '' ? '***' : Array.isArray(raw) ? raw.join(',') : String(raw);
          rows.push({ section, key, value: shown, source: opts.defaults === true ? 'default' : ctx.config.sources[`${section}.${key}`] ?? 'default' });
        }
      }
      printRows(rows, ['section', 'key', 'value', 'source'], { format: format, out: ctx.stdout });
    });
  config.command('generate-key').description('print a new random key for [secrets] encryption_key (UPDRAFT__SECRETS__ENCRYPTION_KEY)')
    .action(() => {
      ctx.stdout.write(`${generateKey()}\n`);
    });
  config.command('init').description('write a documented default updraft.toml into UPDRAFT_HOME').option('--force', 'overwrite an existing file')
    .action((opts: { force?: boolean }) => {
      const home = ctx.config.home;
      const file = join(home, 'updraft.toml');
      if (existsSync(file) && opts.force !== true) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${file} already exists; pass --force to overwrite it`);
      mkdirSync(home, { recursive: true });
      writeFileSync(file, renderDefaultConfig(home));
      ctx.stdout.write(`wrote ${file}\n`);
    });
}
