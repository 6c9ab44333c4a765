// `--progress plain` (and output that is not a terminal): one line per event, RUN output as it comes.
import type { BuildProgress } from "./types.ts";

export function plainProgress(write: (text: string | Uint8Array) => void): BuildProgress {
  return {
    start: (step, title) => write(`#${step} ${title}\n`),
    done: (step, seconds) => write(`#${step} DONE ${seconds.toFixed(1)}s\n`),
    cached: (step) => write(`#${step} CACHED\n`),
    failed: (step, seconds) => write(`#${step} ERROR ${seconds.toFixed(1)}s\n`),
    output: (_step, chunk) => write(chunk),
    warn: (line) => write(`${line}\n`),
    finish: () => {},
  };
}
