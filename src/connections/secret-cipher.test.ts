import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isUpdraftError } from '../common/errors.js';
import { ensureKeyFile } from './key-file.js';
import { SecretCipher, generateKey, keyFingerprint } from './secret-cipher.js';

const run = promisify(execFile);

describe('SecretCipher', () => {
  const key = generateKey();
  const cipher = SecretCipher.fromConfig(key);

  it('generates 32-byte base64url keys', () => {
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key, 'base64url').length, 32);
    assert.notEqual(generateKey(), generateKey());
  });

  it('round-trips any text, with a fresh IV each time', () => {
    for (const plain of ['', 'hunter2', '비밀번호 🔑', 'x'.repeat(100_000), '{"a": [1, 2]}']) {
      const token = cipher.encrypt(plain);
      assert.ok(cipher.isEncryptedToken(token), token.slice(0, 40));
      assert.ok(!token.includes(plain) || plain === '');
      assert.equal(cipher.decrypt(token), plain);
    }
    assert.notEqual(cipher.encrypt('same'), cipher.encrypt('same'));
  });

  it('writes versioned tokens naming the key by its fingerprint', () => {
    const token = cipher.encrypt('hunter2');
    const [version, id, iv, body] = token.split(':');
    assert.equal(version, 'ud1');
    assert.equal(id, keyFingerprint(Buffer.from(key, 'base64url')));
    assert.deepEqual(cipher.keyIds, [id]);
    assert.equal(Buffer.from(iv!, 'base64url').length, 12);
    assert.equal(Buffer.from(body!, 'base64url').length, 'hunter2'.length + 16);
    assert.equal(cipher.isEncryptedToken('hunter2'), false);
    assert.equal(cipher.isEncryptedToken('ud1:zz:abc:def'), false);
  });

  it('detects tampering: any changed byte, a swapped header or a cut token is an error, never garbage', () => {
    const token = cipher.encrypt('hunter2 is my password');
    const [version, id, iv, body] = token.split(':') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    const flipped = Buffer.from(bytes);
    flipped[0]! ^= 1;
    const otherIv = Buffer.from(iv, 'base64url');
    otherIv[3]! ^= 0x80;
    const tampered = [
      `${version}:${id}:${iv}:${flipped.toString('base64url')}`,
      `${version}:${id}:${otherIv.toString('base64url')}:${body}`,
      `${version}:${id}:${iv}:${bytes.subarray(0, bytes.length - 1).toString('base64url')}`,
      'ud1:not-a-token',
      'plain text',
    ];
    for (const bad of tampered) {
      assert.throws(() => cipher.decrypt(bad), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_SECRETS_KEY'), String(error));
        assert.ok(!error.message.includes(key));
        return true;
      }, bad);
    }
  });

  it('refuses a wrong key with an error that says the key does not match [secrets] encryption_key', () => {
    const token = cipher.encrypt('hunter2');
    const other = SecretCipher.fromConfig(generateKey());
    assert.throws(() => other.decrypt(token), (error) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_SECRETS_KEY'), String(error));
      assert.match(error.message, /the key does not match \(\[secrets\] encryption_key\)/);
      assert.ok(error.message.includes(cipher.keyIds[0]!) && error.message.includes(other.keyIds[0]!), 'names both key fingerprints');
      return true;
    });
    // Same fingerprint, different key: still detected by the authentication tag.
    const forged = `ud1:${other.keyIds[0]}:${token.split(':')[2]}:${token.split(':')[3]}`;
    assert.throws(() => other.decrypt(forged), /the key does not match \(\[secrets\] encryption_key\) or the stored value was altered/);
  });

  it('rotates: "new,old" decrypts both, encrypts with new, and rotate() re-encrypts only old tokens', () => {
    const newKey = generateKey();
    const oldToken = cipher.encrypt('old secret');
    const rotating = SecretCipher.fromConfig(` ${newKey} , ${key} `);
    assert.equal(rotating.decrypt(oldToken), 'old secret');
    const newToken = rotating.encrypt('new secret');
    assert.equal(SecretCipher.fromConfig(newKey).decrypt(newToken), 'new secret');
    assert.equal(rotating.rotate(newToken), null);
    const rotated = rotating.rotate(oldToken);
    assert.ok(rotated !== null);
    assert.equal(SecretCipher.fromConfig(newKey).decrypt(rotated), 'old secret');
    assert.throws(() => cipher.decrypt(rotated), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SECRETS_KEY'));
    assert.throws(() => SecretCipher.fromConfig(newKey).rotate('garbage'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SECRETS_KEY'));
  });

  it('accepts the standard base64 spelling of a key', () => {
    const standard = Buffer.from(key, 'base64url').toString('base64');
    assert.equal(SecretCipher.fromConfig(standard).decrypt(cipher.encrypt('x')), 'x');
  });

  it('rejects malformed keys with a config error that says what is wrong and never contains the key', () => {
    const short = Buffer.alloc(16, 7).toString('base64url');
    const cases: Array<[string, RegExp, string[]]> = [
      ['', /is empty/, []],
      [' , ', /is empty/, []],
      [short, /the key is 22 characters \(16 bytes\) long, not 43 characters \(32 bytes\)/, [short]],
      ['this is not a key at all!!', /the key has characters that are not base64url/, ['this is not a key']],
      [`${key},${short}`, /key 2 of 2 is 22 characters/, [short, key]],
      [`${key},${key.slice(0, 42)}$`, /key 2 of 2 has characters that are not base64url/, [key, key.slice(0, 42)]],
    ];
    for (const [value, pattern, secrets] of cases) {
      assert.throws(() => SecretCipher.fromConfig(value), (error) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONFIG'), String(error));
        assert.match(error.message, pattern);
        assert.match(error.message, /\[secrets\] encryption_key/);
        for (const secret of secrets) assert.ok(!error.message.includes(secret), `contains the key: ${error.message}`);
        return true;
      });
    }
  });
});

describe('ensureKeyFile', () => {
  const homes: string[] = [];
  const home = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-keyfile-'));
    homes.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  it('creates <home>/secret.key with mode 0600 once, then reads it back, never overwriting', () => {
    const dir = home();
    const first = ensureKeyFile(dir);
    assert.equal(first.created, true);
    assert.equal(first.path, join(dir, 'secret.key'));
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    assert.equal(readFileSync(first.path, 'utf8').trim(), first.key);
    assert.doesNotThrow(() => SecretCipher.fromConfig(first.key));
    const second = ensureKeyFile(dir);
    assert.deepEqual(second, { ...first, created: false });
    assert.deepEqual(readdirSync(dir), ['secret.key'], 'no temporary files are left behind');
  });

  it('creates a missing home directory', () => {
    const dir = join(home(), 'nested', 'home');
    assert.equal(ensureKeyFile(dir).created, true);
  });

  it('refuses a damaged key file instead of replacing it, without printing its content', () => {
    const dir = home();
    writeFileSync(join(dir, 'secret.key'), 'not-a-key-at-all\n', { mode: 0o600 });
    assert.throws(() => ensureKeyFile(dir), (error) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONFIG'));
      assert.ok(error.message.includes(join(dir, 'secret.key')) && !error.message.includes('not-a-key-at-all'), error.message);
      return true;
    });
    writeFileSync(join(dir, 'secret.key'), '');
    assert.throws(() => ensureKeyFile(dir), /is empty/);
    assert.equal(readFileSync(join(dir, 'secret.key'), 'utf8'), '');
  });

  it('is safe when several processes create it at once: one key wins and every process gets it', async () => {
    const dir = home();
    const script = `import { ensureKeyFile } from ${JSON.stringify(new URL('./key-file.ts', import.meta.url).pathname)};`
      + `process.stdout.write(JSON.stringify(ensureKeyFile(${JSON.stringify(dir)})));`;
    const results = await Promise.all(Array.from({ length: 8 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script])));
    const outcomes = results.map((result) => JSON.parse(result.stdout) as { key: string; created: boolean });
    assert.equal(new Set(outcomes.map((outcome) => outcome.key)).size, 1, 'one key');
    assert.equal(outcomes.filter((outcome) => outcome.created).length, 1, 'created exactly once');
    assert.equal(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), outcomes[0]!.key);
    assert.deepEqual(readdirSync(dir), ['secret.key']);
  });
});
