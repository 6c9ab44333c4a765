// The contract between the host-side runtime and the container's init (a re-exec of this binary).
// fd 3 in the init: the write end of a close-on-exec pipe. The init writes one JSON InitFailure to it when
// setup or execve fails; a successful execve closes it, and the runtime reads EOF: the command is running.
export const INIT_ERROR_FD = 3;
// fd 4 in the init, only with a terminal: a unix socket over which the init sends the pty master.
export const INIT_CONSOLE_FD = 4;

export interface InitFailure {
  /** Docker's codes: 127 command not found, 126 cannot execute, 125 anything else. */
  exitCode: number;
  message: string;
}
