// Docker's "Are you sure you want to continue? [y/N]" before a prune. Docker asks whatever stdin is;
// minibox's older prune commands never asked, so they ask only on a terminal (scripts keep working), while
// `system prune` asks as Docker does (an answer piped in counts; none means no).
import { readSync } from "node:fs";
import { isatty } from "../sys/tty.ts";
import { writeStdout } from "./output.ts";

/** One line from stdin, read byte by byte so nothing after it is consumed; "" at EOF. */
function readAnswer(): string {
  const byte = Buffer.alloc(1);
  let line = "";
  for (;;) {
    let n: number;
    try {
      n = readSync(0, byte);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") { Bun.sleepSync(5); continue; }
      if (code === "EOF" || code === "EBADF") return line;
      throw e;
    }
    if (n === 0 || byte[0] === 0x0a) return line;
    line += String.fromCharCode(byte[0]!);
  }
}

export function confirm(warning: string, force: boolean): boolean {
  if (force) return true;
  writeStdout(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = readAnswer().trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

export function confirmOnTerminal(warning: string, force: boolean): boolean {
  return force || !isatty(0) || confirm(warning, false);
}
