import type { Command } from 'commander';
import { UpdraftError, toError } from '../../common/errors.js';
import { closest } from '../../common/closest.js';
import { CONNECTION_TYPES, Connection, validateConnId, type ConnectionFields } from '../../connections/index.js';
import { MASK } from '../../logs/secret-masker.js';
import type { CliContext } from '../context.js';
import { testConnection } from '../connection-tests.js';
import { findConnectionWithSource } from '../lookups.js';
import { parseOutputFormat, printRows, type Row } from '../output.js';
import { maskRows, storedSecretsMasker } from '../secret-output.js';
import {
  parseConnectionsFile, renderConnectionsFile, secretsFileFormat, writeSecretFile, type SecretsFileFormat,
} from '../secrets-files.js';

interface AddOptions {
  connUri?: string;
  connJson?: string;
  connType?: string;
  connHost?: string;
  connLogin?: string;
  connPassword?: string;
  connSchema?: string;
  connPort?: string;
  connExtra?: string;
  connDescription?: string;
  overwrite?: boolean;
}

/** Options that describe a connection field by field; Airflow refuses them next to --conn-uri / --conn-json. */
const FIELD_OPTIONS = [
  ['connType', '--conn-type'], ['connHost', '--conn-host'], ['connLogin', '--conn-login'],
  ['connPassword', '--conn-password'], ['connSchema', '--conn-schema'], ['connPort', '--conn-port'],
] as const;

function invalid(message: string): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', message);
}

/** The connection `connections add` describes, following Airflow's rules for mixing options. */
export function connectionFromAddOptions(connId: string, opts: AddOptions): Connection {
  validateConnId(connId);
  const hasUri = opts.connUri !== undefined;
  const hasJson = opts.connJson !== undefined;
  if (hasUri && hasJson) throw invalid('pass either --conn-uri or --conn-json, not both');
  if (!hasUri && !hasJson && opts.connType === undefined) {
    throw invalid('describe the connection with --conn-uri <uri>, --conn-json <json>, or --conn-type <type> and the other --conn-* fields');
  }
  if (hasUri || hasJson) {
    const clashing: string[] = FIELD_OPTIONS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
    if (hasJson && opts.connExtra !== undefined) clashing.push('--conn-extra');
    if (clashing.length > 0) throw invalid(`${clashing.join(', ')} cannot be combined with --conn-${hasUri ? 'uri' : 'json'}; put those fields in the ${hasUri ? 'URI' : 'JSON'}`);
  }
  let conn: Connection;
  if (hasUri) {
    conn = Connection.fromUri(connId, opts.connUri!);
  } else if (hasJson) {
    conn = Connection.fromJson(connId, opts.connJson!);
  } else {
    let port: number | null = null;
    if (opts.connPort !== undefined) {
      if (!/^\d+$/.test(opts.connPort.trim()) || Number(opts.connPort) > 65_535) throw invalid(`--conn-port "${opts.connPort}" is not a port number (0-65535)`);
      port = Number(opts.connPort);
    }
    conn = new Connection({
      connId, connType: opts.connType!, host: opts.connHost ?? null, login: opts.connLogin ?? null, password: opts.connPassword ?? null,
      schema: opts.connSchema ?? null, port, extra: {}, description: null,
    });
  }
  if (opts.connExtra !== undefined) conn = withFields(conn, { extra: parseExtraOption(opts.connExtra) });
  if (opts.connDescription !== undefined) conn = withFields(conn, { description: opts.connDescription });
  if (conn.connType === null || conn.connType === '') {
    throw invalid(`connection ${connId} has no type; ${hasJson ? 'put "conn_type" in the JSON' : 'give one with --conn-type'} (postgres, mysql, http, …)`);
  }
  return conn;
}

function parseExtraOption(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`--conn-extra is not valid JSON (${toError(error).message}); pass an object such as '{"sslmode": "require"}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`--conn-extra must be a JSON object such as '{"sslmode": "require"}', got ${text}`);
  return value as Record<string, unknown>;
}

function withFields(conn: Connection, fields: Partial<ConnectionFields>): Connection {
  return new Connection({ ...conn.toFields(), ...fields });
}

/** A copy safe to print: password and sensitive extras (by name, or declared by the type) replaced by ***. */
export function redactedConnection(conn: Connection): Connection {
  return withFields(conn, { password: conn.password === null ? null : MASK, extra: conn.maskedExtra() });
}

/** getUri() percent-encodes the *** of a masked password; shown as *** it reads as what it is. */
function readableMask(uri: string): string {
  return uri.replaceAll('%2A%2A%2A', MASK);
}

function warnUnknownType(ctx: CliContext, connType: string | null): void {
  if (connType === null) return;
  const known = Object.keys(CONNECTION_TYPES);
  if (known.includes(connType)) return;
  const near = closest(connType, known);
  ctx.stderr.write(`warning: connection type ${JSON.stringify(connType)} is not one Updraft knows${near === null ? '' : ` (did you mean "${near}"?)`}; known: ${known.join(', ')}\n`);
}

function extraText(extra: Record<string, unknown>): string {
  return Object.keys(extra).length === 0 ? '' : JSON.stringify(extra);
}

export function registerConnectionsCommands(program: Command, ctx: CliContext): void {
  const connections = program.command('connections').description('manage connections (credentials encrypted at rest; passwords shown as ***)');

  connections.command('add <conn_id>').description('add a connection from a URI, a JSON document, or field by field')
    .option('--conn-uri <uri>', 'the connection as a URI: type://login:password@host:port/schema?extra=value')
    .option('--conn-json <json>', 'the connection as JSON: {"conn_type": ..., "host": ..., "extra": {...}}')
    .option('--conn-type <type>', 'connection type (postgres, mysql, http, aws, …)')
    .option('--conn-host <host>', 'host')
    .option('--conn-login <login>', 'login (user name)')
    .option('--conn-password <password>', 'password (stored encrypted)')
    .option('--conn-schema <schema>', 'schema (the database, for SQL connections)')
    .option('--conn-port <port>', 'port')
    .option('--conn-extra <json>', 'extra fields as a JSON object (stored encrypted)')
    .option('--conn-description <text>', 'free text describing the connection')
    .option('--overwrite', 'replace a connection with the same id')
    .action(async (connId: string, opts: AddOptions) => {
      const conn = connectionFromAddOptions(connId, opts);
      warnUnknownType(ctx, conn.connType);
      const secrets = await ctx.secrets();
      const existing = await secrets.connections.get(conn.connId);
      if (existing !== null && opts.overwrite !== true) {
        throw invalid(`connection ${conn.connId} already exists; pass --overwrite to replace it, or \`updraft connections delete ${conn.connId}\` first`);
      }
      await secrets.connections.set(conn);
      ctx.stdout.write(`${existing === null ? 'added' : 'replaced'} connection ${conn.connId}: ${readableMask(conn.getMaskedUri())}\n`);
    });

  connections.command('get <conn_id>').description('show a connection (from the environment or the database); the password as *** unless --show-secrets')
    .option('-o, --output <format>', 'table, json or uri', 'table')
    .option('--show-secrets', 'print the password and sensitive extras in clear')
    .action(async (connId: string, opts: { output: string; showSecrets?: boolean }) => {
      if (!['table', 'json', 'uri'].includes(opts.output)) throw invalid(`--output "${opts.output}" is not supported; allowed: table, json, uri`);
      const secrets = await ctx.secrets();
      const found = await findConnectionWithSource(secrets, connId);
      if (found === null) {
        throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND',
          `connection ${JSON.stringify(connId)} is not defined in ${ctx.config.secrets.backends.join(', ') || 'any backend'}; `
          + `define it with UPDRAFT_CONN_${connId.toUpperCase()} or \`updraft connections add ${connId}\``);
      }
      const show = opts.showSecrets === true;
      const conn = show ? found.connection : redactedConnection(found.connection);
      const masker = show ? null : await storedSecretsMasker(secrets, [found.connection]);
      const text = (value: string): string => (masker === null ? value : masker.mask(value));
      const uri = show ? conn.getUri() : readableMask(conn.getUri());
      if (opts.output === 'uri') {
        ctx.stdout.write(`${text(uri)}\n`);
        return;
      }
      const fields: Row = {
        conn_id: conn.connId, conn_type: conn.connType, description: conn.description ?? null, host: conn.host ?? null, schema: conn.schema ?? null,
        login: conn.login ?? null, password: conn.password ?? null, port: conn.port ?? null, source: found.source,
      };
      if (opts.output === 'json') {
        const document = { ...fields, extra: conn.extra, uri };
        ctx.stdout.write(`${text(JSON.stringify(document, null, 2))}\n`);
        return;
      }
      const rows = Object.entries({ ...fields, extra: extraText(conn.extra), uri })
        .map(([field, value]) => ({ field, value: value === null ? '' : String(value) }));
      printRows(masker === null ? rows : maskRows(rows, masker), ['field', 'value'], { format: 'table', out: ctx.stdout });
    });

  connections.command('list').description('the connections stored in the metadata database (no secrets shown)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const secrets = await ctx.secrets();
      const stored = await secrets.connections.list();
      const masker = await storedSecretsMasker(secrets, stored);
      const rows = stored.map((original) => {
        const conn = redactedConnection(original);
        return {
          conn_id: conn.connId, conn_type: conn.connType, host: conn.host ?? '', port: conn.port ?? null, schema: conn.schema ?? '',
          login: conn.login ?? '', has_password: original.password !== null && original.password !== '', extra: extraText(conn.extra),
          description: conn.description ?? '',
        };
      });
      printRows(maskRows(rows, masker), ['conn_id', 'conn_type', 'host', 'port', 'schema', 'login', 'has_password', 'extra', 'description'], { format, out: ctx.stdout });
    });

  connections.command('delete <conn_id>').description('delete a connection from the metadata database')
    .action(async (connId: string) => {
      const secrets = await ctx.secrets();
      if (!(await secrets.connections.delete(connId))) {
        const envName = `UPDRAFT_CONN_${connId.toUpperCase()}`;
        throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND', process.env[envName] !== undefined
          ? `connection ${connId} is not in the metadata database; it comes from the environment variable ${envName}: unset that instead`
          : `connection ${JSON.stringify(connId)} is not in the metadata database`);
      }
      ctx.stdout.write(`deleted connection ${connId}\n`);
    });

  connections.command('export <file>').description('write the stored connections to a file (secrets in clear: the file gets mode 0600)')
    .option('--format <format>', 'json, yaml or env (default: from the file extension, else json)')
    .action(async (file: string, opts: { format?: string }) => {
      const format = secretsFileFormat(file, opts.format);
      const secrets = await ctx.secrets();
      const stored = await secrets.connections.list();
      writeSecretFile(file, renderConnectionsFile(stored, format));
      ctx.stdout.write(`exported ${stored.length} connection(s) to ${file} as ${format} (mode 0600: it holds passwords in clear)\n`);
    });

  connections.command('import <file>')
    .description('add the connections of a JSON, YAML or .env file; every entry is checked first and a file with a bad entry imports nothing')
    .option('--format <format>', 'json, yaml or env (default: from the file extension, else json)')
    .option('--overwrite', 'replace connections that already exist (default: keep them and report them)')
    .option('--skip-bad', 'import the good entries of a file with bad ones (the bad ones are reported)')
    .action(async (file: string, opts: { format?: string; overwrite?: boolean; skipBad?: boolean }) => {
      await importConnections(ctx, file, { format: secretsFileFormat(file, opts.format), overwrite: opts.overwrite === true, skipBad: opts.skipBad === true });
    });

  connections.command('test <conn_id>').description(`connect to the service a connection names (types: postgres, mysql, sqlite, http, smtp)`)
    .action(async (connId: string) => {
      const secrets = await ctx.secrets();
      const found = await findConnectionWithSource(secrets, connId);
      if (found === null) throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND', `connection ${JSON.stringify(connId)} is not defined`);
      const masker = await storedSecretsMasker(secrets, [found.connection]);
      try {
        const result = await testConnection(found.connection);
        ctx.stdout.write(`connection ${connId} works: ${masker.mask(result.detail)}\n`);
      } catch (error) {
        // Driver messages may quote what they were given: never let one print a password.
        if (error instanceof UpdraftError) throw new UpdraftError(error.code, masker.mask(error.message), { details: error.details });
        throw error;
      }
    });

  connections.command('rotate-keys').description('re-encrypt every stored secret with the first key of [secrets] encryption_key ("new,old")')
    .action(async () => {
      const secrets = await ctx.secrets();
      const { connections: n, variables: m } = await secrets.connections.rotateKeys();
      ctx.stdout.write(`re-encrypted ${n} connection(s) and ${m} variable(s) with the first key; the old key can now be removed from [secrets] encryption_key\n`);
    });
}

async function importConnections(ctx: CliContext, file: string, options: { format: SecretsFileFormat; overwrite: boolean; skipBad: boolean }): Promise<void> {
  const entries = parseConnectionsFile(file, options.format);
  const good: Connection[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    if (entry.problem !== undefined) {
      bad.push(`${entry.id}: ${entry.problem}`);
      continue;
    }
    try {
      validateConnId(entry.id);
      const conn = typeof entry.value === 'string' ? Connection.fromEnvValue(entry.id, entry.value) : Connection.fromJson(entry.id, entry.value);
      good.push(conn);
    } catch (error) {
      bad.push(`${entry.id}: ${toError(error).message}`);
    }
  }
  if (bad.length > 0 && !options.skipBad) {
    throw invalid(`${file} has ${bad.length} bad entr${bad.length === 1 ? 'y' : 'ies'}; nothing was imported (pass --skip-bad to import the good ones):\n  ${bad.join('\n  ')}`);
  }
  const secrets = await ctx.secrets();
  let imported = 0;
  const kept: string[] = [];
  for (const conn of good) {
    if (!options.overwrite && (await secrets.connections.get(conn.connId)) !== null) {
      kept.push(conn.connId);
      continue;
    }
    await secrets.connections.set(conn);
    imported++;
  }
  for (const line of bad) ctx.stderr.write(`skipped bad entry ${line}\n`);
  if (kept.length > 0) ctx.stderr.write(`kept existing connection(s) ${kept.join(', ')} (pass --overwrite to replace them)\n`);
  ctx.stdout.write(`imported ${imported} connection(s) from ${file}${bad.length > 0 ? `; skipped ${bad.length} bad` : ''}${kept.length > 0 ? `; kept ${kept.length} existing` : ''}\n`);
}
