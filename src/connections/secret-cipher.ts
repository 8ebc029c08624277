import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { UpdraftError } from '../common/errors.js';

/*
 * Secrets at rest: AES-256-GCM (authenticated: a wrong key or an altered value is detected, never
 * decrypted into garbage). A token is `ud1:<keyId>:<iv>:<ciphertext+tag>`, iv and ciphertext in
 * base64url; the header `ud1:<keyId>` is authenticated too (additional data). keyId is the first 8
 * hex digits of the key's SHA-256, so decryption picks the right key during rotation and an error
 * can say which key a value needs without revealing anything about the key.
 */

const VERSION = 'ud1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
const TOKEN_PATTERN = /^ud1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;
const KEY_HELP = 'a key is 32 random bytes in base64url (43 characters of A-Z a-z 0-9 - _), e.g. from `updraft config generate-key`; '
  + 'several keys are separated by commas, the first encrypting ("new,old" while rotating)';

/** A new random key for [secrets] encryption_key. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

/** The short fingerprint a token names its key by: first 8 hex digits of SHA-256 of the key bytes. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

interface Key {
  id: string;
  bytes: Buffer;
}

function decodeKey(text: string, position: string): Buffer {
  // Standard base64 (+ / and = padding) is accepted as well: it is the same key.
  const normalized = text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(normalized)) {
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] encryption_key: ${position} has characters that are not base64url; ${KEY_HELP}`);
  }
  const bytes = Buffer.from(normalized, 'base64url');
  if (bytes.length !== KEY_BYTES || normalized.length !== 43) {
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] encryption_key: ${position} is ${normalized.length} characters (${bytes.length} bytes) long, `
      + `not 43 characters (32 bytes); ${KEY_HELP}`);
  }
  return bytes;
}

function keyError(message: string, details: Record<string, unknown> = {}): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_SECRETS_KEY', message, { details });
}

export class SecretCipher {
  readonly #keys: readonly Key[];

  private constructor(keys: Key[]) {
    this.#keys = keys;
  }

  /**
   * From the [secrets] encryption_key value: one key, or "new,old[,older]" during rotation (the first
   * encrypts, all decrypt). Throws UPDRAFT_ERR_CONFIG naming which key is wrong and how, never the key.
   */
  static fromConfig(keys: string): SecretCipher {
    const parts = typeof keys === 'string' ? keys.split(',').map((part) => part.trim()).filter((part) => part !== '') : [];
    if (parts.length === 0) throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] encryption_key is empty; ${KEY_HELP}`);
    const decoded = parts.map((part, i) => {
      const bytes = decodeKey(part, parts.length === 1 ? 'the key' : `key ${i + 1} of ${parts.length}`);
      return { id: keyFingerprint(bytes), bytes };
    });
    return new SecretCipher(decoded);
  }

  /** The fingerprints of the keys, the encrypting one first (safe to show). */
  get keyIds(): string[] {
    return this.#keys.map((key) => key.id);
  }

  encrypt(plain: string): string {
    const key = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}:${key.id}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}:${key.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  decrypt(token: string): string {
    const match = typeof token === 'string' ? TOKEN_PATTERN.exec(token) : null;
    if (match === null) {
      throw keyError('cannot decrypt a stored secret: it is not an Updraft encrypted value (ud1:<key id>:…); it was written by something '
        + 'else or cut short');
    }
    const [, id, ivText, bodyText] = match as unknown as [string, string, string, string];
    const candidates = this.#keys.filter((key) => key.id === id);
    if (candidates.length === 0) {
      throw keyError(`cannot decrypt a stored secret: the key does not match ([secrets] encryption_key) — the value was encrypted with key ${id}, `
        + `and the configured key${this.#keys.length === 1 ? ' is' : 's are'} ${this.keyIds.join(', ')}. Set the key it was written with `
        + '(while rotating, "new,old").', { keyId: id, configuredKeyIds: this.keyIds });
    }
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length === IV_BYTES && body.length >= TAG_BYTES) {
      for (const key of candidates) {
        try {
          const decipher = createDecipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(Buffer.from(`${VERSION}:${key.id}`, 'utf8'));
          decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
          return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        } catch {
          // Authentication failed with this key; another key may share the fingerprint.
        }
      }
    }
    throw keyError(`cannot decrypt a stored secret with key ${id}: the key does not match ([secrets] encryption_key) or the stored value `
      + 'was altered', { keyId: id });
  }

  /** Re-encrypts with the first key when the token used another; null when it is already current. */
  rotate(token: string): string | null {
    const match = typeof token === 'string' ? TOKEN_PATTERN.exec(token) : null;
    if (match !== null && match[1] === this.#keys[0]!.id) return null;
    return this.encrypt(this.decrypt(token));
  }

  isEncryptedToken(value: string): boolean {
    return typeof value === 'string' && TOKEN_PATTERN.test(value);
  }
}
