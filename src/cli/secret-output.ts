import { isUpdraftError } from '../common/errors.js';
import { isSensitiveName, SecretMasker } from '../logs/secret-masker.js';
import { Connection, CONN_ENV_PREFIX, VAR_ENV_PREFIX } from '../connections/index.js';
import type { CliSecrets } from './lookups.js';
import type { Row } from './output.js';

/**
 * What the CLI prints about secrets: never a password or a sensitive value unless the user asked
 * for it (--show-secrets). Two layers, as in task logs: fields known to be secret are replaced by ***
 * (a connection's password, extras and variables whose key names a secret), and every printed cell
 * passes through a value masker holding every secret the database knows, so a password that also
 * appears elsewhere (inside a URL in a variable, in a description) is caught too. Values shorter
 * than 5 characters are left alone by the value masker, as in task logs.
 */

/**
 * The masker the CLI prints through: every connection secret and sensitive variable value stored.
 * With `skipUnreadable` (masking a terminal, not printing secrets), a row the key cannot decrypt is
 * skipped — it cannot leak what nobody can read — instead of failing the command.
 */
export async function storedSecretsMasker(secrets: CliSecrets, also: Connection[] = [], options: { skipUnreadable?: boolean } = {}): Promise<SecretMasker> {
  const masker = new SecretMasker();
  const readable = async <T>(read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      if (options.skipUnreadable === true && isUpdraftError(error, 'UPDRAFT_ERR_SECRETS_KEY')) return null;
      throw error;
    }
  };
  const stored: Connection[] = [];
  for (const record of await secrets.store.listConnections()) {
    const conn = await readable(() => secrets.connections.get(record.connId));
    if (conn !== null) stored.push(conn);
  }
  for (const conn of [...stored, ...also]) {
    for (const secret of conn.secrets()) masker.add(secret);
  }
  for (const variable of await secrets.store.listVariables()) {
    if (!isSensitiveName(variable.key)) continue;
    const value = await readable(() => secrets.variables.get(variable.key));
    if (value !== null) masker.add(value);
  }
  return masker;
}

/** Masks every string cell of the rows. */
export function maskRows(rows: Row[], masker: SecretMasker): Row[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'string' ? masker.mask(value) : value])));
}

/**
 * Adds the secrets the environment defines (UPDRAFT_CONN_<ID> passwords and sensitive extras,
 * UPDRAFT_VAR_<KEY> values whose key names a secret). A malformed variable is skipped here: the
 * lookup that reads it reports it.
 */
export function addEnvironmentSecrets(masker: SecretMasker, env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.startsWith(CONN_ENV_PREFIX)) {
      try {
        for (const secret of Connection.fromEnvValue(name.slice(CONN_ENV_PREFIX.length).toLowerCase(), value).secrets()) masker.add(secret);
      } catch {
        // Reported by the lookup that reads it.
      }
    } else if (name.startsWith(VAR_ENV_PREFIX) && isSensitiveName(name.slice(VAR_ENV_PREFIX.length))) {
      masker.add(value);
    }
  }
}

type WriteFn = typeof process.stdout.write;

/**
 * Masks what this process writes to stdout and stderr until the returned function is called (it
 * flushes and restores). `dags test` and `tasks test` run tasks inside the CLI process, where a
 * task's console output reaches the terminal directly rather than its masked log; this keeps the
 * secrets the CLI knows (stored, from the environment, served to the task) off the terminal.
 * Output is buffered per line, so a secret written in pieces is still masked whole.
 */
export function maskProcessOutput(masker: SecretMasker): () => void {
  const restorers = (['stdout', 'stderr'] as const).map((name) => {
    const stream = process[name];
    const original = stream.write;
    let partial = '';
    const flush = (text: string): void => {
      if (text !== '') original.call(stream, masker.mask(text));
    };
    // Same arity as stream.write, which it stands in for.
    // eslint-disable-next-line max-params
    const patched = function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const done = typeof encoding === 'function' ? encoding : callback;
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk ?? '');
      partial += text;
      // A line ends at "\n", or at "\r" for progress bars that redraw one line.
      const end = Math.max(partial.lastIndexOf('\n'), partial.lastIndexOf('\r'));
      if (end >= 0) {
        flush(partial.slice(0, end + 1));
        partial = partial.slice(end + 1);
      }
      if (partial.length > 64 * 1024) {
        flush(partial);
        partial = '';
      }
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    stream.write = patched as WriteFn;
    return () => {
      stream.write = original;
      flush(partial);
      partial = '';
    };
  });
  return () => {
    for (const restore of restorers) restore();
  };
}
