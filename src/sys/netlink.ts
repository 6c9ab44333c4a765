// An AF_NETLINK/NETLINK_ROUTE socket: open (optionally inside another network namespace), send one
// request, read datagrams. Message layout lives in network/rtnetlink.ts; this file only moves bytes.
import { openSync, closeSync, constants } from "node:fs";
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { Errno, SyscallError } from "./errno.ts";
import { CLONE, setns } from "./sched.ts";
import { O_CLOEXEC } from "./fs.ts";

const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_ROUTE = 0, MSG_TRUNC = 0x20;

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

/**
 * One datagram from the kernel (blocking); the kernel sends each reply, and each part of a dump, as its
 * own datagram. A socket opened inside a container's namespace could also receive datagrams from a
 * process there with CAP_NET_ADMIN: anything whose sender (sockaddr_nl.nl_pid) is not the kernel (0) is
 * dropped unread.
 */
export function netlinkReceive(fd: number, buffer: Uint8Array): Uint8Array {
  const from = Buffer.alloc(12); // struct sockaddr_nl
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(BigInt(ptr(buffer)), 0);
  iov.writeBigUInt64LE(BigInt(buffer.length), 8);
  const hdr = Buffer.alloc(56); // struct msghdr (64-bit)
  for (;;) {
    hdr.fill(0);
    hdr.writeBigUInt64LE(BigInt(ptr(from)), 0); // msg_name
    hdr.writeUInt32LE(from.length, 8); // msg_namelen
    hdr.writeBigUInt64LE(BigInt(ptr(iov)), 16); // msg_iov
    hdr.writeBigUInt64LE(1n, 24); // msg_iovlen
    const n = Number(libc.recvmsg(fd, hdr, 0));
    if (n < 0) {
      const errno = lastErrno();
      if (errno !== Errno.EINTR) throw new SyscallError("recvmsg(netlink)", errno);
      continue;
    }
    if ((hdr.readInt32LE(48) & MSG_TRUNC) !== 0) throw new SyscallError("recvmsg(netlink)", 90 /* EMSGSIZE */, undefined, "datagram larger than the buffer");
    if (from.readUInt16LE(0) !== AF_NETLINK || from.readUInt32LE(4) !== 0) continue; // not from the kernel
    return buffer.subarray(0, n);
  }
}

export function closeNetlinkSocket(fd: number): void {
  libc.close(fd);
}
