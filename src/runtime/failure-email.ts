import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { toError } from '../common/errors.js';
import type { TerminalOutcome, Workload } from '../core/ports/execution-protocol.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import type { TaskLogWriter } from '../logs/task-log-writer.js';
import { runWithSmtpDefaults, smtpDefaults } from '../providers/email/defaults.js';
import { emailAddressList } from '../providers/email/recipients.js';
import type { BaseOperator } from '../sdk/base-operator.js';
import type { ResolvedTaskOptions } from '../sdk/task-options.js';
import type { AttemptChannel } from './attempt-channel.js';
import { channelServices } from './build-context.js';
import { loadDagModule } from './dag-loader.js';

/**
 * Failure and retry emails (Airflow's email_on_failure / email_on_retry), sent by the task process
 * itself once an attempt has ended, as Airflow's task runner does. An attempt whose worker died or
 * was killed (local executor timeout) ends without this code running: the scheduler's process sends
 * those (src/cli/executor-alerts.ts).
 */

type Failed = Extract<TerminalOutcome, { state: 'failed' }>;

/** Runs the attempt with the [smtp] settings the scheduler put in the Workload (EmailOperator's defaults). */
export function withSmtpDefaults<T>(workload: Workload, fn: () => Promise<T>): Promise<T> {
  return runWithSmtpDefaults(workload.smtp, fn);
}

export interface AttemptEmailInput {
  outcome: TerminalOutcome;
  channel: AttemptChannel;
  writer: TaskLogWriter;
  masker: SecretMasker;
}

export interface AlertMessage {
  to: string[];
  subject: string;
  htmlContent: string;
}

/**
 * After a failed attempt, emails the task's `email` recipients when it asked for it: emailOnRetry
 * when the attempt will be retried, emailOnFailure when it will not. Success, skip and reschedule
 * send nothing, nor does an attempt interrupted by a worker shutdown (it is run again). A failure to
 * send is a warning in the task log; it never throws and never changes the outcome.
 */
export async function sendAttemptEmail(workload: Workload, input: AttemptEmailInput): Promise<void> {
  const { outcome, writer } = input;
  if (outcome.state !== 'failed' || outcome.error.code === 'UPDRAFT_ERR_SHUTDOWN') return;
  const task = await findTask(workload);
  if (task === null) return;
  let message: AlertMessage | null;
  try {
    message = alertMessage(workload, { outcome, task, masker: input.masker });
  } catch (error) {
    writer.log('updraft', 'warn', `No failure email: the task's email setting is invalid (the task's outcome stands): ${toError(error).message}`);
    return;
  }
  if (message === null) return;
  const kind = willRetry(workload, outcome) ? 'retry' : 'failure';
  try {
    await runWithSmtpDefaults(workload.smtp, async () => {
      const services = channelServices(input.channel, input.masker);
      const connId = smtpDefaults().connId;
      const connection = await services.getConnection(connId);
      if (connection === undefined) {
        throw new Error(`connection ${JSON.stringify(connId)} ([smtp] smtp_conn_id) is not defined; define it with UPDRAFT_CONN_${connId.toUpperCase()}=smtp://user:password@host:port`);
      }
      // Loaded on use: nodemailer is not needed by the attempts that send nothing.
      const { sendEmail } = await import('../providers/email/send-email.js');
      const sent = await sendEmail({ to: message.to, subject: message.subject, htmlContent: message.htmlContent, connection });
      writer.log('updraft', 'info', `Sent the ${kind} email to ${sent.envelope.to.join(', ')}`);
    });
  } catch (error) {
    writer.log('updraft', 'warn', `Could not send the ${kind} email to ${message.to.join(', ')} (the task's outcome stands): ${toError(error).message}`);
  }
}

export function willRetry(workload: Pick<Workload, 'tryNumber' | 'maxTries'>, outcome: Failed): boolean {
  return outcome.retryable && workload.tryNumber < workload.maxTries;
}

/**
 * The default alert, as Airflow words it: subject `Updraft alert: <TaskInstance: dag.task run_id
 * [state]>`, an HTML body with the try, the error (masked), the host and the log. null when the
 * task asked for no email in this case.
 */
/** The email settings of a task: its resolved options, or the same fields of its serialized spec. */
export type AlertSettings = Pick<ResolvedTaskOptions, 'email' | 'emailOnFailure' | 'emailOnRetry'>;

export function alertMessage(workload: Workload, at: { outcome: Failed; task: { resolved: AlertSettings }; masker?: SecretMasker; host?: string }): AlertMessage | null {
  const { outcome, task } = at;
  const retry = willRetry(workload, outcome);
  const wanted = retry ? task.resolved.emailOnRetry : task.resolved.emailOnFailure;
  if (!wanted) return null;
  const to = emailAddressList([...task.resolved.email], 'email');
  if (to.length === 0) return null;
  const state = retry ? 'up_for_retry' : 'failed';
  const mask = (text: string): string => (at.masker === undefined ? text : at.masker.mask(text));
  const error = outcome.error;
  const errorText = mask(`${error.code === null || error.code === 'UPDRAFT_ERR_TASK_FAILED' ? error.name : error.code}: ${error.message}`);
  const what = retry ? `failed and will be retried (try ${workload.tryNumber + 1} of ${workload.maxTries} is next)` : 'failed';
  const rows: Array<[string, string]> = [
    ['DAG', workload.dagId],
    ['Task', workload.taskId],
    ['Run', workload.runId],
    ['Logical date', workload.logicalDate],
    ['Try', `${workload.tryNumber} out of ${workload.maxTries}`],
    ['Host', at.host ?? hostname()],
    ['Log', workload.logPath],
  ];
  const htmlContent = [
    `<p>Task <b>${html(workload.taskId)}</b> of DAG <b>${html(workload.dagId)}</b> ${what}.</p>`,
    '<table>',
    ...rows.map(([key, value]) => `<tr><td>${html(key)}:</td><td>${html(value)}</td></tr>`),
    '</table>',
    '<p>Exception:<br>',
    `<pre>${html(errorText)}</pre></p>`,
  ].join('\n');
  return {
    to,
    subject: `Updraft alert: <TaskInstance: ${workload.dagId}.${workload.taskId} ${workload.runId} [${state}]>`,
    htmlContent,
  };
}

async function findTask(workload: Workload): Promise<BaseOperator<unknown> | null> {
  try {
    // The attempt imported this file already: same mtime, same cached module.
    const info = await stat(workload.fileloc);
    const dags = await loadDagModule(workload.fileloc, String(info.mtimeMs));
    const dag = dags.find((d) => d.dagId === workload.dagId);
    return dag === undefined ? null : dag.getTask(workload.taskId);
  } catch {
    // The DAG or the task is gone (the attempt said so in the log): no email settings to read.
    return null;
  }
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
