// runtime area (`minibox runtime create`, runc's command line): the init of a created container is fully
// set up, then parked right before execve until a later, separate `start` writes one byte into the
// container's exec FIFO. The init holds the FIFO open read-write (given by `create` as an inherited fd), so
// `start` can open it for writing without blocking, and the init's read never sees EOF while it waits.
import { accessSync, closeSync, constants, readSync } from "node:fs";
import { EXIT } from "../errors.ts";
import { fsPath } from "../oci/bytes-string.ts";
import type { Spec } from "../oci/spec.ts";
import { INIT_ERROR_FD } from "../runtime/protocol.ts";
import { ExecError, lookPath } from "./exec.ts";
import { containerUser } from "./container-user.ts";
import { markErrorPipeClosed } from "./failure.ts";
import type { ExecUser } from "./user.ts";

export { execFifoFdOf, holdFdOf } from "../runtime/park-protocol.ts";

/** Blocks until every writer of the hold pipe is gone. */
export function waitForRelease(holdFd: number): void {
  const buf = Buffer.alloc(16);
  while (readSync(holdFd, buf) > 0) { /* only EOF means go */ }
  closeSync(holdFd);
}

/**
 * As runc: the command is looked up before `create` returns (a missing one fails `create`), then the error
 * pipe is closed, which tells `create` that the container is ready; then we wait for `start`.
 */
export function parkUntilStart(args: readonly string[], env: readonly string[], fifoFd: number | undefined, holdFd?: number, beforeExec?: () => void): void {
  checkCommand(args, env);
  closeSync(INIT_ERROR_FD);
  markErrorPipeClosed();
  if (fifoFd !== undefined) {
    const buf = Buffer.alloc(1);
    let n = 0;
    while (n === 0) n = readSync(fifoFd, buf);
    // The FIFO stays open (close-on-exec) until execve: while we hold it, `start` writing to it does not
    // get EPIPE, which is how it waits for the startContainer hooks and the exec before its poststart hooks.
  }
  if (holdFd !== undefined) waitForRelease(holdFd);
  beforeExec?.();
}

/** The command must exist and be executable: after the error pipe is closed, nobody could be told. */
export function checkCommand(args: readonly string[], env: readonly string[]): void {
  const path = lookPath(args[0]!, env); // a bare name is checked there; a path only here
  try {
    accessSync(fsPath(path), constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ExecError(`exec: "${path}": no such file or directory`, EXIT.NOT_FOUND);
    if (code === "EACCES") throw new ExecError(`exec: "${path}": permission denied`, EXIT.CANNOT_EXECUTE);
    throw e;
  }
}

/** process.user of a plain bundle: ids as given (runc adds no groups from /etc/group); HOME from passwd. */
export function specUser(spec: Spec): ExecUser {
  const { uid, gid, additionalGids } = spec.process.user ?? { uid: 0, gid: 0 };
  let home = "/";
  try {
    home = containerUser(String(uid)).home;
  } catch {
    // a uid without a passwd entry is valid in OCI; HOME stays "/"
  }
  return { uid, gid, additionalGids: [...(additionalGids ?? [])], home };
}
