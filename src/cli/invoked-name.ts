// The name the user invoked us by: `docker` through a symlink named docker (issue #13: existing scripts run
// unchanged), else minibox. In a compiled Bun binary process.argv[0] is "bun"; the invoked name is the first
// entry of /proc/self/cmdline (as src/main.ts reads it to recognise runc).
import { readFileSync } from "node:fs";
import { basename } from "node:path";

export function invokedProgram(): "docker" | "minibox" {
  let first: string;
  try {
    const cmdline = readFileSync("/proc/self/cmdline", "latin1");
    first = cmdline.slice(0, cmdline.indexOf("\0"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    first = process.argv0;
  }
  return basename(first) === "docker" ? "docker" : "minibox";
}
