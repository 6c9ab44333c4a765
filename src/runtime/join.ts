// Spawning a process inside a running container's namespaces (`exec`). Bun always runs several threads;
// setns() on the main thread applies to that thread, and a child Bun.spawn()s from it inherits the
// namespaces — through the PID namespace it lands inside the container. Then the thread setns()es back to
// the host namespaces it saved (../../shared/DESIGN.md §1).
//
// The mount namespace is the exception: it is left to the child. Bun resolves the program to spawn in
// the parent, and from inside the container's mount namespace neither our binary's host path nor
// /proc/self/exe (the container's procfs does not show a host process) can be found. The child receives
// the namespace as an fd and joins it itself (init/exec-main.ts), before it reads anything.
import { closeSync, openSync, constants } from "node:fs";
import type { Subprocess } from "bun";
import { NAMESPACES, setns, type NamespaceType } from "../sys/sched.ts";
import { O_CLOEXEC } from "../sys/fs.ts";

type Stdio = "inherit" | "ignore" | number;

/** What the spawning thread joins; "mount" is opened too, for the child to join. */
const JOIN_ORDER: NamespaceType[] = ["uts", "ipc", "network", "cgroup", "pid"];
const ALL: NamespaceType[] = [...JOIN_ORDER, "mount"];

export interface NamespaceFds { ns: NamespaceType; fd: number }

/**
 * Opens /proc/<pid>/ns/* of the container's init. The caller checks afterwards that `pid` is still the
 * container's process: the fds then pin the right namespaces even if the pid is reused later.
 */
export function openNamespaces(pid: number): NamespaceFds[] {
  const opened: NamespaceFds[] = [];
  try {
    for (const ns of ALL) opened.push({ ns, fd: openSync(`/proc/${pid}/ns/${NAMESPACES[ns].proc}`, constants.O_RDONLY | O_CLOEXEC) });
  } catch (e) {
    closeNamespaces(opened);
    throw e;
  }
  return opened;
}

export function closeNamespaces(fds: NamespaceFds[]): void {
  for (const { fd } of fds) closeSync(fd);
}

/** Spawns `argv` (a host path) in every namespace of `opened` but the mount namespace. */
export function spawnJoined(opened: NamespaceFds[], argv: string[], stdio: [Stdio, Stdio, Stdio, ...number[]], env: Record<string, string>): Subprocess {
  const target = opened.filter(({ ns }) => ns !== "mount");
  // O_CLOEXEC: a host namespace fd must never reach the container (it could setns back out through it).
  const saved = target.map(({ ns }) => ({ ns, fd: openSync(`/proc/self/ns/${NAMESPACES[ns].proc}`, constants.O_RDONLY | O_CLOEXEC) }));
  try {
    try {
      for (const { ns, fd } of target) setns(fd, NAMESPACES[ns].flag, `container ${NAMESPACES[ns].proc} namespace`);
      return Bun.spawn(argv, { stdio, env });
    } finally {
      // Back to the host's namespaces whatever happened.
      for (const { ns, fd } of [...saved].reverse()) setns(fd, NAMESPACES[ns].flag, `host ${NAMESPACES[ns].proc} namespace`);
    }
  } finally {
    closeNamespaces(saved);
  }
}

/** The fd of the container's mount namespace among `opened`. */
export function mountNamespaceFd(opened: NamespaceFds[]): number {
  const entry = opened.find(({ ns }) => ns === "mount");
  if (!entry) throw new Error("mount namespace not opened");
  return entry.fd;
}
