// All CLI output goes through this consola instance. It is built from consola/core with a plain line
// reporter: the full `consola` entry loads node:tty and its fancy reporter (and node:util, for formatting), which cost ~30 ms at every
// start of the compiled binary (measured, docs/performance.md) — most of a container's start-up budget.
import { createConsola, type ConsolaReporter, type LogObject } from "consola/core";

const STDERR_TYPES = new Set(["error", "fatal", "warn", "trace", "debug"]);

const lineReporter: ConsolaReporter = {
  log(entry: LogObject) {
    const text = entry.args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : Bun.inspect(a))).join(" ");
    if (entry.type === "error" || entry.type === "fatal") process.stderr.write(`minibox: ${text}\n`);
    else if (STDERR_TYPES.has(entry.type)) process.stderr.write(`minibox: ${entry.type}: ${text}\n`);
    else process.stdout.write(`${text}\n`);
  },
};

export const out = createConsola({ reporters: [lineReporter], level: process.env.MINIBOX_DEBUG ? 4 : 3 });
