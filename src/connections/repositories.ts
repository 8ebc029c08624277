import { UpdraftError, isUpdraftError } from '../common/errors.js';
import type { ConnectionRecord, MetadataStore, Variable } from '../core/ports/metadata-store.js';
import { Connection } from './connection.js';
import type { SecretCipher } from './secret-cipher.js';

/** Airflow's ID_LEN: the longest variable key. */
export const VARIABLE_KEY_MAX_LENGTH = 250;

/** Re-raises a decryption failure naming what could not be decrypted. */
function withSubject<T>(subject: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isUpdraftError(error, 'UPDRAFT_ERR_SECRETS_KEY')) {
      throw new UpdraftError('UPDRAFT_ERR_SECRETS_KEY', error.message.replace(/^cannot decrypt a stored secret/, `cannot decrypt ${subject}`),
        { cause: error, details: error.details });
    }
    throw error;
  }
}

function checkVariableKey(key: string): void {
  if (typeof key !== 'string' || key === '' || [...key].length > VARIABLE_KEY_MAX_LENGTH) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `variable key ${JSON.stringify(key)} is not valid: use 1 to ${VARIABLE_KEY_MAX_LENGTH} characters`);
  }
}

/**
 * Connections in the metadata store, with the password and the extra encrypted (each an
 * AES-256-GCM token); the other fields stay readable, as in Airflow. Rows written unencrypted
 * (is_encrypted false) are read as they are and encrypted by rotateKeys().
 */
export class ConnectionRepository {
  readonly #store: MetadataStore;
  readonly #cipher: SecretCipher;

  constructor(store: MetadataStore, cipher: SecretCipher) {
    this.#store = store;
    this.#cipher = cipher;
  }

  async get(connId: string): Promise<Connection | null> {
    const record = await this.#store.getConnection(connId);
    return record === null ? null : this.#fromRecord(record);
  }

  async set(conn: Connection): Promise<void> {
    await this.#store.setConnection(this.#toRecord(conn));
  }

  delete(connId: string): Promise<boolean> {
    return this.#store.deleteConnection(connId);
  }

  async list(): Promise<Connection[]> {
    return (await this.#store.listConnections()).map((record) => this.#fromRecord(record));
  }

  /** Re-encrypts every connection and variable with the first key (and encrypts plaintext rows); returns how many rows changed. */
  async rotateKeys(): Promise<{ connections: number; variables: number }> {
    let connections = 0;
    for (const record of await this.#store.listConnections()) {
      const subject = `connection "${record.connId}"`;
      const password = withSubject(`the password of ${subject}`, () => this.#rotateField(record.password, record.isEncrypted));
      const extra = withSubject(`the extra of ${subject}`, () => this.#rotateField(record.extra, record.isExtraEncrypted));
      if (password === null && extra === null) continue;
      await this.#store.setConnection({
        ...record,
        ...(password === null ? {} : { password, isEncrypted: true }),
        ...(extra === null ? {} : { extra, isExtraEncrypted: true }),
      });
      connections++;
    }
    const variables = await new VariableRepository(this.#store, this.#cipher).rotateKeys();
    return { connections, variables };
  }

  /** The new stored value, or null when the stored one is already encrypted with the first key (or empty). */
  #rotateField(value: string | null, encrypted: boolean): string | null {
    if (value === null || value === '') return null;
    return encrypted ? this.#cipher.rotate(value) : this.#cipher.encrypt(value);
  }

  #toRecord(conn: Connection): ConnectionRecord {
    const hasExtra = Object.keys(conn.extra).length > 0;
    return {
      connId: conn.connId,
      connType: conn.connType ?? '',
      description: conn.description,
      host: conn.host,
      schema: conn.schema,
      login: conn.login,
      password: conn.password === null ? null : this.#cipher.encrypt(conn.password),
      port: conn.port,
      extra: hasExtra ? this.#cipher.encrypt(JSON.stringify(conn.extra)) : null,
      isEncrypted: conn.password !== null,
      isExtraEncrypted: hasExtra,
    };
  }

  #fromRecord(record: ConnectionRecord): Connection {
    const subject = `connection "${record.connId}"`;
    const password = record.password !== null && record.isEncrypted
      ? withSubject(`the password of ${subject}`, () => this.#cipher.decrypt(record.password!))
      : record.password;
    const extraText = record.extra !== null && record.isExtraEncrypted
      ? withSubject(`the extra of ${subject}`, () => this.#cipher.decrypt(record.extra!))
      : record.extra;
    return new Connection({
      connId: record.connId,
      connType: record.connType === '' ? null : record.connType,
      description: record.description,
      host: record.host,
      schema: record.schema,
      login: record.login,
      password,
      port: record.port,
      extra: extraText,
    });
  }
}

/** Variables in the metadata store, every value encrypted (is_encrypted true). */
export class VariableRepository {
  readonly #store: MetadataStore;
  readonly #cipher: SecretCipher;

  constructor(store: MetadataStore, cipher: SecretCipher) {
    this.#store = store;
    this.#cipher = cipher;
  }

  async get(key: string): Promise<string | null> {
    const variable = await this.#store.getVariable(key);
    return variable === null ? null : this.#value(variable);
  }

  /** Stores the value encrypted. Without a description (undefined) an existing one is kept; null clears it. */
  async set(key: string, value: string, description?: string | null): Promise<void> {
    checkVariableKey(key);
    if (typeof value !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `the value of variable "${key}" must be a string (JSON.stringify other values)`);
    }
    const kept = description === undefined ? (await this.#store.getVariable(key))?.description ?? null : description;
    await this.#store.setVariable({ key, value: this.#cipher.encrypt(value), description: kept, isEncrypted: true });
  }

  delete(key: string): Promise<boolean> {
    return this.#store.deleteVariable(key);
  }

  async list(): Promise<Array<{ key: string; value: string; description: string | null }>> {
    return (await this.#store.listVariables()).map((variable) => ({
      key: variable.key, value: this.#value(variable), description: variable.description,
    }));
  }

  /** Re-encrypts every variable with the first key (and encrypts plaintext ones); returns how many changed. */
  async rotateKeys(): Promise<number> {
    let changed = 0;
    for (const variable of await this.#store.listVariables()) {
      const value = withSubject(`variable "${variable.key}"`, () => (variable.isEncrypted
        ? this.#cipher.rotate(variable.value)
        : this.#cipher.encrypt(variable.value)));
      if (value === null) continue;
      await this.#store.setVariable({ ...variable, value, isEncrypted: true });
      changed++;
    }
    return changed;
  }

  #value(variable: Variable): string {
    return variable.isEncrypted ? withSubject(`variable "${variable.key}"`, () => this.#cipher.decrypt(variable.value)) : variable.value;
  }
}
