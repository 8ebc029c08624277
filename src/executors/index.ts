/** Where task attempts run. The composition root picks one and passes the runtime entry points in. */
export { LocalExecutor } from './local/local-executor.js';
export type { LocalExecutorOptions } from './local/local-executor-options.js';
export { InProcessExecutor } from './in-process/in-process-executor.js';
export type { InProcessExecutorOptions, RunAttempt, ExecutionChannel } from './in-process/in-process-executor.js';
