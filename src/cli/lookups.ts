import { isAbsolute, resolve } from 'node:path';
import { UpdraftError } from '../common/errors.js';
import type { UpdraftConfig } from '../config/load-config.js';
import {
  ConnectionRepository, SecretCipher, VariableRepository, buildSecretsChain, ensureKeyFile, validateConnId, type Connection, type SecretsChain,
} from '../connections/index.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import type { ExecutionApiOptions } from '../scheduler/execution-api.js';

/** What commands that touch secrets use: one cipher, the repositories over the store, the lookup chain. */
export interface CliSecrets {
  cipher: SecretCipher;
  connections: ConnectionRepository;
  variables: VariableRepository;
  chain: SecretsChain;
  /** The metadata store the repositories read (ciphertext: for ids and keys only). */
  store: MetadataStore;
  /** Where the key came from, for messages: the configuration or the generated key file. */
  keySource: { kind: 'config' } | { kind: 'file'; path: string; created: boolean };
}

export const POSTGRES_NEEDS_KEY = '[secrets] encryption_key is not set; a PostgreSQL metadata database needs an explicit key shared by every scheduler '
  + 'and worker: generate one with `updraft config generate-key` and set UPDRAFT__SECRETS__ENCRYPTION_KEY';

/**
 * The key that encrypts secrets at rest. `[secrets] encryption_key` when set ("new,old" while
 * rotating). Otherwise the embedded SQLite database uses a key file generated on first use in
 * UPDRAFT_HOME (as Airflow writes a Fernet key at db init), while PostgreSQL — shared by several
 * schedulers and workers, which must all hold the same key — refuses: a key generated on one host
 * would make the secrets another host wrote unreadable.
 */
export function resolveCipher(config: UpdraftConfig, dialect: MetadataStore['dialect']): { cipher: SecretCipher; keySource: CliSecrets['keySource'] } {
  const configured = config.secrets.encryption_key.trim();
  if (configured !== '') return { cipher: cipherFrom(configured, 'UPDRAFT__SECRETS__ENCRYPTION_KEY / [secrets] encryption_key'), keySource: { kind: 'config' } };
  if (dialect !== 'sqlite') throw new UpdraftError('UPDRAFT_ERR_CONFIG', POSTGRES_NEEDS_KEY);
  const file = ensureKeyFile(config.home);
  return { cipher: cipherFrom(file.key, file.path), keySource: { kind: 'file', path: file.path, created: file.created } };
}

function cipherFrom(keys: string, where: string): SecretCipher {
  try {
    return SecretCipher.fromConfig(keys);
  } catch (error) {
    if (error instanceof UpdraftError) throw error;
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the encryption key in ${where} is not usable: ${(error as Error).message}; generate one with \`updraft config generate-key\``, { cause: error });
  }
}

/** Builds the repositories and the lookup chain of `[secrets] backends` around a cipher. */
export function buildCliSecrets(config: UpdraftConfig, store: MetadataStore, options: { key: ReturnType<typeof resolveCipher>; env?: NodeJS.ProcessEnv }): CliSecrets {
  const { cipher, keySource } = options.key;
  const env = options.env ?? process.env;
  const connections = new ConnectionRepository(store, cipher);
  const variables = new VariableRepository(store, cipher);
  const filePath = config.secrets.file_path === '' ? undefined
    : isAbsolute(config.secrets.file_path) ? config.secrets.file_path : resolve(config.home, config.secrets.file_path);
  const chain = buildSecretsChain([...config.secrets.backends], {
    env, connections, variables, ...(filePath === undefined ? {} : { filePath }),
  });
  return { cipher, connections, variables, chain, store, keySource };
}

/**
 * The execution API's lookups for task processes: the chain, with a connection handed over as the
 * plain object of its fields (Connection.toObject()).
 */
export function executionLookups(chain: SecretsChain): Pick<ExecutionApiOptions, 'getVariable' | 'getConnection'> {
  return {
    getVariable: async (key) => (await chain.getVariable(key)) ?? undefined,
    getConnection: async (connId) => (await chain.findConnection(connId))?.toObject(),
  };
}

/** The connection and the name of the backend that has it (env, metastore, file), trying them in order. */
export async function findConnectionWithSource(secrets: CliSecrets, connId: string): Promise<{ connection: Connection; source: string } | null> {
  validateConnId(connId);
  for (const backend of secrets.chain.backends) {
    const connection = await backend.getConnection(connId);
    if (connection !== null) return { connection, source: backend.name };
  }
  return null;
}
