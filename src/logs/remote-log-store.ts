/**
 * Where task logs are shipped so they outlive the machine (or pod) that ran the task: the same
 * relative path as the local file (`dag_id=…/run_id=…/task_id=…/attempt=<n>.log`) under
 * `[logging] remote_base_log_folder`. Implemented by providers (S3: src/providers/aws/s3-log-store.ts).
 */
export interface RemoteLogStore {
  /** The full remote location of a log, for messages (`s3://bucket/logs/dag_id=…`). */
  describe(relativePath: string): string;
  /** Replaces the remote copy with `body` (the whole log so far). */
  put(relativePath: string, body: Buffer): Promise<void>;
  /** Bytes from `offset` to the end; null when there is no remote copy. */
  read(relativePath: string, offset: number): Promise<Buffer | null>;
  /** Releases the store's connections. */
  close(): void;
}
