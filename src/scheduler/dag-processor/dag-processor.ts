import { watch, type FSWatcher } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { UpdraftError, toError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { DagRecord, MetadataStore } from '../../core/ports/metadata-store.js';
import type { ParsedDag } from '../../core/ports/parse-protocol.js';
import { listDagFiles, type FileStamp } from './list-dag-files.js';
import { ParsePool, type ParseOutcome } from './parse-pool.js';

export interface DagProcessorOptions {
  store: MetadataStore;
  dagsFolder: string;
  /** Absolute path of the parse worker entry (the runtime's parse-main), given by the composition root. */
  parseEntry: string;
  /** Node flags for parse workers; default ['--import', 'tsx']. */
  execArgv?: string[];
  /** [core] dag_file_processor_timeout in ms: a file taking longer to import is an import error. Default 30000. */
  parseTimeoutMs?: number;
  /** Parse worker processes. Default 2. */
  concurrency?: number;
  /** Whether DAGs seen for the first time start paused ([core] dags_are_paused_at_creation). */
  pausedOnCreate: boolean;
  logger: Logger;
  now?: () => Date;
  /** Files a parse worker parses before it is replaced. Default 200. */
  recycleAfter?: number;
  /** Quiet time after a file-system event before a pass starts. Default 200. */
  debounceMs?: number;
}

export interface ProcessSummary {
  filesSeen: number;
  /** Files imported in this pass (absolute paths). */
  parsed: string[];
  unchanged: number;
  /** Files that failed in this pass (the same messages are stored as import errors). */
  errors: Array<{ file: string; message: string }>;
  /** Every DAG id the files in the folder define now. */
  dagIds: string[];
  /** DAGs created, reactivated, or whose version changed in this pass. */
  changedDagIds: string[];
  deactivatedDagIds: string[];
  durationMs: number;
}

interface FileState {
  stamp: FileStamp;
  /** DAGs this file defines as stored (for a broken file: from its last good parse). */
  dagIds: string[];
  /** The last parse failed or had a duplicate dag id. */
  broken: boolean;
  /** Lost a dag id to another file: parsed again whenever something changes, in case it was freed. */
  conflicted: boolean;
}

interface Parsed {
  file: string;
  stamp: FileStamp;
  outcome: ParseOutcome;
}

/** Files written to the store per transaction: one commit per file is slow, one per pass blocks the scheduler. */
const FILES_PER_TRANSACTION = 50;

/**
 * Keeps the metadata store in step with the DAG files. It imports user code only in parse worker
 * processes (src/runtime/parse-main), stores each DAG's serialized spec, and records import errors.
 *
 * A file is parsed again only when its mtime or size changed, so a pass over an unchanged folder
 * costs a directory walk and no database query. A file that stops importing (syntax error, throw,
 * timeout) gets an import error, and the DAGs it defined keep their last good version, active: a
 * typo saved in an editor must not pause production schedules. A DAG id defined by two files
 * belongs to the one that defined it first; the other file gets an import error naming both.
 * When a file that defines no DAG changes (a helper module), every file is parsed again, since
 * DAG files importing it may now differ.
 */
export class DagProcessor {
  private readonly store: MetadataStore;
  private readonly folder: string;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly pool: ParsePool;
  private readonly debounceMs: number;
  private readonly pausedOnCreate: boolean;
  private readonly files = new Map<string, FileState>();
  private readonly owners = new Map<string, string>();
  private firstPass = true;
  private generation = 0;
  private passChain: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private loop: { onChange: (summary: ProcessSummary) => void; running: boolean; again: boolean } | null = null;
  private stopped = false;

  constructor(options: DagProcessorOptions) {
    const concurrency = options.concurrency ?? 2;
    const timeout = options.parseTimeoutMs ?? 30_000;
    const recycleAfter = options.recycleAfter ?? 200;
    for (const [what, value] of [['concurrency', concurrency], ['parseTimeoutMs', timeout], ['recycleAfter', recycleAfter]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `DagProcessor ${what} is ${JSON.stringify(value)}; it must be a whole number ≥ 1`);
      }
    }
    this.store = options.store;
    this.folder = resolvePath(options.dagsFolder);
    this.logger = options.logger.child('dag_processor');
    this.now = options.now ?? (() => new Date());
    this.debounceMs = options.debounceMs ?? 200;
    this.pausedOnCreate = options.pausedOnCreate;
    this.pool = new ParsePool({
      entry: options.parseEntry, execArgv: options.execArgv ?? ['--import', 'tsx'], size: concurrency,
      timeoutMs: timeout, recycleAfter, logger: this.logger,
    });
  }

  /** One pass over the folder. Passes never overlap: a call during a pass runs after it. */
  processOnce(): Promise<ProcessSummary> {
    const next = this.passChain.then(() => this.pass(), () => this.pass());
    this.passChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Keeps processing: a pass now, after file-system events (debounced), and every
   * `rescanIntervalMs` as a safety net for events the watcher misses. `onChange` gets the summary
   * of every pass that parsed or removed something.
   */
  start(onChange: (summary: ProcessSummary) => void, options: { rescanIntervalMs: number }): void {
    if (this.loop !== null) throw new UpdraftError('UPDRAFT_ERR_INTERNAL', 'DagProcessor.start() was called twice');
    if (this.stopped) throw new UpdraftError('UPDRAFT_ERR_SHUTDOWN', 'DagProcessor.start() after stop()');
    this.loop = { onChange, running: false, again: false };
    this.watchFolder();
    this.rescanTimer = setInterval(() => {
      if (this.watcher === null) this.watchFolder();
      this.runLoopPass();
    }, options.rescanIntervalMs);
    this.runLoopPass();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.rescanTimer !== null) clearInterval(this.rescanTimer);
    if (this.debounceTimer !== null) clearTimeout(this.debounceTimer);
    await this.pool.stop();
    await this.passChain;
  }

  /** Pids of the parse workers alive now (diagnostics and tests). */
  get parseWorkerPids(): number[] {
    return this.pool.workerPids;
  }

  private watchFolder(): void {
    try {
      const watcher = watch(this.folder, { recursive: true, persistent: false }, () => this.requestPass());
      watcher.on('error', (error) => {
        this.logger.warn('watching the DAGs folder failed; relying on the periodic rescan', { folder: this.folder, error: error.message });
        watcher.close();
        if (this.watcher === watcher) this.watcher = null;
      });
      this.watcher = watcher;
    } catch (error) {
      this.logger.warn('cannot watch the DAGs folder; relying on the periodic rescan', { folder: this.folder, error: toError(error).message });
    }
  }

  private requestPass(): void {
    if (this.stopped) return;
    if (this.debounceTimer !== null) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.runLoopPass();
    }, this.debounceMs);
  }

  private runLoopPass(): void {
    const loop = this.loop;
    if (loop === null || this.stopped) return;
    if (loop.running) {
      loop.again = true;
      return;
    }
    loop.running = true;
    loop.again = false;
    this.processOnce().then((summary) => {
      if (summary.parsed.length > 0 || summary.deactivatedDagIds.length > 0 || summary.changedDagIds.length > 0) {
        try {
          loop.onChange(summary);
        } catch (error) {
          this.logger.error('the DAG change handler threw', { error: toError(error).message });
        }
      }
    }, (error: unknown) => {
      if (!this.stopped) this.logger.error('a DAG processing pass failed; it is retried on the next change or rescan', { error: toError(error).message });
    }).finally(() => {
      loop.running = false;
      if (loop.again) this.runLoopPass();
    });
  }

  private version(stamp: FileStamp): string {
    return `${stamp.mtimeMs}-${stamp.size}-${this.generation}`;
  }

  private async pass(): Promise<ProcessSummary> {
    const began = Date.now();
    const listing = await listDagFiles(this.folder);
    const first = this.firstPass;
    const removed = [...this.files.keys()].filter((file) => !listing.has(file));
    const changed = [...listing].filter(([file, stamp]) => {
      const known = this.files.get(file);
      return known === undefined || known.stamp.mtimeMs !== stamp.mtimeMs || known.stamp.size !== stamp.size;
    }).map(([file]) => file);
    const summary: ProcessSummary = {
      filesSeen: listing.size, parsed: [], unchanged: listing.size, errors: [], dagIds: [],
      changedDagIds: [], deactivatedDagIds: [], durationMs: 0,
    };
    if (!first && changed.length === 0 && removed.length === 0) {
      summary.dagIds = [...this.owners.keys()].sort();
      summary.durationMs = Date.now() - began;
      return summary;
    }
    if (first) {
      // Ownership of dag ids survives restarts: the file that defined a DAG keeps it.
      const stored = await this.store.listDags({ onlyActive: true });
      for (const dag of stored) this.owners.set(dag.dagId, dag.fileloc);
      if (await this.seedFromStore(listing, stored)) {
        this.firstPass = false;
        summary.dagIds = [...this.owners.keys()].sort();
        summary.durationMs = Date.now() - began;
        return summary;
      }
    }
    // A file that lost a dag id to another file may win it now: try it again with the rest.
    const toParse = new Set(changed);
    for (const [file, state] of this.files) if (state.conflicted && listing.has(file)) toParse.add(file);
    let results = await this.parseAll([...toParse].sort(), listing);

    const removedHelper = removed.some((file) => { const s = this.files.get(file)!; return !s.broken && s.dagIds.length === 0; });
    const changedHelper = results.parsed.some((p) => p.outcome.ok && p.outcome.dags.length === 0);
    if (!first && (removedHelper || changedHelper)) {
      this.generation++;
      const rest = [...listing.keys()].filter((file) => !toParse.has(file)).sort();
      this.logger.info('a helper module changed; parsing every DAG file again', { files: rest.length });
      const more = await this.parseAll(rest, listing);
      results = { parsed: [...results.parsed, ...more.parsed], faults: [...results.faults, ...more.faults] };
    }
    results.parsed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

    const previouslyOwned = new Set(this.owners.keys());
    // Release first (deleted files, DAGs a file no longer defines), so a DAG moved from one file to
    // another in the same pass is not mistaken for a duplicate.
    for (const file of removed) {
      for (const dagId of this.files.get(file)!.dagIds) if (this.owners.get(dagId) === file) this.owners.delete(dagId);
      this.files.delete(file);
    }
    for (const [dagId, file] of this.owners) if (!listing.has(file)) this.owners.delete(dagId);
    for (const { file, outcome } of results.parsed) {
      if (!outcome.ok) continue;
      const now = new Set(outcome.dags.map((d) => d.spec.dagId));
      for (const [dagId, owner] of this.owners) if (owner === file && !now.has(dagId)) this.owners.delete(dagId);
    }

    const deactivated = new Set<string>();
    const timestamp = this.now();
    for (let i = 0; i < results.parsed.length; i += FILES_PER_TRANSACTION) {
      const chunk = results.parsed.slice(i, i + FILES_PER_TRANSACTION);
      await this.store.transaction(async () => {
        for (const parsed of chunk) await this.record(parsed, timestamp, { summary, deactivated, previouslyOwned });
      });
    }
    if (first || removed.length > 0) {
      const present = [...listing.keys()];
      for (const dagId of await this.store.deactivateDagsNotInFiles(present)) deactivated.add(dagId);
      await this.store.clearImportErrorsNotIn(present);
    }
    this.firstPass = false;
    summary.parsed = results.parsed.map((p) => p.file);
    summary.unchanged = listing.size - summary.parsed.length;
    summary.dagIds = [...this.owners.keys()].sort();
    summary.changedDagIds.sort();
    // A DAG that moved files is deactivated by its old file and re-activated by its new one.
    summary.deactivatedDagIds = [...deactivated].filter((dagId) => !this.owners.has(dagId)).sort();
    summary.durationMs = Date.now() - began;
    if (summary.parsed.length > 0 || summary.deactivatedDagIds.length > 0) {
      this.logger.info('processed DAG files', {
        parsed: summary.parsed.length, errors: summary.errors.length, changed: summary.changedDagIds.length,
        deactivated: summary.deactivatedDagIds.length, ms: summary.durationMs,
      });
    }
    if (results.faults.length > 0) {
      // Not the files' fault (the parse workers cannot start): they stay unparsed and are retried.
      throw results.faults[0]!;
    }
    return summary;
  }

  /**
   * A new process (every CLI command) need not parse files the store already reflects: when every
   * file in the folder is older than its last recorded parse or import error, and the store knows
   * no file that is gone, the stored state is taken as this process's starting point. Any doubt (a
   * new file, a helper module the store cannot vouch for, a newer mtime) means a full first pass.
   */
  private async seedFromStore(listing: Map<string, FileStamp>, stored: DagRecord[]): Promise<boolean> {
    const parsedAt = new Map<string, { at: number; dagIds: string[] }>();
    for (const dag of stored) {
      const entry = parsedAt.get(dag.fileloc) ?? { at: Infinity, dagIds: [] };
      entry.at = Math.min(entry.at, dag.lastParsedAt.getTime());
      entry.dagIds.push(dag.dagId);
      parsedAt.set(dag.fileloc, entry);
    }
    const errors = new Map((await this.store.listImportErrors()).map((e) => [e.fileloc, e.timestamp.getTime()]));
    for (const file of [...parsedAt.keys(), ...errors.keys()]) if (!listing.has(file)) return false;
    for (const [file, stamp] of listing) {
      const good = parsedAt.get(file);
      const error = errors.get(file);
      if (good === undefined && error === undefined) return false;
      // the newest record is the file's last parse: a good one clears the error, a newer error supersedes it
      if (stamp.mtimeMs > Math.max(good?.at ?? -Infinity, error ?? -Infinity)) return false;
    }
    for (const [file, stamp] of listing) {
      this.files.set(file, { stamp, dagIds: parsedAt.get(file)?.dagIds ?? [], broken: errors.has(file), conflicted: false });
    }
    return true;
  }

  private async parseAll(files: string[], listing: Map<string, FileStamp>): Promise<{ parsed: Parsed[]; faults: Error[] }> {
    const parsed: Parsed[] = [];
    const faults: Error[] = [];
    await Promise.all(files.map(async (file) => {
      const stamp = listing.get(file)!;
      try {
        parsed.push({ file, stamp, outcome: await this.pool.parse(file, this.version(stamp)) });
      } catch (error) {
        faults.push(toError(error));
      }
    }));
    return { parsed, faults };
  }

  private async record(parsed: Parsed, timestamp: Date, acc: { summary: ProcessSummary; deactivated: Set<string>; previouslyOwned: Set<string> }): Promise<void> {
    const { file, stamp, outcome } = parsed;
    const previous = this.files.get(file);
    if (!outcome.ok) {
      // The DAGs of a broken file stay as last parsed (see the class comment).
      this.files.set(file, { stamp, dagIds: previous?.dagIds ?? this.ownedBy(file), broken: true, conflicted: false });
      acc.summary.errors.push({ file, message: outcome.message });
      await this.store.setImportError({ fileloc: file, message: outcome.message, stack: outcome.stack, timestamp });
      this.logger.warn('DAG file failed to import', { file, kind: outcome.kind, message: firstLine(outcome.message) });
      return;
    }
    const kept: ParsedDag[] = [];
    const conflicts: string[] = [];
    for (const dag of outcome.dags) {
      const owner = this.owners.get(dag.spec.dagId);
      if (owner === undefined || owner === file) {
        this.owners.set(dag.spec.dagId, file);
        kept.push(dag);
      } else {
        conflicts.push(`DAG id "${dag.spec.dagId}" is already defined in ${owner}; the DAG in ${file} is ignored (DAG ids must be unique across files: rename one of them)`);
      }
    }
    for (const { spec, hash } of kept) {
      const { created, versionChanged } = await this.store.upsertDag({ spec, versionHash: hash, fileloc: file, isPausedOnCreate: this.pausedOnCreate, parsedAt: timestamp });
      // Not owned before this pass: new, or reactivated after its file came back.
      if (created || versionChanged || !acc.previouslyOwned.has(spec.dagId)) {
        acc.summary.changedDagIds.push(spec.dagId);
      }
    }
    const keptIds = kept.map((d) => d.spec.dagId);
    for (const dagId of await this.store.deactivateMissingDags(file, keptIds)) acc.deactivated.add(dagId);
    if (conflicts.length > 0) {
      const message = conflicts.join('\n');
      acc.summary.errors.push({ file, message });
      await this.store.setImportError({ fileloc: file, message, stack: null, timestamp });
      this.logger.warn('DAG file defines a DAG id another file already defines', { file, message: conflicts[0] });
    } else {
      await this.store.clearImportError(file);
    }
    this.files.set(file, { stamp, dagIds: keptIds, broken: conflicts.length > 0, conflicted: conflicts.length > 0 });
  }

  private ownedBy(file: string): string[] {
    return [...this.owners].filter(([, owner]) => owner === file).map(([dagId]) => dagId);
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}
