// How a container ended, learned by a process that is not its parent: a monitor that adopted it after the
// previous one died, or a `stop`/`kill`/`wait` run while no monitor is alive. Only the parent can wait()
// for a process, and it is gone; the kernel's proc connector still tells every subscriber each exit with
// its status. A witness must be subscribed *before* the exit: an exit before that stays unknown.
import { exitCodeOfStatus, ProcessExitEvents } from "../sys/proc-events.ts";

const POLL_MS = 10;

export class ExitWitness {
  private readonly wanted = new Set<number>();
  private readonly seen = new Map<number, number>();

  private constructor(private readonly events: ProcessExitEvents) {}

  /** Undefined when the kernel or our privileges offer no proc connector: exits stay unknown then. */
  static open(): ExitWitness | undefined {
    const events = ProcessExitEvents.open();
    return events && new ExitWitness(events);
  }

  watch(pid: number): void {
    this.wanted.add(pid);
  }

  /**
   * The exit code of a watched process that is known to have ended, waiting up to `graceMs` for its event
   * (it may be queued just after a pidfd reports the end); undefined when the event was missed.
   */
  async exitCodeOf(pid: number, graceMs = 500): Promise<number | undefined> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      this.collect();
      const status = this.seen.get(pid);
      if (status !== undefined) {
        this.wanted.delete(pid);
        this.seen.delete(pid);
        return exitCodeOfStatus(status);
      }
      if (Date.now() >= deadline) return undefined;
      await Bun.sleep(POLL_MS);
    }
  }

  /** Reads the queued events, keeping only the watched ones (every exit on the host is queued here). */
  collect(): void {
    this.events.drain((exit) => {
      if (this.wanted.has(exit.pid)) this.seen.set(exit.pid, exit.status);
    });
  }

  close(): void {
    this.events.close();
  }
}
