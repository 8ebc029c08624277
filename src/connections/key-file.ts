import { randomBytes } from 'node:crypto';
import {
  closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { UpdraftError } from '../common/errors.js';
import { SecretCipher, generateKey } from './secret-cipher.js';

export const KEY_FILE_NAME = 'secret.key';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readKeyFile(path: string): string | null {
  // A file being created by the fallback path (no hard links) may be seen empty for a moment.
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw new UpdraftError('UPDRAFT_ERR_CONFIG', `cannot read the encryption key file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (text !== '' || attempt >= 20) return text;
    sleepSync(50);
  }
}

function validate(path: string, key: string): string {
  if (key === '') {
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the encryption key file ${path} is empty; restore it from a backup (the secrets in the database `
      + 'were encrypted with it), or set [secrets] encryption_key');
  }
  try {
    SecretCipher.fromConfig(key);
  } catch (error) {
    const why = (error as Error).message.replace(/^\[secrets\] encryption_key: /, '');
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the encryption key file ${path} does not hold a valid key: ${why}`, { cause: error });
  }
  return key;
}

function writeFully(path: string, text: string, flags: string): void {
  const fd = openSync(path, flags, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The key of an embedded (SQLite) installation with no [secrets] encryption_key: read from
 * <home>/secret.key, or created there on first use (mode 0600). Creation is atomic and never
 * overwrites: the key is written in full to a private temporary file which is then hard-linked
 * into place, so concurrent first runs all end up with the one key that won, and no reader ever
 * sees a partial file.
 */
export function ensureKeyFile(home: string): { key: string; created: boolean; path: string } {
  const path = join(home, KEY_FILE_NAME);
  const existing = readKeyFile(path);
  if (existing !== null) return { key: validate(path, existing), created: false, path };

  mkdirSync(home, { recursive: true });
  const key = generateKey();
  const temp = join(home, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    writeFully(temp, `${key}\n`, 'wx');
    try {
      linkSync(temp, path);
      created = true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') {
        created = false;
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        // A file system without hard links: exclusive create, readers wait out the short write.
        try {
          writeFully(path, `${key}\n`, 'wx');
          created = true;
        } catch (inner) {
          if (errorCode(inner) !== 'EEXIST') throw inner;
        }
      } else {
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof UpdraftError) throw error;
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `cannot create the encryption key file ${path}: ${(error as Error).message}; `
      + 'make the directory writable or set [secrets] encryption_key', { cause: error });
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone, or never written.
    }
  }
  if (created) return { key, created: true, path };
  const winner = readKeyFile(path);
  if (winner === null) throw new UpdraftError('UPDRAFT_ERR_CONFIG', `the encryption key file ${path} vanished while it was being created; run again`);
  return { key: validate(path, winner), created: false, path };
}
