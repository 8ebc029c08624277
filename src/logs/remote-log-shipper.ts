import { appendFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { toError } from '../common/errors.js';
import type { RemoteLogStore } from './remote-log-store.js';
import { formatTaskLogLine } from './task-log-writer.js';

export interface RemoteLogShipperOptions {
  store: RemoteLogStore;
  localPath: string;
  relativePath: string;
  /** How often the log of a running attempt is uploaded when it has grown (default 3000 ms). */
  intervalMs?: number;
  /** Backoff delays of the final upload's retries (default 1, 2, 4, 8 s). */
  retryDelaysMs?: readonly number[];
  /** Delete the local file once the final upload succeeded ([logging] delete_local_logs). */
  deleteLocalAfterUpload?: boolean;
  /** Where the shipper reports its own problems (the worker's logger). */
  warn: (message: string) => void;
}

/**
 * Ships one attempt's log to the remote store: while the attempt runs, the whole file is uploaded
 * every few seconds when it has grown (S3 objects cannot be appended to; task logs are small enough
 * that a re-upload is cheap, and a reader sees the log at most one interval behind); when the
 * attempt ends, a final upload retries with exponential backoff. A failure never fails the task:
 * it is reported, written into the local log, and the local copy is kept.
 */
export class RemoteLogShipper {
  readonly #options: RemoteLogShipperOptions;
  #timer: NodeJS.Timeout | null = null;
  #uploadedSize = -1;
  #inFlight: Promise<void> | null = null;
  #failures = 0;

  constructor(options: RemoteLogShipperOptions) {
    this.#options = options;
  }

  get location(): string {
    return this.#options.store.describe(this.#options.relativePath);
  }

  /** Starts the periodic uploads. */
  start(): void {
    const interval = this.#options.intervalMs ?? 3000;
    this.#timer = setInterval(() => {
      if (this.#inFlight === null) this.#inFlight = this.#uploadIfGrown().finally(() => { this.#inFlight = null; });
    }, interval);
    this.#timer.unref();
  }

  /**
   * Stops the periodic uploads and uploads the complete log, retrying with backoff. Returns whether
   * the remote copy is complete. Call it after the log file was closed.
   */
  async finish(): Promise<boolean> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
    const delays = this.#options.retryDelaysMs ?? [1000, 2000, 4000, 8000];
    let lastError: Error | null = null;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      try {
        await this.#upload();
        if (this.#options.deleteLocalAfterUpload === true) rmSync(this.#options.localPath, { force: true });
        return true;
      } catch (error) {
        lastError = toError(error);
        if (attempt < delays.length) {
          this.#options.warn(`Uploading the task log to ${this.location} failed (try ${attempt + 1} of ${delays.length + 1}), retrying in ${delays[attempt]! / 1000} s: ${lastError.message}`);
          await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
        }
      }
    }
    const message = `The task log could not be uploaded to ${this.location} after ${delays.length + 1} tries: ${lastError?.message ?? 'unknown error'}. The local copy ${this.#options.localPath} is kept.`;
    this.#options.warn(message);
    try {
      appendFileSync(this.#options.localPath, `${formatTaskLogLine(new Date(), { level: 'warn', source: 'updraft', text: message })}\n`);
    } catch {
      // the local file is gone too: the warning above is all we can do
    }
    return false;
  }

  async #uploadIfGrown(): Promise<void> {
    let size: number;
    try {
      size = statSync(this.#options.localPath).size;
    } catch {
      return;
    }
    if (size === this.#uploadedSize) return;
    try {
      await this.#upload();
      this.#failures = 0;
    } catch (error) {
      // A running task keeps going during an outage; the final upload retries. Report the first failure only.
      if (this.#failures++ === 0) this.#options.warn(`Uploading the running task's log to ${this.location} failed (will retry): ${toError(error).message}`);
    }
  }

  async #upload(): Promise<void> {
    const body = readFileSync(this.#options.localPath);
    await this.#options.store.put(this.#options.relativePath, body);
    this.#uploadedSize = body.length;
  }
}
