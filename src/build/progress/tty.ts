// `--progress tty` (the default on a terminal): a live area at the bottom, redrawn in place, with a
// header and every running step with its elapsed time and the last lines of its RUN output; a step that
// ends is printed once above the live area for good (`=> CACHED […]`, `=> […] 0.4s`, or ERROR with its
// last output lines), so the live area stays as small as what is running and never outgrows the screen.
import type { BuildProgress } from "./types.ts";

export interface TtyOptions {
  write(text: string): void;
  /** Seconds, monotonic. */
  now(): number;
  columns(): number;
  rows(): number;
  /** Redraws while steps run; returns a stop function. Tests pass one that does nothing. */
  every(ms: number, tick: () => void): () => void;
}

interface Step { title: string; started: number; lines: string[]; partial: string }

const TAIL = 6;
const ESC = "\x1b[";

/** Output made safe for one screen line: terminal escapes and control characters dropped, tabs spaced. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]/g, "").replace(/\t/g, "  ").replace(/[\x00-\x1f\x7f]/g, "");
}

export function ttyProgress(opts: TtyOptions): BuildProgress {
  const began = opts.now();
  const running = new Map<number, Step>();
  const decoder = new Map<number, TextDecoder>();
  let started = 0;
  let ended = 0;
  let drawn = 0; // lines of the live area now on screen
  let stop: (() => void) | undefined;

  const fit = (line: string) => {
    const width = Math.max(20, opts.columns() - 1);
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  /** `left` padded so that `right` ends at the screen's right edge (or right after it when too long). */
  const row = (left: string, right: string) => {
    const width = Math.max(20, opts.columns() - 1);
    const room = width - right.length - 1;
    const shown = left.length > room ? `${left.slice(0, Math.max(0, room - 1))}…` : left;
    return `${shown.padEnd(room)} ${right}`;
  };
  const header = (suffix = "") => `[+] Building ${(opts.now() - began).toFixed(1)}s (${ended}/${started})${suffix}`;

  const liveArea = (): string[] => {
    const lines = [header()];
    for (const [, s] of [...running].sort(([a], [b]) => a - b)) {
      lines.push(row(` => ${s.title}`, `${(opts.now() - s.started).toFixed(1)}s`));
      const tail = [...s.lines, ...(s.partial ? [s.partial] : [])].slice(-TAIL);
      for (const l of tail) lines.push(fit(` => => # ${l}`));
    }
    // Never taller than the screen: the cursor could not move back up to redraw it.
    const max = Math.max(1, opts.rows() - 1);
    return lines.length > max ? [lines[0]!, ...lines.slice(lines.length - max + 1)] : lines;
  };

  /** Clears the live area, prints `above` for good, draws the live area again (unless finished). */
  const render = (above: string[] = [], live = true) => {
    let out = drawn > 0 ? `\r${ESC}${drawn}A${ESC}J` : "";
    for (const l of above) out += `${l}\n`;
    const area = live ? liveArea() : [];
    for (const l of area) out += `${l}\n`;
    drawn = area.length;
    opts.write(out);
  };

  const end = (step: number, right: string, prefix: string, withOutput: boolean) => {
    const s = running.get(step);
    if (!s) return;
    running.delete(step);
    decoder.delete(step);
    ended++;
    const above = [row(` => ${prefix}${s.title}`, right)];
    if (withOutput) for (const l of [...s.lines, ...(s.partial ? [s.partial] : [])].slice(-TAIL * 2)) above.push(fit(` => => # ${l}`));
    render(above);
  };

  return {
    start(step, title) {
      running.set(step, { title: clean(title.split("\n")[0]!), started: opts.now(), lines: [], partial: "" });
      started++;
      stop ??= opts.every(100, () => render());
      render();
    },
    done: (step, seconds) => end(step, `${seconds.toFixed(1)}s`, "", false),
    cached: (step) => end(step, "0.0s", "CACHED ", false),
    failed: (step, seconds) => end(step, `${seconds.toFixed(1)}s`, "ERROR ", true),
    output(step, chunk) {
      const s = running.get(step);
      if (!s) return;
      let d = decoder.get(step);
      if (!d) decoder.set(step, (d = new TextDecoder()));
      const parts = (s.partial + d.decode(chunk, { stream: true })).split("\n");
      s.partial = parts.pop()!;
      // A carriage return rewrites its line (progress bars): keep what was written last.
      for (const p of parts) s.lines.push(clean(p.slice(p.lastIndexOf("\r") + 1)));
      s.partial = clean(s.partial.slice(s.partial.lastIndexOf("\r") + 1));
      if (s.lines.length > TAIL * 2) s.lines.splice(0, s.lines.length - TAIL * 2);
      render();
    },
    warn: (line) => render([line]),
    finish(ok) {
      stop?.();
      stop = undefined;
      for (const step of [...running.keys()]) end(step, "", ok ? "" : "CANCELED ", false);
      render([header(ok ? " FINISHED" : " FAILED")], false);
    },
  };
}
