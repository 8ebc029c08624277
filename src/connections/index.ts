/**
 * Connections and secrets: the connection model and its URI/JSON codecs (Airflow's rules),
 * encryption at rest, the encrypting repositories over the metadata store, and the secrets
 * backends connections and variables are looked up in.
 */
export {
  CONN_ID_MAX_LENGTH, Connection, parseConnectionExtra, validateConnId, type ConnectionFields,
} from './connection.js';
export {
  EXTRA_KEY, formatConnectionUri, maskConnectionUri, maskSensitiveValues, normalizeConnType, parseConnectionUri,
  type ConnectionUriFields, type ConnectionUriInput,
} from './connection-uri.js';
export {
  CONNECTION_TYPES, connectionTypeInfo, type ConnectionField, type ConnectionTypeInfo,
} from './connection-types.js';
export { SecretCipher, generateKey, keyFingerprint } from './secret-cipher.js';
export { KEY_FILE_NAME, ensureKeyFile } from './key-file.js';
export { ConnectionRepository, VARIABLE_KEY_MAX_LENGTH, VariableRepository } from './repositories.js';
export {
  CONN_ENV_PREFIX, EnvSecretsBackend, FileSecretsBackend, MetastoreSecretsBackend, SECRETS_BACKEND_NAMES, SecretsChain,
  VAR_ENV_PREFIX, buildSecretsChain, connectionEnvName, variableEnvName, type SecretsBackend, type SecretsBackendName,
} from './secrets-backends.js';
