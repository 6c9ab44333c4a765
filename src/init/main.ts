// The container's first process: a re-exec of this binary inside the new namespaces (see
// runtime/spawn.ts). It prepares the root, drops privileges and finishes in execve(), which also ends
// Bun's extra threads. It never runs container code itself, and no minibox process stays behind.
import { closeSync, readFileSync, readSync } from "node:fs";
import type { Spec } from "../oci/spec.ts";
import { ANNOTATION } from "../oci/spec.ts";
import { sethostname, unshare, CLONE } from "../sys/sched.ts";
import { linkUp } from "../sys/net.ts";
import { chdir, cloexecFrom, setCloexec } from "../sys/fs.ts";
import { trace } from "../trace.ts";
import { INIT_ERROR_FD, INIT_START_FD, START_BYTES, type StartSignal } from "../runtime/protocol.ts";
import { buildRoot, enterRoot } from "./rootfs.ts";
import { containerUser } from "./container-user.ts";
import { applyPrivileges, applyRlimits } from "./security.ts";
import { readSeccompProgramFile } from "../seccomp/program-file.ts";
import { execCommand } from "./exec.ts";
import { reportFailure } from "./failure.ts";
import { takeConsoleAfterPivot } from "./console.ts";
import { applySysctls } from "./sysctl.ts";
import { createSpecDevices } from "./spec-devices.ts";
import { groupAddOf, withGroupAdd } from "./group-add.ts";
import { execFifoFdOf, holdFdOf, parkUntilStart, specUser } from "./park.ts";
import { NEW_KEYRING_FLAG, hooksFdOf, preservedFdsOf } from "../runtime/park-protocol.ts";
import { placePreservedFds } from "./preserve-fds.ts";
import { handOverForRuntimeHooks, runCreateContainerHooks, runStartContainerHooks } from "./hooks.ts";
import { joinNewSessionKeyring } from "../sys/keyring.ts";

export function initMain(argv: string[]): void {
  try {
    setCloexec(INIT_ERROR_FD, true);
    const bundle = argv[0];
    if (!bundle) throw new Error("init: no bundle given");
    const spec = JSON.parse(readFileSync(`${bundle}/config.json`, "utf8")) as Spec;
    if (argv.includes(NEW_KEYRING_FLAG)) joinNewSessionKeyring(); // runtime area: before seccomp could forbid it
    run(spec, readSeccompProgramFile(bundle), execFifoFdOf(argv.slice(1)), holdFdOf(argv.slice(1)), hooksFdOf(argv.slice(1)), preservedFdsOf(argv.slice(1)));
  } catch (error) {
    reportFailure(error);
  }
}

function run(spec: Spec, seccompProgramFile: Uint8Array | undefined, execFifoFd?: number, holdFd?: number, hooksFd?: number, preservedFds: number[] = []): never {
  if (waitForGo() === "go-without-device-cgroup") dropCapability(spec, "CAP_MKNOD");
  if (spec.linux.namespaces.some((n) => n.type === "cgroup" && !n.path)) unshare(CLONE.NEWCGROUP);
  trace("init: spec read");
  applySysctls(spec.linux.sysctl); // hardening-flags: in our namespaces already, before any container mount
  const root = spec.root.path;
  const console = buildRoot(spec);
  createSpecDevices(root, spec.linux.devices); // hardening-flags
  trace("init: mounts done");
  // runtime area, hooks: prestart/createRuntime by `create`, then createContainer here, before pivot_root.
  const hookState = hooksFd !== undefined ? handOverForRuntimeHooks(hooksFd) : undefined;
  if (hookState) runCreateContainerHooks(spec, hookState);
  enterRoot(root, spec.root.readonly ?? false);
  if (console !== undefined) takeConsoleAfterPivot(console);

  // Only in a UTS namespace of our own: with --uts host this would rename the host.
  if (spec.hostname && spec.linux.namespaces.some((n) => n.type === "uts" && !n.path)) sethostname(spec.hostname);
  if (spec.linux.namespaces.some((n) => n.type === "network" && !n.path)) linkUp("lo");

  // runtime area: a plain OCI bundle (no minibox user annotation) names its user by number in process.user.
  const annotatedUser = spec.annotations?.[ANNOTATION.user];
  const user = annotatedUser === undefined ? specUser(spec) : containerUser(annotatedUser);
  user.additionalGids = withGroupAdd(user.additionalGids, groupAddOf(spec)); // hardening-flags
  const env = [...spec.process.env];
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);

  applyRlimits(spec.process);
  chdir(spec.process.cwd);
  applyPrivileges(spec.process, user, spec.linux.seccomp, seccompProgramFile);
  cloexecFrom(3);
  if (execFifoFd !== undefined || holdFd !== undefined) parkUntilStart(spec.process.args, env, execFifoFd, holdFd, () => runStartContainerHooks(spec, hookState)); // runtime area
  placePreservedFds(preservedFds); // runtime area: --preserve-fds
  trace("init: exec");
  return execCommand(spec.process.args, env);
}

/** The host moves us into our cgroups first; only then may the cgroup namespace be created. */
function waitForGo(): StartSignal {
  const buf = Buffer.alloc(1);
  const n = readSync(INIT_START_FD, buf);
  closeSync(INIT_START_FD);
  const signal = (Object.keys(START_BYTES) as StartSignal[]).find((k) => START_BYTES[k] === buf.toString("latin1", 0, n));
  if (!signal) throw new Error("the host side went away before the container started");
  return signal;
}

function dropCapability(spec: Spec, cap: string): void {
  const caps = spec.process.capabilities;
  if (!caps) return;
  for (const set of [caps.bounding, caps.effective, caps.permitted, caps.inheritable, caps.ambient]) {
    const i = set.indexOf(cap);
    if (i >= 0) set.splice(i, 1);
  }
}
