// With -t the terminal is created inside the container (its own devpts instance), so `tty` names a device
// the container can see; the master goes to the host-side minibox over the console socket. The ptmx is
// resolved inside the root and checked to be a devpts ptmx before it is opened, the slave comes from the
// master (TIOCGPTPEER) and is bound onto a /dev/console fd resolved inside the root: a volume over /dev
// or /dev/pts can decide none of these objects.
import { closeSync } from "node:fs";
import { AT, FS_MAGIC, O, isCharDev, isDir } from "../sys/at.ts";
import { sendFd, setWinsize, makeControllingTerminal, dupStdio } from "../sys/tty.ts";
import { ptyPeer, unlockPty } from "../sys/pty-peer.ts";
import { INIT_CONSOLE_FD } from "../runtime/protocol.ts";
import { openInRoot } from "./secure-join.ts";
import { RootfsError, type RootContext } from "./root-context.ts";

/** Opens the pty, binds its slave over /dev/console, hands the master over; returns the slave fd. */
export function attachConsoleBeforePivot(ctx: RootContext, size?: { height: number; width: number }): number {
  const master = openPtmx(ctx);
  let slave: number;
  try {
    unlockPty(master);
    if (size) setWinsize(master, { rows: size.height, cols: size.width });
    slave = ptyPeer(master);
    bindConsole(ctx, slave);
    sendFd(INIT_CONSOLE_FD, master);
  } finally {
    ctx.sys.close(master);
  }
  closeSync(INIT_CONSOLE_FD);
  return slave;
}

function openPtmx(ctx: RootContext): number {
  const { sys } = ctx;
  const ptmx = openInRoot(sys, ctx.rootFd, "/dev/pts/ptmx");
  try {
    if (!isCharDev(sys.fstatx(ptmx), 5, 2) || sys.fstatfsType(ptmx) !== FS_MAGIC.DEVPTS) {
      throw new RootfsError("the container's /dev/pts/ptmx is not the ptmx of a devpts instance");
    }
    // Reopening the checked O_PATH fd through its magic link opens that very inode.
    return sys.openat(AT.FDCWD, sys.fdPath(ptmx), O.RDWR | O.NOCTTY | O.CLOEXEC);
  } finally {
    sys.close(ptmx);
  }
}

function bindConsole(ctx: RootContext, slave: number): void {
  const { sys } = ctx;
  const target = openInRoot(sys, ctx.rootFd, "/dev/console", { create: "file" });
  try {
    if (isDir(sys.fstatx(target))) throw new RootfsError("the container's /dev/console is a directory");
    const tree = sys.openTreeClone(slave, false);
    try {
      sys.moveMount(tree, target, "/dev/console");
    } finally {
      sys.close(tree);
    }
  } finally {
    sys.close(target);
  }
}

export function takeConsoleAfterPivot(slave: number): void {
  makeControllingTerminal(slave);
  dupStdio(slave);
  if (slave > 2) closeSync(slave);
}
