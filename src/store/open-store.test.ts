import { strict as assert } from 'node:assert';
import { homedir } from 'node:os';
import { describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import { openStore } from './open-store.js';
import { maskUrl, parseStoreUrl } from './store-url.js';

describe('parseStoreUrl', () => {
  it('reads SQLite paths, sqlite:/// URLs and in-memory databases', () => {
    assert.deepEqual(parseStoreUrl('/var/lib/updraft/updraft.db'), { dialect: 'sqlite', path: '/var/lib/updraft/updraft.db' });
    assert.deepEqual(parseStoreUrl('data/updraft.db', '/home/me'), { dialect: 'sqlite', path: '/home/me/data/updraft.db' });
    assert.deepEqual(parseStoreUrl('./updraft.db', '/srv'), { dialect: 'sqlite', path: '/srv/updraft.db' });
    assert.deepEqual(parseStoreUrl('~/updraft/updraft.db'), { dialect: 'sqlite', path: `${homedir()}/updraft/updraft.db` });
    assert.deepEqual(parseStoreUrl('sqlite:///abs/path.db'), { dialect: 'sqlite', path: '/abs/path.db' });
    assert.deepEqual(parseStoreUrl('sqlite:////abs/path.db'), { dialect: 'sqlite', path: '/abs/path.db' });
    assert.deepEqual(parseStoreUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreUrl(' :memory: '), { dialect: 'sqlite', path: ':memory:' });
  });

  it('reads postgresql:// and postgres:// URLs as they are', () => {
    assert.deepEqual(parseStoreUrl('postgresql://u:p@db:5432/updraft'), { dialect: 'postgres', url: 'postgresql://u:p@db:5432/updraft' });
    assert.deepEqual(parseStoreUrl('postgres://db/updraft?sslmode=require'), { dialect: 'postgres', url: 'postgres://db/updraft?sslmode=require' });
  });

  it('rejects anything else, naming the URL with its password masked and what is allowed', () => {
    for (const [url, why] of [
      ['mysql://root:hunter2@db/updraft', '"mysql:"'],
      ['http://example.com/db', '"http:"'],
      ['sqlite://relative.db', 'absolute path'],
      ['sqlite:relative.db', 'absolute path'],
      ['sqlite:///', 'directory'],
      ['', 'empty'],
      ['postgresql://[bad', 'not a valid URL'],
    ] as const) {
      assert.throws(() => parseStoreUrl(url), (e) => {
        assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'), String(e));
        assert.ok(e.message.includes(why), `${e.message} should say ${why}`);
        assert.ok(e.message.includes('sqlite:///') && e.message.includes('postgresql://'), 'says what is allowed');
        assert.ok(!e.message.includes('hunter2'), 'the password is masked');
        return true;
      });
    }
  });
});

describe('maskUrl', () => {
  it('hides passwords in the userinfo and in a password parameter', () => {
    assert.equal(maskUrl('postgresql://me:s3cret@db:5432/x'), 'postgresql://me:***@db:5432/x');
    assert.equal(maskUrl('postgresql://db/x?password=s3cret&sslmode=require'), 'postgresql://db/x?password=***&sslmode=require');
    assert.equal(maskUrl('postgresql://me@db/x'), 'postgresql://me@db/x');
    assert.equal(maskUrl('/plain/path.db'), '/plain/path.db');
  });
});

describe('openStore', () => {
  it('opens SQLite for sqlite URLs and refuses unknown schemes with UPDRAFT_ERR_INVALID_ARGUMENT', async () => {
    const store = await openStore('sqlite::memory:');
    assert.equal(store.dialect, 'sqlite');
    await store.close();
    await assert.rejects(openStore('mongodb://localhost/x'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
  });
});
