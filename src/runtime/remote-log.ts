import { appendFileSync } from 'node:fs';
import { toError } from '../common/errors.js';
import type { Workload } from '../core/ports/execution-protocol.js';
import { taskLogRelativePath } from '../logs/log-paths.js';
import { RemoteLogShipper } from '../logs/remote-log-shipper.js';
import { formatTaskLogLine, type TaskLogWriter } from '../logs/task-log-writer.js';
import type { TaskServices } from '../sdk/context.js';

/**
 * Starts shipping an attempt's log when the workload asks for remote logging. Problems (no such
 * connection, a bad folder) are warnings in the task log: the task runs, its log stays local.
 */
export interface RemoteLogSession {
  /** Call after the log file is closed: uploads it completely (with retries); false when that failed. */
  finish(): Promise<boolean>;
}

export async function startRemoteLog(workload: Workload, at: { writer: TaskLogWriter; services: TaskServices }): Promise<RemoteLogSession | null> {
  const settings = workload.remoteLog;
  if (settings === undefined) return null;
  const { writer } = at;
  let closed = false;
  const warn = (message: string): void => {
    if (!closed) {
      writer.log('updraft', 'warn', message);
      return;
    }
    try {
      appendFileSync(workload.logPath, `${formatTaskLogLine(new Date(), { level: 'warn', source: 'updraft', text: writer.masker.mask(message) })}\n`);
    } catch {
      // the local log is gone: nowhere left to report
    }
  };
  try {
    const connection = await at.services.getConnection(settings.connId);
    if (connection === undefined) {
      warn(`Remote logging is on but connection ${JSON.stringify(settings.connId)} ([logging] remote_log_conn_id) is not defined; this log stays local at ${workload.logPath}`);
      return null;
    }
    // Loaded on use: the AWS SDK would add a quarter of a second to every worker's start-up.
    const { S3RemoteLogStore } = await import('../providers/aws/s3-log-store.js');
    const store = new S3RemoteLogStore(settings.baseFolder, connection);
    const shipper = new RemoteLogShipper({
      store,
      localPath: workload.logPath,
      relativePath: taskLogRelativePath(workload),
      deleteLocalAfterUpload: settings.deleteLocal,
      warn,
    });
    writer.log('updraft', 'info', `Shipping this log to ${shipper.location}`);
    shipper.start();
    return {
      async finish() {
        closed = true;
        try {
          return await shipper.finish();
        } finally {
          store.close();
        }
      },
    };
  } catch (error) {
    warn(`Remote logging could not start; this log stays local at ${workload.logPath}: ${toError(error).message}`);
    return null;
  }
}
