import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Workload } from '../core/ports/execution-protocol.js';
import { SecretMasker } from '../logs/secret-masker.js';
import { alertMessage } from './failure-email.js';

const workload = { dagId: 'etl', taskId: 'load', runId: 'manual__2024-01-01', tryNumber: 1, maxTries: 3, logicalDate: '2024-01-01T00:00:00.000Z', logPath: '/logs/attempt=1.log' } as Workload;
const failed = (retryable: boolean, message = 'boom'): { state: 'failed'; retryable: boolean; error: { name: string; message: string; code: string | null; stack: null } } =>
  ({ state: 'failed', retryable, error: { name: 'Error', message, code: 'UPDRAFT_ERR_TASK_FAILED', stack: null } });
const task = (email: string[], onFailure: boolean, onRetry: boolean): { resolved: { email: string[]; emailOnFailure: boolean; emailOnRetry: boolean } } =>
  ({ resolved: { email, emailOnFailure: onFailure, emailOnRetry: onRetry } });

describe('the default alert message', () => {
  test('retry vs final failure: Airflow-like subject, try n of m, masked and escaped error', () => {
    const masker = new SecretMasker();
    masker.add('hunter2-secret');
    const retry = alertMessage(workload, { outcome: failed(true, 'bad <tag> hunter2-secret'), task: task(['a@x.io, b@x.io'], false, true) as never, masker, host: 'box' });
    assert.ok(retry);
    assert.deepEqual(retry.to, ['a@x.io', 'b@x.io']);
    assert.equal(retry.subject, 'Updraft alert: <TaskInstance: etl.load manual__2024-01-01 [up_for_retry]>');
    assert.match(retry.htmlContent, /Try:<\/td><td>1 out of 3</);
    assert.match(retry.htmlContent, /Host:<\/td><td>box</);
    assert.match(retry.htmlContent, /Error: bad &lt;tag&gt; \*\*\*/);
    assert.doesNotMatch(retry.htmlContent, /hunter2/);

    const final = alertMessage({ ...workload, tryNumber: 3 }, { outcome: failed(true), task: task(['a@x.io'], true, false) as never });
    assert.equal(final?.subject, 'Updraft alert: <TaskInstance: etl.load manual__2024-01-01 [failed]>');
    const notRetryable = alertMessage(workload, { outcome: { ...failed(false), error: { ...failed(false).error, code: 'UPDRAFT_ERR_SENSOR_TIMEOUT' } }, task: task(['a@x.io'], true, false) as never });
    assert.match(notRetryable?.htmlContent ?? '', /UPDRAFT_ERR_SENSOR_TIMEOUT: boom/);
  });

  test('nothing when the task did not ask for this case or has no recipients', () => {
    assert.equal(alertMessage(workload, { outcome: failed(true), task: task(['a@x.io'], true, false) as never }), null);
    assert.equal(alertMessage({ ...workload, tryNumber: 3 }, { outcome: failed(true), task: task(['a@x.io'], false, true) as never }), null);
    assert.equal(alertMessage(workload, { outcome: failed(false), task: task([], true, true) as never }), null);
  });
});
