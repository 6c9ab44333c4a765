// The kernel's process-event connector (netlink, NETLINK_CONNECTOR / CN_IDX_PROC): it broadcasts every
// process exit on the host with its wait status, to any listener with CAP_NET_ADMIN in the initial
// namespaces. It is how a process that is not a container's parent can still learn its exit code: wait()
// works only for one's own children, a pidfd of another process says *that* it ended but not *how*.
// Subscribed to exit events only (the per-socket filter of Linux ≥ 6.6), non-blocking: callers drain it.
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { Errno, SyscallError } from "./errno.ts";

const AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1, CN_VAL_PROC = 1, NLMSG_DONE = 3;
const PROC_CN_MCAST_LISTEN = 1, PROC_EVENT_EXIT = 0x80000000;
const SOL_SOCKET = 1, SO_RCVBUFFORCE = 33;
const ENOBUFS = 105, EPROTONOSUPPORT = 93;
const POLLIN = 0x1;
// struct nlmsghdr (16) + struct cn_msg (20) + struct proc_event { what; cpu; u64 timestamp; event_data }
const WHAT = 36, EXIT_PID = 52, EXIT_TGID = 56, EXIT_CODE = 60;

/** One exit: `status` is in waitpid(2) form (code << 8, or the signal number). */
export interface ProcessExit { pid: number; status: number }

export class ProcessExitEvents {
  private readonly buffer = Buffer.alloc(4096);
  /** Set when the kernel dropped events because the queue overflowed: an exit may have been missed. */
  overflowed = false;

  private constructor(readonly fd: number) {}

  /** Subscribes; undefined when the kernel or our privileges do not allow it (exit codes stay unknown then). */
  static open(): ProcessExitEvents | undefined {
    const fd = libc.socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0) {
      const errno = lastErrno();
      if (errno === EPROTONOSUPPORT || errno === Errno.EPERM || errno === Errno.EACCES) return undefined;
      throw new SyscallError("socket(NETLINK_CONNECTOR)", errno);
    }
    const events = new ProcessExitEvents(fd);
    try {
      const address = Buffer.alloc(12); // struct sockaddr_nl { family; pad; pid; groups }
      address.writeUInt16LE(AF_NETLINK, 0);
      address.writeUInt32LE(CN_IDX_PROC, 8);
      if (libc.bind(fd, address, address.length) !== 0) {
        const errno = lastErrno();
        if (errno === Errno.EPERM || errno === Errno.EACCES) { events.close(); return undefined; }
        throw new SyscallError("bind(CN_IDX_PROC)", errno);
      }
      // A deeper queue than the default: every exit on the host lands here, not only ours. Best effort.
      libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, new Int32Array([4 * 1024 * 1024]), 4);
      const listen = Buffer.alloc(16 + 20 + 8);
      listen.writeUInt32LE(listen.length, 0);
      listen.writeUInt16LE(NLMSG_DONE, 4);
      listen.writeUInt32LE(CN_IDX_PROC, 16);
      listen.writeUInt32LE(CN_VAL_PROC, 20);
      listen.writeUInt16LE(8, 32); // cn_msg.len: struct proc_input { mcast_op; event_type }
      listen.writeUInt32LE(PROC_CN_MCAST_LISTEN, 36);
      listen.writeUInt32LE(PROC_EVENT_EXIT, 40);
      if (Number(libc.send(fd, listen, listen.length, 0)) !== listen.length) {
        const errno = lastErrno();
        if (errno === Errno.EPERM || errno === Errno.EACCES || errno === Errno.EINVAL) { events.close(); return undefined; }
        throw new SyscallError("send(PROC_CN_MCAST_LISTEN)", errno);
      }
    } catch (e) {
      events.close();
      throw e;
    }
    return events;
  }

  /** Reads every queued event without blocking; calls `sink` for each exit of a whole process. */
  drain(sink: (exit: ProcessExit) => void): void {
    for (;;) {
      const n = Number(libc.recv(this.fd, this.buffer, this.buffer.length, 0));
      if (n < 0) {
        const errno = lastErrno();
        if (errno === Errno.EAGAIN) return;
        if (errno === ENOBUFS) { this.overflowed = true; continue; }
        if (errno === Errno.EINTR) continue;
        throw new SyscallError("recv(proc connector)", errno);
      }
      if (n < EXIT_CODE + 4 || this.buffer.readUInt32LE(WHAT) !== PROC_EVENT_EXIT) continue;
      const pid = this.buffer.readInt32LE(EXIT_PID);
      // A thread's exit carries its own tid; only the thread-group leader's is the process's end.
      if (pid !== this.buffer.readInt32LE(EXIT_TGID)) continue;
      sink({ pid, status: this.buffer.readUInt32LE(EXIT_CODE) });
    }
  }

  /** Blocks up to `timeoutMs` until an event is queued; true when one is. */
  waitReadable(timeoutMs: number): boolean {
    const pollfd = new Int32Array([this.fd, POLLIN]);
    return check(libc.poll(pollfd, 1, timeoutMs), "poll", "proc connector") > 0;
  }

  close(): void {
    libc.close(this.fd);
  }
}

/** Docker's exit code for a wait status: the code, or 128 + the signal that killed it. */
export function exitCodeOfStatus(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}
