// With -t the terminal is created inside the container (its own devpts instance), so `tty` names a device
// the container can see; the master goes to the host-side minibox over the console socket.
import { closeSync } from "node:fs";
import { mount, MS } from "../sys/mount.ts";
import { openPty, openSlave, sendFd, setWinsize, makeControllingTerminal, dupStdio } from "../sys/tty.ts";
import { INIT_CONSOLE_FD } from "../runtime/protocol.ts";

/** Opens the pty, binds its slave over /dev/console, hands the master over; returns the slave fd. */
export function attachConsoleBeforePivot(root: string, size?: { height: number; width: number }): number {
  const pty = openPty(`${root}/dev/pts/ptmx`);
  if (size) setWinsize(pty.master, { rows: size.height, cols: size.width });
  const slave = openSlave(pty);
  mount(pty.slavePath, `${root}/dev/console`, null, MS.BIND);
  sendFd(INIT_CONSOLE_FD, pty.master);
  closeSync(pty.master);
  closeSync(INIT_CONSOLE_FD);
  return slave;
}

export function takeConsoleAfterPivot(slave: number): void {
  makeControllingTerminal(slave);
  dupStdio(slave);
  if (slave > 2) closeSync(slave);
}
