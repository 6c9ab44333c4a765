// A pty from a ptmx descriptor the caller already opened and checked: unlock it and get the slave from the
// master itself (TIOCGPTPEER, Linux ≥ 4.13), so no /dev/pts/N path is ever looked up.
import type { Pointer } from "bun:ffi";
import { libc } from "./libc.ts";
import { check } from "./call.ts";
import { O } from "./at.ts";

const TIOCSPTLCK = 0x40045431, TIOCGPTPEER = 0x5441;

export function unlockPty(master: number): void {
  check(libc.ioctl(master, TIOCSPTLCK, new Int32Array([0])), "ioctl(TIOCSPTLCK)", `fd ${master}`);
}

/** The slave of `master`, opened read-write, not as controlling terminal, close-on-exec. */
export function ptyPeer(master: number): number {
  return check(libc.ioctl(master, TIOCGPTPEER, (O.RDWR | O.NOCTTY | O.CLOEXEC) as unknown as Pointer), "ioctl(TIOCGPTPEER)", `fd ${master}`);
}
