// runc's --preserve-fds N (create, run, exec): our fds 3..3+N-1, checked to be open before anything is made.
import { fstatSync } from "node:fs";
import { RuntimeError } from "./errors.ts";

export function parsePreserveFds(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^[0-9]+$/.test(text)) throw new RuntimeError(`invalid value "${text}" for flag -preserve-fds: parse error`);
  return Number(text);
}

export function preservedFds(count: number): number[] {
  const fds = Array.from({ length: count }, (_, i) => 3 + i);
  for (const fd of fds) {
    try {
      fstatSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EBADF") throw e;
      throw new RuntimeError(`--preserve-fds ${count}: fd ${fd} is not open`);
    }
  }
  return fds;
}
