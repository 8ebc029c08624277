import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, formatLogRecord, type Logger, type LogLevel } from '../common/logger.js';
import { loadConfig, type UpdraftConfig } from '../config/load-config.js';
import { renderDefaultConfig } from '../config/render-config.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import { openStore } from '../store/open-store.js';
import { parseStoreUrl } from '../store/store-url.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import { onTaskSecret } from '../runtime/build-context.js';
import { buildCliSecrets, resolveCipher, type CliSecrets } from './lookups.js';
import { addEnvironmentSecrets, maskProcessOutput, storedSecretsMasker } from './secret-output.js';

/** Paths of the process entry points the composition root hands to executors and the DAG processor. */
export const WORKER_ENTRY = fileURLToPath(new URL('../runtime/worker-main.ts', import.meta.url));
export const PARSE_ENTRY = fileURLToPath(new URL('../runtime/parse-main.ts', import.meta.url));
export const EXAMPLES_DAGS = fileURLToPath(new URL('../../examples/dags', import.meta.url));
/**
 * Node flags for every child process that runs TypeScript (task workers, parse workers): tsx by
 * absolute URL, so children start wherever the user runs `updraft` from.
 */
export const CHILD_EXEC_ARGV: readonly string[] = ['--import', import.meta.resolve('tsx')];

export interface GlobalOptions {
  verbose?: boolean;
  home?: string;
}

/** Everything a command needs, created lazily so `updraft version` touches nothing. */
export class CliContext {
  private storePromise: Promise<MetadataStore> | null = null;
  private secretsPromise: Promise<CliSecrets> | null = null;
  private terminalMask: { masker: SecretMasker; restore(): void } | null = null;
  private configValue: UpdraftConfig | null = null;
  private readonly overrides: Record<string, string> = {};

  constructor(readonly options: GlobalOptions, readonly stdout: NodeJS.WriteStream = process.stdout, readonly stderr: NodeJS.WriteStream = process.stderr) {}

  /** Applies a command-line override (e.g. standalone --dags-folder) before the config is read. */
  override(section: string, key: string, value: string): void {
    this.overrides[`UPDRAFT__${section.toUpperCase()}__${key.toUpperCase()}`] = value;
    this.configValue = null;
  }

  get config(): UpdraftConfig {
    if (this.configValue === null) {
      const env = { ...process.env, ...this.overrides };
      this.configValue = loadConfig({ env, ...(this.options.home === undefined ? {} : { home: this.options.home }) });
      for (const warning of this.configValue.warnings) this.stderr.write(`warning: ${warning}\n`);
    }
    return this.configValue;
  }

  logger(scope = 'updraft', level?: LogLevel): Logger {
    return createLogger((record) => this.stderr.write(formatLogRecord(record) + '\n'), {
      level: level ?? (this.options.verbose === true ? 'debug' : this.config.logging.logging_level), scope,
    });
  }

  /** Creates UPDRAFT_HOME with a documented updraft.toml, dags/ and logs/ on first use. */
  ensureHome(): { created: boolean } {
    const home = this.config.home;
    const file = join(home, 'updraft.toml');
    const created = !existsSync(file);
    mkdirSync(home, { recursive: true });
    if (created) writeFileSync(file, renderDefaultConfig(home), { mode: 0o644 });
    mkdirSync(this.config.core.dags_folder, { recursive: true });
    mkdirSync(this.config.logging.base_log_folder, { recursive: true });
    if (created) this.configValue = null;
    return { created };
  }

  async store(): Promise<MetadataStore> {
    this.storePromise ??= (async () => {
      const url = this.config.database.url;
      if (!url.includes('://') && !url.startsWith('sqlite:')) mkdirSync(join(url, '..'), { recursive: true });
      return openStore(url, { logger: this.logger('store') });
    })();
    return this.storePromise;
  }

  /** A store whose schema is current (commands other than `db` refuse an unmigrated database). */
  async readyStore(): Promise<MetadataStore> {
    const store = await this.store();
    // The embedded database migrates itself (nothing to install or run first); PostgreSQL is
    // migrated deliberately with `updraft db migrate`, as production schemas should be.
    if (store.dialect === 'sqlite') await store.migrate();
    else await store.check();
    return store;
  }

  /**
   * The cipher, connection and variable repositories and the lookup chain, built once, for the
   * commands that touch secrets (connections, variables, running tasks). The key is settled before
   * the database is opened: PostgreSQL without `[secrets] encryption_key` is refused at once, and
   * SQLite without one gets a generated key file in UPDRAFT_HOME.
   */
  async secrets(): Promise<CliSecrets> {
    this.secretsPromise ??= (async () => {
      const config = this.config;
      const key = resolveCipher(config, parseStoreUrl(config.database.url).dialect);
      if (key.keySource.kind === 'file' && key.keySource.created) {
        this.stderr.write(`generated the encryption key for secrets at rest: ${key.keySource.path} (mode 0600; back it up: secrets stored with it cannot be read without it)\n`);
      }
      const secrets = buildCliSecrets(config, await this.readyStore(), { key });
      // Task processes (forked workers, and in-process attempts) read their own environment before
      // asking the scheduler only when env is the first backend; they learn the order from this
      // variable, the documented override of [secrets] backends, so both sides follow one order.
      process.env.UPDRAFT__SECRETS__BACKENDS = config.secrets.backends.join(',');
      return secrets;
    })();
    return this.secretsPromise;
  }

  /**
   * For commands that run tasks inside this process (dags test, tasks test, the in_process
   * executor): a task's console output reaches the terminal directly there, not its masked log, so
   * everything this process writes is masked from now until close(), with every secret the CLI
   * knows (stored, from the environment, and each one served to a task).
   */
  async maskTerminal(): Promise<SecretMasker> {
    if (this.terminalMask === null) {
      const masker = await storedSecretsMasker(await this.secrets(), [], { skipUnreadable: true });
      addEnvironmentSecrets(masker);
      const restoreOutput = maskProcessOutput(masker);
      const stopListening = onTaskSecret((secret) => masker.add(secret));
      this.terminalMask = { masker, restore: () => { stopListening(); restoreOutput(); } };
    }
    return this.terminalMask.masker;
  }

  async close(): Promise<void> {
    this.terminalMask?.restore();
    this.terminalMask = null;
    if (this.storePromise !== null) await (await this.storePromise).close();
  }
}
