import cliProgress from 'cli-progress';

/** A progress bar on a terminal; plain lines when the output is a file or a pipe. */
export class BackfillProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private last = -1;

  constructor(private readonly out: NodeJS.WriteStream, private readonly total: number) {
    this.bar = out.isTTY === true
      ? new cliProgress.SingleBar({ stream: out, format: 'backfill [{bar}] {value}/{total} runs finished', hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    this.bar?.start(total, 0);
  }

  update(done: number): void {
    if (done === this.last) return;
    this.last = done;
    if (this.bar !== null) this.bar.update(done);
    else this.out.write(`backfill: ${done}/${this.total} runs finished\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
