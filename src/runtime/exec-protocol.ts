// The contract between `minibox exec` (host side) and its exec-init (a re-exec of this binary spawned
// inside the container's namespaces). fd 3 and 4 are the init's (runtime/protocol.ts): 3 the close-on-exec
// error pipe (one JSON InitFailure, or EOF once the command runs), 4 the start pipe. Unlike the init's
// one go byte, the start pipe carries the whole request, written only after the host has moved the
// exec-init into the container's cgroup: EOF ends the request and means go.
import type { Process, Seccomp } from "../oci/spec.ts";

/** fd 5: the container's mount namespace, which the exec-init joins itself (runtime/join.ts says why). */
export const EXEC_MOUNT_NS_FD = 5;
/** fd 6, only with a terminal: the unix socket over which the exec-init sends the pty master. */
export const EXEC_CONSOLE_FD = 6;

export interface ExecRequest {
  /** args, env (without HOME, added from the user's passwd entry), cwd, terminal, capabilities, rlimits. */
  process: Omit<Process, "user">;
  /** As for -u: name or uid, optionally :group or :gid; resolved in the container's /etc/passwd and /etc/group. */
  user: string;
  /** The container's seccomp profile, loaded by the exec-init as by the init; absent when unconfined. */
  seccomp?: Seccomp;
  /** The bundle's compiled seccomp program file (seccomp/program-file.ts), base64; checked before use. */
  seccompProgramFile?: string;
  /** hardening-flags: the container's --group-add (names resolved in its /etc/group by the exec-init). */
  groupAdd?: string[];
}
