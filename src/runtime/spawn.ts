// Starting the container's init. Bun always runs several threads, so a fork()/clone() from JS is out;
// instead the main thread unshares the namespaces (that applies to this thread only), Bun.spawn()s the
// re-exec of our own binary (the child inherits them; the first child is PID 1 of the new PID namespace),
// and the thread then setns()es back to the host namespaces it saved. Measured in docs/design.md.
import { openSync, closeSync, writeSync, constants } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { NAMESPACES, setns, unshare, type NamespaceType } from "../sys/sched.ts";
import { pipe, O_CLOEXEC } from "../sys/fs.ts";
import { socketPair } from "../sys/tty.ts";
import { START_BYTES, type StartSignal } from "./protocol.ts";

export interface InitStdio {
  stdin: "inherit" | "ignore" | number;
  stdout: "inherit" | "ignore" | "pipe" | number;
  stderr: "inherit" | "ignore" | "pipe" | number;
}

/** runtime area (runc's command line): what `minibox runtime create` adds to an init. */
export interface RuntimeSpawnOptions {
  /** A connected socket (runc's --console-socket) that becomes the init's console fd. */
  consoleSocket?: number;
  /** Fds the init inherits (the exec FIFO, the hold pipe), each at the number it is told through `flag(fd)`. */
  inherit?: { fd: number; flag(fd: number): string }[];
  /** More flags for the init (runtime/park-protocol.ts). */
  initFlags?: string[];
}

export interface SpawnedInit {
  proc: Subprocess;
  /** Lets the init go on past its first step; call once the host-side setup (cgroups) is done. */
  release(how: StartSignal): void;
  /** Read end of the init's error pipe: EOF without data means the command was exec'd. */
  errorFd: number;
  /** Our end of the console socket, when the container has a terminal. */
  consoleSocket?: number;
}

/** argv that runs this same program again, compiled or from source. */
export function selfCommand(...args: string[]): string[] {
  // In the compiled binary our modules live in Bun's embedded /$bunfs; from source, run src/main.ts.
  // (__dirname, not import.meta: the compiled binary is CommonJS so that it can carry bytecode.)
  const compiled = Bun.main.startsWith("/$bunfs/");
  return compiled ? ["/proc/self/exe", ...args] : [process.execPath, join(__dirname, "..", "main.ts"), ...args];
}

/**
 * `namespaces`: every namespace the container has; those in `joins` (fds of existing namespaces, e.g. of
 * --pid container:X) are entered with setns instead of being created.
 */
export function spawnInit(bundle: string, namespaces: NamespaceType[], stdio: InitStdio, terminal: boolean, joins: { ns: NamespaceType; fd: number }[] = [], runtime: RuntimeSpawnOptions = {}): SpawnedInit {
  const [errorRead, errorWrite] = pipe();
  const [startRead, startWrite] = pipe();
  // runtime area: with runc's --console-socket the init sends the master straight to the caller's socket.
  const console = terminal && runtime.consoleSocket === undefined ? socketPair() : undefined;
  const extra = console ? [errorWrite, startRead, console[1]] : [errorWrite, startRead];
  if (terminal && runtime.consoleSocket !== undefined) extra.push(runtime.consoleSocket);
  const initArgs: string[] = [];
  for (const { fd, flag } of runtime.inherit ?? []) {
    initArgs.push(flag(3 + extra.length));
    extra.push(fd);
  }
  initArgs.push(...(runtime.initFlags ?? []));

  // The cgroup namespace is left to the init: it must be created after the init was moved into its
  // cgroup, so that the container sees that cgroup as its root.
  const joined = new Set(joins.map((j) => j.ns));
  const flags = namespaces.filter((ns) => ns !== "cgroup" && !joined.has(ns)).reduce((acc, ns) => acc | NAMESPACES[ns].flag, 0);
  const saved = namespaces.map((ns) => ({ ns, fd: openSync(`/proc/self/ns/${NAMESPACES[ns].proc}`, constants.O_RDONLY | O_CLOEXEC) }));
  let proc: Subprocess;
  try {
    try {
      unshare(flags);
      for (const { ns, fd } of joins) setns(fd, NAMESPACES[ns].flag, `joined ${NAMESPACES[ns].proc} namespace`);
      proc = Bun.spawn(selfCommand("init", bundle, ...initArgs), {
        stdio: terminal ? ["ignore", "ignore", "ignore", ...extra] : [stdio.stdin, stdio.stdout, stdio.stderr, ...extra],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", MINIBOX_DEBUG: process.env.MINIBOX_DEBUG ?? "", MINIBOX_TRACE: process.env.MINIBOX_TRACE ?? "" },
      });
    } finally {
      // Back to the host namespaces whatever happened: the rest of this process works on the host side.
      for (const { ns, fd } of saved) setns(fd, 0, `/proc/self/ns/${NAMESPACES[ns].proc}`);
    }
  } finally {
    for (const { fd } of saved) closeSync(fd);
    closeSync(errorWrite);
    closeSync(startRead);
    if (console) closeSync(console[1]);
  }
  let released = false;
  const release = (how: StartSignal) => {
    if (released) return;
    released = true;
    try { writeSync(startWrite, START_BYTES[how]); } finally { closeSync(startWrite); }
  };
  return { proc, release, errorFd: errorRead, consoleSocket: console?.[0] };
}
