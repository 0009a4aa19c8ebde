// A polling loop that never overlaps itself and stops cleanly: the chain watchers' clock.

/** Calls `pass` every `intervalMs` (after the previous pass finished) until stopped. */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private active = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts polling. */
  start(intervalMs: number): void {
    this.active = true;
    const tick = () => {
      this.running = this.pass()
        .catch(this.onError)
        .finally(() => {
          if (this.active) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }
}
