import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestampText, timestampTextInstant } from './timestamp-format.js';

test('timestamp texts in every format, with and without a zone offset', () => {
  const tz = '2024-03-01 09:05:07.1234+09';
  assert.deepEqual(formatTimestampText(tz, 'YYYY-MM-DD HH:MM:SS'), { value: '2024-03-01 09:05:07', numeric: false });
  assert.deepEqual(formatTimestampText(tz, 'YYYY-MM-DD HH:MM:SS.ffffff'), { value: '2024-03-01 09:05:07.123400', numeric: false });
  assert.deepEqual(formatTimestampText(tz, 'iso'), { value: '2024-03-01T09:05:07.123400+09:00', numeric: false });
  // 09:05:07+09 is 00:05:07 UTC.
  const utcSeconds = Date.UTC(2024, 2, 1, 0, 5, 7) / 1000;
  assert.deepEqual(formatTimestampText(tz, 'epoch'), { value: `${utcSeconds}.1234`, numeric: true });
  assert.deepEqual(formatTimestampText(tz, 'epoch_ms'), { value: String(utcSeconds * 1000 + 123), numeric: true });
  assert.deepEqual(formatTimestampText('2024-03-01 00:05:07', 'epoch'), { value: String(utcSeconds), numeric: true });
  assert.deepEqual(formatTimestampText('2024-02-29 23:35:07-00:30', 'epoch'), { value: String(utcSeconds), numeric: true });
  assert.deepEqual(timestampTextInstant(tz), { seconds: utcSeconds, micros: 123400 });
  assert.deepEqual(formatTimestampText('infinity', 'epoch'), { value: 'infinity', numeric: false });
  assert.equal(timestampTextInstant('-infinity'), null);
});
