// What a pull reports as it goes, and two renderers for it: on a terminal one live line per layer
// (status, bytes, rate), redrawn in place at most 10 times a second, as `docker pull` does; otherwise one
// line per change of state, so logs stay readable. Both write to stderr: stdout carries only the result.
export type LayerState = "waiting" | "locked" | "exists" | "downloading" | "resuming" | "complete" | "failed";

export interface PullProgress {
  message(line: string): void;
  layer(id: string, state: LayerState, current?: number, total?: number): void;
  /** Stops redrawing; called once at the end, success or not. */
  close(): void;
}

export const silentProgress: PullProgress = { message() {}, layer() {}, close() {} };

export type Labels = Record<LayerState, string>;

export const PULL_LABELS: Labels = {
  waiting: "Pulling fs layer",
  locked: "Waiting for another pull",
  exists: "Already exists",
  downloading: "Downloading",
  resuming: "Resuming download",
  complete: "Pull complete",
  failed: "Failed",
};

export const PUSH_LABELS: Labels = { ...PULL_LABELS, waiting: "Preparing", exists: "Layer already exists", downloading: "Pushing", resuming: "Pushing", complete: "Pushed" };

export function humanBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}

interface Row { id: string; state: LayerState; current: number; total: number; started: number; finished?: number }

function rowText(r: Row, now: number, LABEL: Labels): string {
  const base = `${r.id}: ${LABEL[r.state]}`;
  if (r.state !== "downloading" && r.state !== "resuming" && r.state !== "complete") return base;
  const secs = Math.max(0.001, ((r.finished ?? now) - r.started) / 1000);
  const rate = `${humanBytes(r.current / secs)}/s`;
  if (r.state === "complete") return `${base}  ${humanBytes(r.total)} in ${secs.toFixed(1)}s (${rate})`;
  const width = 30;
  const filled = r.total > 0 ? Math.min(width, Math.floor((r.current / r.total) * width)) : 0;
  const bar = `[${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? ">" : ""}${" ".repeat(width - filled)}]`;
  return `${base} ${bar} ${humanBytes(r.current)}/${humanBytes(r.total)}  ${rate}`;
}

export function terminalProgress(write: (s: string) => void = (s) => void process.stderr.write(s), LABEL: Labels = PULL_LABELS): PullProgress {
  const rows: Row[] = [];
  let drawn = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const draw = () => {
    timer = undefined;
    const now = Date.now();
    let s = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const r of rows) s += `\r\x1b[2K${rowText(r, now, LABEL)}\n`;
    drawn = rows.length;
    write(s);
  };
  const schedule = () => { timer ??= setTimeout(draw, 100); };
  return {
    message(line) {
      if (timer) { clearTimeout(timer); timer = undefined; }
      draw();
      write(`${line}\n`);
      drawn = 0; // the rows above are final now; start a new block below the message
      rows.length = 0;
    },
    layer(id, state, current = 0, total = 0) {
      let r = rows.find((x) => x.id === id);
      if (!r) rows.push(r = { id, state, current, total, started: Date.now() });
      if ((state === "downloading" || state === "resuming") && r.state !== "downloading" && r.state !== "resuming") r.started = Date.now();
      r.state = state;
      r.current = current || r.current;
      r.total = total || r.total;
      if (state === "complete") r.finished = Date.now();
      if (state === "downloading") schedule(); else { if (timer) clearTimeout(timer); draw(); }
    },
    close() {
      if (timer) clearTimeout(timer);
      if (rows.length) draw();
    },
  };
}

export function lineProgress(write: (s: string) => void = (s) => void process.stderr.write(s), LABEL: Labels = PULL_LABELS): PullProgress {
  const last = new Map<string, LayerState>();
  const started = new Map<string, number>();
  return {
    message: (line) => write(`${line}\n`),
    layer(id, state, current = 0, total = 0) {
      if (last.get(id) === state) return;
      last.set(id, state);
      if (state === "downloading" || state === "resuming") started.set(id, Date.now());
      if (state === "complete") {
        const secs = Math.max(0.001, (Date.now() - (started.get(id) ?? Date.now())) / 1000);
        write(`${id}: ${LABEL[state]} (${humanBytes(total || current)} in ${secs.toFixed(1)}s)\n`);
      } else if (state === "resuming") {
        write(`${id}: ${LABEL[state]} at ${humanBytes(current)}\n`);
      } else {
        write(`${id}: ${LABEL[state]}\n`);
      }
    },
    close() {},
  };
}

/** The renderer for stderr, chosen by whether it is a terminal (looked up only when a pull starts). */
export function stderrProgress(labels: Labels = PULL_LABELS): PullProgress {
  const write = (s: string) => void process.stderr.write(s);
  return process.stderr.isTTY && !process.env.NO_PROGRESS ? terminalProgress(write, labels) : lineProgress(write, labels);
}
