import { UpdraftError } from '../common/errors.js';
import type { LogByteSource } from '../logs/task-log-reader.js';
import { S3RemoteLogStore } from '../providers/aws/s3-log-store.js';
import type { CliContext } from './context.js';
import { remoteLogOption } from './engine.js';

export interface RemoteLog {
  location: string;
  source: LogByteSource;
  close(): void;
}

/**
 * The remote copy of an attempt's log, when [logging] remote_logging is on: what `tasks logs` reads
 * when the local file is gone (another machine ran the task, or delete_local_logs removed it).
 * Null when remote logging is off.
 */
export async function openRemoteLog(ctx: CliContext, relativePath: string): Promise<RemoteLog | null> {
  const { remoteLog } = remoteLogOption(ctx.config);
  if (remoteLog === undefined) return null;
  const connection = await (await ctx.secrets()).chain.getConnection(remoteLog.connId);
  if (connection === null) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND',
      `remote logging is on but connection ${JSON.stringify(remoteLog.connId)} ([logging] remote_log_conn_id) is not defined; define it (UPDRAFT_CONN_${remoteLog.connId.toUpperCase()}) to read remote logs`);
  }
  const store = new S3RemoteLogStore(remoteLog.baseFolder, connection.toObject());
  return {
    location: store.describe(relativePath),
    source: { read: (offset) => store.read(relativePath, offset) },
    close: () => store.close(),
  };
}
