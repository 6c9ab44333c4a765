// An AF_NETLINK/NETLINK_ROUTE socket: open (optionally inside another network namespace), send one
// request, read datagrams. Message layout lives in network/rtnetlink.ts; this file only moves bytes.
import { openSync, closeSync, constants } from "node:fs";
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { Errno, SyscallError } from "./errno.ts";
import { CLONE, setns } from "./sched.ts";
import { O_CLOEXEC } from "./fs.ts";

const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_ROUTE = 0;

/** A netlink socket of the network namespace that was current when it was opened. */
export function openNetlinkSocket(): number {
  return check(libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket(AF_NETLINK)");
}

/**
 * A netlink socket living in the network namespace `nsFd` refers to. A socket stays in the namespace it was
 * created in, so the calling thread enters the namespace just long enough to create it, then goes back.
 */
export function openNetlinkSocketIn(nsFd: number, what: string): number {
  const home = openSync("/proc/thread-self/ns/net", constants.O_RDONLY | O_CLOEXEC);
  try {
    setns(nsFd, CLONE.NEWNET, what);
    try {
      return openNetlinkSocket();
    } finally {
      setns(home, CLONE.NEWNET, "/proc/thread-self/ns/net");
    }
  } finally {
    closeSync(home);
  }
}

export function netlinkSend(fd: number, message: Uint8Array): void {
  for (;;) {
    const n = Number(libc.write(fd, message, message.length));
    if (n === message.length) return;
    if (n >= 0) throw new SyscallError("write(netlink)", 5 /* EIO */, undefined, `short write ${n}/${message.length}`);
    const errno = lastErrno();
    if (errno !== Errno.EINTR) throw new SyscallError("write(netlink)", errno);
  }
}

/** One datagram (blocking); the kernel sends each reply, and each part of a dump, as its own datagram. */
export function netlinkReceive(fd: number, buffer: Uint8Array): Uint8Array {
  for (;;) {
    const n = Number(libc.read(fd, buffer, buffer.length));
    if (n >= 0) return buffer.subarray(0, n);
    const errno = lastErrno();
    if (errno !== Errno.EINTR) throw new SyscallError("read(netlink)", errno);
  }
}

export function closeNetlinkSocket(fd: number): void {
  libc.close(fd);
}
