// runtime area: how `minibox runtime create/exec` tells an init which inherited fds are its exec FIFO and
// its hold pipe (init/park.ts says what the init does with them). Shared by both sides, like protocol.ts.
const EXEC_FIFO_FLAG = "--exec-fifo-fd=";
// The hold pipe: the runtime process that spawned us keeps its write end until it exits. Bun reaps the
// children it spawned, so a command that ended while that process still ran would be reaped by it, and
// containerd's shim (the subreaper we are re-parented to) would never see the exit. Waiting for EOF here
// means the command runs only once we are no longer that process's child (or it let go on purpose).
const HOLD_FLAG = "--hold-fd=";

function fdFlag(args: readonly string[], prefix: string): number | undefined {
  const flag = args.find((a) => a.startsWith(prefix));
  if (flag === undefined) return undefined;
  const fd = Number(flag.slice(prefix.length));
  if (!Number.isInteger(fd) || fd < 3) throw new Error(`init: bad ${flag}`);
  return fd;
}

/** The init joins a new session keyring (runc's default; `create --no-new-keyring` leaves it out). */
export const NEW_KEYRING_FLAG = "--new-session-keyring";

export const execFifoFdOf = (args: readonly string[]) => fdFlag(args, EXEC_FIFO_FLAG);
export const holdFdOf = (args: readonly string[]) => fdFlag(args, HOLD_FLAG);
export const execFifoFlag = (fd: number) => `${EXEC_FIFO_FLAG}${fd}`;
export const holdFlag = (fd: number) => `${HOLD_FLAG}${fd}`;


// runtime area, hooks: a socket over which the init, its mounts made and before pivot_root, says "ready"
// (one byte) and waits while `create` runs the prestart and createRuntime hooks. `create` then sends the
// container's state JSON (with the init's host pid) and closes its end; EOF without it means: give up.
const HOOKS_FLAG = "--hooks-fd=";
export const hooksFdOf = (args: readonly string[]) => fdFlag(args, HOOKS_FLAG);
export const hooksFlag = (fd: number) => `${HOOKS_FLAG}${fd}`;
export const HOOKS_READY = "r";

// runtime area, --preserve-fds: each fd the caller preserves is inherited by the init (or exec-init) at
// some number and named by one flag, in order; the init moves them to 3, 4, … right before execve.
const PRESERVED_FLAG = "--preserved-fd=";
export const preservedFlag = (fd: number) => `${PRESERVED_FLAG}${fd}`;
export function preservedFdsOf(args: readonly string[]): number[] {
  return args.filter((a) => a.startsWith(PRESERVED_FLAG)).map((a) => {
    const fd = Number(a.slice(PRESERVED_FLAG.length));
    if (!Number.isInteger(fd) || fd < 3) throw new Error(`init: bad ${a}`);
    return fd;
  });
}
