// What the builder reports while it works, as events: the CLI picks how they are shown (plain lines for
// logs and CI, an updating display on a terminal, nothing with -q). Steps are numbered in start order.
export interface BuildProgress {
  /** A step begins: `title` is "[stage 2/5] RUN …". */
  start(step: number, title: string): void;
  done(step: number, seconds: number): void;
  cached(step: number): void;
  /** The step failed (its error is reported by whoever catches it). */
  failed(step: number, seconds: number): void;
  /** A RUN's stdout and stderr, as they come. */
  output(step: number, chunk: Uint8Array): void;
  warn(line: string): void;
  /** The build is over (successfully or not): stop updating, leave the final state on screen. */
  finish(ok: boolean): void;
}

/** -q and --progress=quiet: nothing but warnings. */
export function quietProgress(warn: (line: string) => void): BuildProgress {
  const none = () => {};
  return { start: none, done: none, cached: none, failed: none, output: none, warn, finish: none };
}
