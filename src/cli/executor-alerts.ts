import { toError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { AttemptResult } from '../core/ports/execution-protocol.js';
import type { MetadataStore, TaskInstance } from '../core/ports/metadata-store.js';
import { runWithSmtpDefaults } from '../providers/email/defaults.js';
import { sendEmail } from '../providers/email/send-email.js';
import { alertMessage } from '../runtime/failure-email.js';
import type { CliSecrets } from './lookups.js';

/**
 * Failure and retry emails for attempts whose task process never got to send them: the worker
 * died, or the local executor killed it at its executionTimeout. Airflow sends these from the
 * scheduler side too (zombie callbacks). Attempts that ended in their own process (an exception,
 * a timeout under the in-process executor) are emailed by the runtime (src/runtime/failure-email.ts),
 * so each failure is emailed once. Sending happens after the scheduler's commit, off its loop;
 * drain() waits for what is still being sent before the process exits.
 */
export interface ExecutorAlertsOptions {
  store: MetadataStore;
  secrets: CliSecrets;
  smtp: { connId: string; mailFrom: string };
  /** Which executor runs the attempts: with in_process the runtime sees its own timeouts. */
  executor: 'local' | 'in_process';
  logger: Logger;
}

export class ExecutorAlerts {
  readonly #options: ExecutorAlertsOptions;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: ExecutorAlertsOptions) {
    this.#options = options;
  }

  /** The scheduler's onTaskFinished hook. */
  readonly onTaskFinished = (ti: TaskInstance, result: AttemptResult): void => {
    const outcome = result.outcome;
    if (outcome.state !== 'failed') return;
    const code = outcome.error.code;
    const unseen = code === 'UPDRAFT_ERR_WORKER_DIED' || (code === 'UPDRAFT_ERR_TASK_TIMEOUT' && this.#options.executor === 'local');
    if (!unseen) return;
    const sending = this.#send(ti, result).finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  };

  /** Waits (at most timeoutMs) for alerts still being sent. */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.#pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
  }

  async #send(ti: TaskInstance, result: AttemptResult): Promise<void> {
    const { store, secrets, smtp, logger } = this.#options;
    const w = result.workload;
    const outcome = result.outcome;
    if (outcome.state !== 'failed') return;
    try {
      const version = await store.getDagVersion(w.dagId, w.dagVersionHash);
      const task = version?.spec.tasks.find((t) => t.taskId === w.taskId);
      if (task === undefined) return;
      // The scheduler has decided: up_for_retry means another try comes.
      const decided = { ...outcome, retryable: ti.state === 'up_for_retry' };
      const resolved = { email: task.email, emailOnFailure: task.emailOnFailure, emailOnRetry: task.emailOnRetry };
      const message = alertMessage(w, { outcome: decided, task: { resolved } });
      if (message === null) return;
      const connection = await secrets.chain.getConnection(smtp.connId);
      if (connection === null) {
        logger.warn(`No ${decided.retryable ? 'retry' : 'failure'} email for ${w.dagId}.${w.taskId}: connection ${JSON.stringify(smtp.connId)} ([smtp] smtp_conn_id) is not defined`);
        return;
      }
      const sent = await runWithSmtpDefaults(smtp, () => sendEmail({
        to: message.to, subject: message.subject, htmlContent: message.htmlContent, connection: connection.toObject(),
      }));
      logger.info(`Sent the ${decided.retryable ? 'retry' : 'failure'} email for ${w.dagId}.${w.taskId} (${code(outcome)}) to ${sent.envelope.to.join(', ')}`);
    } catch (error) {
      logger.warn(`Could not send the alert email for ${w.dagId}.${w.taskId} (the task's state stands): ${toError(error).message}`);
    }
  }
}

function code(outcome: Extract<AttemptResult['outcome'], { state: 'failed' }>): string {
  return outcome.error.code ?? outcome.error.name;
}
