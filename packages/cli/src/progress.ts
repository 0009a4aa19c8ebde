// A one-line progress bar on stderr for long VM runs; redrawn at most every 100 ms.

/** Draws `steps / max` with the rate; `finish()` clears the line. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = performance.now();

  constructor(
    private readonly max: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    /** Nothing is drawn before this many steps, so short runs stay silent. */
    private readonly showAfter = 4_000_000,
  ) {}

  /** Updates the bar (cheap when called often). */
  update(steps: number): void {
    if (steps < this.showAfter) return;
    const now = performance.now();
    if (this.drawn && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawn = true;
    const width = 30;
    const fraction = Number.isFinite(this.max) && this.max > 0 ? Math.min(1, steps / this.max) : 0;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? steps / seconds / 1e6 : 0;
    const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${human(steps)} / ${human(this.max)} steps (${(fraction * 100).toFixed(1)}% of max) ${rate.toFixed(1)} M steps/s`;
    this.out.write(`\r${line}\x1b[K`);
  }

  /** Clears the bar if it was drawn. */
  finish(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
  }
}

/** 1234567 -> "1.23M". */
export function human(n: number): string {
  if (!Number.isFinite(n)) return "inf";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
