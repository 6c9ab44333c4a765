// The exec-init: a re-exec of this binary that `minibox exec` spawned inside a running container's
// namespaces (container/exec.ts). It waits until the host has put it into the container's cgroup and sent
// the request, then takes the container's user, capabilities, rlimits, cwd and (with -t) a terminal from
// the container's own devpts, and becomes the command through execve().
//
// CVE-2019-5736: until that execve this is our binary running inside the container's PID namespace, where
// the container's root could open /proc/<pid>/exe and later write through it to the host's minibox (or
// reach the host's filesystem through /proc/<pid>/root before we join the mount namespace). The very first
// thing is therefore PR_SET_DUMPABLE 0: the kernel then refuses /proc/<pid>/{exe,root,cwd,fd,mem} and
// ptrace to anyone without CAP_SYS_PTRACE, which containers do not have. Before that prctl (Bun's start-up)
// the same access is refused by the capability check of ptrace_may_access: we hold every capability, and
// a container's processes hold a strict subset of them.
import { closeSync, fchownSync, readSync } from "node:fs";
import { prctl, PR } from "../sys/proc.ts";
import { chdir, cloexecFrom, setCloexec } from "../sys/fs.ts";
import { SyscallError } from "../sys/errno.ts";
import { openPty, openSlave, sendFd, makeControllingTerminal, dupStdio } from "../sys/tty.ts";
import { EXIT } from "../errors.ts";
import { INIT_ERROR_FD, INIT_START_FD } from "../runtime/protocol.ts";
import { EXEC_CONSOLE_FD, EXEC_MOUNT_NS_FD, type ExecRequest } from "../runtime/exec-protocol.ts";
import { CLONE, setns, unshare } from "../sys/sched.ts";
import type { Process } from "../oci/spec.ts";
import { containerUser } from "./container-user.ts";
import { applyPrivileges, applyRlimits } from "./security.ts";
import { execCommand, ExecError } from "./exec.ts";
import { reportFailure } from "./failure.ts";
import { withGroupAdd } from "./group-add.ts";
import { holdFdOf, parkUntilStart } from "./park.ts";
import { NEW_KEYRING_FLAG, preservedFdsOf } from "../runtime/park-protocol.ts";
import { joinNewSessionKeyring } from "../sys/keyring.ts";
import { placePreservedFds } from "./preserve-fds.ts";


export function execInitMain(argv: string[]): void {
  try {
    prctl(PR.SET_DUMPABLE, 0);
    setCloexec(INIT_ERROR_FD, true);
    enterMountNamespace();
    if (argv.includes(NEW_KEYRING_FLAG)) joinNewSessionKeyring(); // runtime area: before seccomp could forbid it
    run(readRequest(), holdFdOf(argv), preservedFdsOf(argv)); // runtime area: exec -d waits on a hold pipe (init/park.ts); --preserve-fds
  } catch (error) {
    reportFailure(error, "exec-init");
  }
}

/**
 * Joins the container's mount namespace on this (main) thread: its fs_struct must be our own first. The
 * join also sets root and cwd to the namespace's root, the container's "/"; from then on every path is the
 * container's. Bun's other threads stay behind, and end with them at execve.
 */
function enterMountNamespace(): void {
  unshare(CLONE.FS);
  setns(EXEC_MOUNT_NS_FD, CLONE.NEWNS, "container mount namespace");
  closeSync(EXEC_MOUNT_NS_FD);
}

/** The request, once the host closes the start pipe; EOF before any data means the host gave up. */
function readRequest(): ExecRequest {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(INIT_START_FD, buf);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  closeSync(INIT_START_FD);
  if (chunks.length === 0) throw new Error("the host side went away before the command started");
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as ExecRequest;
}

function run(request: ExecRequest, holdFd?: number, preservedFds: number[] = []): never {
  const proc = request.process as Process;
  // setns into the mount namespace put us at the container's root; its cwd is "/" too.
  const user = containerUser(request.user);
  user.additionalGids = withGroupAdd(user.additionalGids, request.groupAdd ?? []); // hardening-flags
  const env = [...proc.env];
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);
  if (proc.terminal) attachTerminal(user.uid);
  applyRlimits(proc);
  try {
    chdir(proc.cwd);
  } catch (e) {
    const why = e instanceof SyscallError ? e.code.toLowerCase() : String(e);
    throw new ExecError(`chdir to cwd ("${proc.cwd}") set in config.json failed: ${describeErrno(why)}`, EXIT.CANNOT_EXECUTE);
  }
  const seccompProgramFile = request.seccompProgramFile ? new Uint8Array(Buffer.from(request.seccompProgramFile, "base64")) : undefined;
  applyPrivileges(proc, user, request.seccomp, seccompProgramFile);
  cloexecFrom(3);
  // runtime area: the preserved fds take 3.. and the error pipe is fd 3, so it is closed first (parking does).
  if (holdFd !== undefined || preservedFds.length > 0) parkUntilStart(proc.args, env, undefined, holdFd);
  placePreservedFds(preservedFds);
  return execCommand(proc.args, env);
}

function describeErrno(code: string): string {
  return code === "enoent" ? "no such file or directory" : code === "eacces" ? "permission denied" : code === "enotdir" ? "not a directory" : code;
}

/**
 * A new pty on the container's own devpts instance (so `tty` names a device the container can see); the
 * master goes to `minibox exec` over the console socket, the slave becomes our controlling terminal and
 * stdio, owned by the user the command runs as (as runc does), so that it may reopen /dev/tty.
 */
function attachTerminal(uid: number): void {
  const pty = openPty("/dev/ptmx");
  const slave = openSlave(pty);
  sendFd(EXEC_CONSOLE_FD, pty.master);
  closeSync(pty.master);
  closeSync(EXEC_CONSOLE_FD);
  fchownSync(slave, uid, -1);
  makeControllingTerminal(slave);
  dupStdio(slave);
  if (slave > 2) closeSync(slave);
}
