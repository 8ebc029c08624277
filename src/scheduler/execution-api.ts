import { UpdraftError, isUpdraftError, toError } from '../common/errors.js';
import type { ExecutionApi } from '../core/ports/executor.js';
import type { ExecutionReply, ExecutionRequest, SerializedError, Workload } from '../core/ports/execution-protocol.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';

export interface ExecutionApiOptions {
  store: MetadataStore;
  maxXcomSize: number;
  /** Variable lookup through the configured secrets backends. */
  getVariable(key: string): Promise<string | undefined>;
  /** Connection lookup through the configured secrets backends, as a plain object. */
  getConnection(connId: string): Promise<Record<string, unknown> | undefined>;
}

export function serializeError(error: unknown): SerializedError {
  const e = toError(error);
  return { name: e.name, message: e.message, code: isUpdraftError(e) ? e.code : null, stack: e.stack ?? null };
}

/** Answers the requests task processes make over the execution channel. */
export function createExecutionApi(options: ExecutionApiOptions): ExecutionApi {
  const { store } = options;
  const handle = async (workload: Workload, request: ExecutionRequest): Promise<unknown> => {
    switch (request.op) {
      case 'xcom.push': {
        const size = Buffer.byteLength(request.value, 'utf8');
        if (size > options.maxXcomSize) {
          throw new UpdraftError('UPDRAFT_ERR_XCOM_TOO_LARGE',
            `XCom "${request.key}" of task ${workload.taskId} is ${size} bytes; the limit is ${options.maxXcomSize} bytes ([core] max_xcom_size). Store large data elsewhere (S3, a table) and push its location.`);
        }
        await store.setXCom({ dagId: workload.dagId, runId: workload.runId, taskId: workload.taskId, key: request.key, value: request.value });
        return null;
      }
      case 'xcom.pull': {
        const record = await store.getXCom({
          dagId: request.dagId ?? workload.dagId, runId: request.runId ?? workload.runId, taskId: request.taskId, key: request.key,
        });
        return record?.value ?? null;
      }
      case 'variable.get':
        return (await options.getVariable(request.key)) ?? null;
      case 'connection.get':
        return (await options.getConnection(request.connId)) ?? null;
      case 'dagrun.state': {
        const run = await store.getDagRunByLogicalDate(request.dagId, new Date(request.logicalDate));
        if (run === null) return null;
        if (request.taskId === undefined) return run.state;
        const ti = await store.getTaskInstance({ dagId: request.dagId, runId: run.runId, taskId: request.taskId });
        return ti?.state ?? null;
      }
      default: {
        const exhaustive: never = request;
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `unknown execution request ${JSON.stringify(exhaustive)}`);
      }
    }
  };
  return {
    async handle(workload, request): Promise<ExecutionReply> {
      try {
        return { ok: true, value: await handle(workload, request) };
      } catch (error) {
        return { ok: false, error: serializeError(error) };
      }
    },
  };
}
