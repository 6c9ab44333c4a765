// The contract between the host-side runtime and the container's init (a re-exec of this binary).
// fd 3 in the init: the write end of a close-on-exec pipe. The init writes one JSON InitFailure to it when
// setup or execve fails; a successful execve closes it, and the runtime reads EOF: the command is running.
export const INIT_ERROR_FD = 3;
// fd 4 in the init: the read end of the start pipe. The init blocks on it before doing anything, so that
// the host can first place it in its cgroups; one byte means go, EOF means the host gave up.
export const INIT_START_FD = 4;
export type StartSignal = "go" | "go-without-device-cgroup";
/** When the device cgroup could not be applied, the init drops CAP_MKNOD instead. */
export const START_BYTES: Record<StartSignal, string> = { go: "g", "go-without-device-cgroup": "d" };
// fd 5 in the init, only with a terminal: a unix socket over which the init sends the pty master.
export const INIT_CONSOLE_FD = 5;

export interface InitFailure {
  /** Docker's codes: 127 command not found, 126 cannot execute, 125 anything else. */
  exitCode: number;
  message: string;
}
