import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UpdraftError, toError } from '../../common/errors.js';
import { VARIABLE_KEY_MAX_LENGTH } from '../../connections/index.js';
import { isSensitiveName, MASK } from '../../logs/secret-masker.js';
import type { CliContext } from '../context.js';
import { parseOutputFormat, printRows } from '../output.js';
import { maskRows, storedSecretsMasker } from '../secret-output.js';
import { writeSecretFile } from '../secrets-files.js';


function invalid(message: string): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', message);
}

function checkKey(key: string): void {
  if (key.trim() === '' || [...key].length > VARIABLE_KEY_MAX_LENGTH) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ID', `variable key ${JSON.stringify(key)} must be 1 to ${VARIABLE_KEY_MAX_LENGTH} characters (not only spaces)`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(`${what} is not valid JSON: ${toError(error).message}`);
  }
}

export function registerVariablesCommands(program: Command, ctx: CliContext): void {
  const variables = program.command('variables').description('manage variables (values of sensitive keys encrypted at rest and shown as ***)');

  variables.command('get <key>').description('print a variable\'s value (the environment UPDRAFT_VAR_<KEY> first, as tasks see it)')
    .option('-j, --json', 'parse the value as JSON and print it formatted')
    .option('-d, --default <value>', 'print this when the variable does not exist (instead of failing)')
    .action(async (key: string, opts: { json?: boolean; default?: string }) => {
      const secrets = await ctx.secrets();
      const value = await secrets.chain.getVariable(key);
      if (value === null || value === undefined) {
        if (opts.default !== undefined) {
          ctx.stdout.write(`${opts.default}\n`);
          return;
        }
        throw new UpdraftError('UPDRAFT_ERR_VARIABLE_NOT_FOUND',
          `variable ${JSON.stringify(key)} does not exist; set it with \`updraft variables set ${key} <value>\` or UPDRAFT_VAR_${key.toUpperCase()}, or pass --default`);
      }
      ctx.stdout.write(opts.json === true ? `${JSON.stringify(parseJson(value, `variable ${JSON.stringify(key)}`), null, 2)}\n` : `${value}\n`);
    });

  variables.command('set <key> <value>').description('create or replace a variable')
    .option('-j, --json', 'the value must be valid JSON (checked before storing)')
    .option('--description <text>', 'what the variable is for')
    .action(async (key: string, value: string, opts: { json?: boolean; description?: string }) => {
      checkKey(key);
      if (opts.json === true) parseJson(value, `the value of ${key}`);
      const secrets = await ctx.secrets();
      await secrets.variables.set(key, value, opts.description);
      ctx.stdout.write(`variable ${key} set${isSensitiveName(key) ? ' (sensitive: encrypted, masked in logs and listings)' : ''}\n`);
    });

  variables.command('list').description('the variables stored in the metadata database (values of sensitive keys as ***)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const secrets = await ctx.secrets();
      const masker = await storedSecretsMasker(secrets);
      const rows = (await secrets.variables.list()).map((v) => ({
        key: v.key, value: isSensitiveName(v.key) ? MASK : v.value, description: v.description ?? '',
      }));
      printRows(maskRows(rows, masker), ['key', 'value', 'description'], { format, out: ctx.stdout });
    });

  variables.command('delete <key>').description('delete a variable from the metadata database')
    .action(async (key: string) => {
      const secrets = await ctx.secrets();
      if (!(await secrets.variables.delete(key))) {
        const envName = `UPDRAFT_VAR_${key.toUpperCase()}`;
        throw new UpdraftError('UPDRAFT_ERR_VARIABLE_NOT_FOUND', process.env[envName] !== undefined
          ? `variable ${key} is not in the metadata database; it comes from the environment variable ${envName}: unset that instead`
          : `variable ${JSON.stringify(key)} is not in the metadata database`);
      }
      ctx.stdout.write(`deleted variable ${key}\n`);
    });

  variables.command('import <file>').description('set the variables of a JSON object file {"key": value, …} (non-string values are stored as JSON)')
    .option('--action-on-existing-key <action>', 'overwrite, skip or fail', 'overwrite')
    .action(async (file: string, opts: { actionOnExistingKey: string }) => {
      const action = opts.actionOnExistingKey;
      if (action !== 'overwrite' && action !== 'skip' && action !== 'fail') throw invalid(`--action-on-existing-key "${action}" is not allowed; use overwrite, skip or fail`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw invalid(`cannot read ${file}: ${toError(error).message}`);
      }
      const document = parseJson(text, file);
      if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalid(`${file} must hold a JSON object {"key": value, …}`);
      const entries = Object.entries(document as Record<string, unknown>).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
      const bad = entries.filter((e) => { try { checkKey(e.key); return false; } catch { return true; } });
      if (bad.length > 0) throw invalid(`${file} has invalid keys ${bad.map((e) => JSON.stringify(e.key)).join(', ')}; nothing was imported`);
      const secrets = await ctx.secrets();
      const existing = new Set((await secrets.variables.list()).map((v) => v.key));
      const clashing = entries.filter((e) => existing.has(e.key)).map((e) => e.key);
      if (action === 'fail' && clashing.length > 0) throw invalid(`variables ${clashing.join(', ')} exist already; nothing was imported (--action-on-existing-key fail)`);
      let imported = 0;
      for (const entry of entries) {
        if (action === 'skip' && existing.has(entry.key)) continue;
        await secrets.variables.set(entry.key, entry.value);
        imported++;
      }
      ctx.stdout.write(`imported ${imported} variable(s) from ${file}${action === 'skip' && clashing.length > 0 ? `; kept ${clashing.length} existing` : ''}\n`);
    });

  variables.command('export <file>').description('write the stored variables to a JSON file (sensitive values in clear: the file gets mode 0600)')
    .action(async (file: string) => {
      const secrets = await ctx.secrets();
      const stored = await secrets.variables.list();
      // JSON values are written as JSON, so export then import round-trips them (Airflow does the same).
      const document = Object.fromEntries(stored.map((v) => {
        try {
          const parsed = JSON.parse(v.value) as unknown;
          return [v.key, typeof parsed === 'object' && parsed !== null ? parsed : v.value];
        } catch {
          return [v.key, v.value];
        }
      }));
      writeSecretFile(file, `${JSON.stringify(document, null, 2)}\n`);
      ctx.stdout.write(`exported ${stored.length} variable(s) to ${file} (mode 0600)\n`);
    });
}
