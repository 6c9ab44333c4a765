// Reading an answer typed on the terminal (login's Username and Password prompts, as docker/cli asks them).
import { readSync } from "node:fs";
import { disableEcho, restoreTermios } from "../sys/tty.ts";
import { writeStdout } from "./output.ts";

/** One line from fd 0 (a terminal in canonical mode), without its newline; undefined at end of input. */
function readLine(): string | undefined {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(256);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      // stdin shared with a process that made it non-blocking: wait for the typing
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Bun.sleepSync(10);
      continue;
    }
    if (n === 0) return chunks.length ? Buffer.concat(chunks).toString("utf8") : undefined;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) {
      chunks.push(Buffer.from(buf.subarray(0, nl)));
      return Buffer.concat(chunks).toString("utf8").replace(/\r$/, "");
    }
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
}

export function prompt(question: string): string | undefined {
  writeStdout(question);
  return readLine();
}

/** The answer is not echoed; the terminal's settings come back even if reading fails. */
export function promptSecret(question: string): string | undefined {
  writeStdout(question);
  const saved = disableEcho(0);
  try {
    return readLine();
  } finally {
    restoreTermios(0, saved);
    writeStdout("\n"); // the newline the user typed was not echoed either
  }
}
