// Pseudo-terminals, termios, window sizes and descriptor passing (SCM_RIGHTS) for `run -t` and
// `--console-socket`. Ioctl numbers and struct layouts are the asm-generic ones shared by x86_64 and aarch64.
import { ptr, type Pointer } from "bun:ffi";
import { lstatSync } from "node:fs";
import { dirname } from "node:path";
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { setCloexec } from "./fs.ts";
import { SyscallError } from "./errno.ts";

const O_RDWR = 0o2, O_NOCTTY = 0o400, O_CLOEXEC = 0o2000000;
const TIOCSPTLCK = 0x40045431, TIOCGPTN = 0x80045430, TIOCGPTPEER = 0x5441;
const TIOCSCTTY = 0x540e, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
const TCSANOW = 0;
const EINTR = 4, EPERM = 1, ENOTTY = 25, EINVAL = 22, ENODATA = 61;
// glibc's struct termios is 60 bytes; a little slack costs nothing.
const TERMIOS_SIZE = 64;

export interface Pty {
  master: number;
  /** The slave's path as seen through the same mount as `ptmxPath`. */
  slavePath: string;
}

/**
 * The devpts directory a ptmx path belongs to. The kernel resolves a `ptmx` device node outside devpts
 * through its sibling `pts` directory; the `ptmx` inside a devpts mount sits next to the slaves, and
 * devpts never has subdirectories.
 */
function ptsDirOf(ptmxPath: string): string {
  const dir = dirname(ptmxPath);
  const sibling = `${dir}/pts`;
  return lstatSync(sibling, { throwIfNoEntry: false })?.isDirectory() ? sibling : dir;
}

/**
 * Opens a new pty on the devpts instance behind `ptmxPath` and unlocks it. glibc's ptsname() would name the
 * slave under the caller's /dev/pts, which is the wrong instance for a container's devpts, so the slave is
 * named from the ptmx path: `<root>/dev/pts/ptmx` → `<root>/dev/pts/N`, `/dev/ptmx` → `/dev/pts/N`.
 */
export function openPty(ptmxPath = "/dev/ptmx"): Pty {
  const master = check(libc.open(cstr(ptmxPath), O_RDWR | O_NOCTTY | O_CLOEXEC, 0), "open", ptmxPath);
  try {
    check(libc.ioctl(master, TIOCSPTLCK, new Int32Array([0])), "ioctl(TIOCSPTLCK)", ptmxPath);
    const n = new Uint32Array(1);
    check(libc.ioctl(master, TIOCGPTN, n), "ioctl(TIOCGPTN)", ptmxPath);
    return { master, slavePath: `${ptsDirOf(ptmxPath)}/${n[0]}` };
  } catch (e) {
    libc.close(master);
    throw e;
  }
}

/**
 * Opens the slave of `pty`. TIOCGPTPEER (Linux ≥ 4.13) gets it from the master itself, so a path swapped
 * under us (a container controls its /dev/pts) cannot redirect the open; the path is the fallback.
 */
export function openSlave(pty: Pty): number {
  const flags = O_RDWR | O_NOCTTY | O_CLOEXEC;
  const fd = libc.ioctl(pty.master, TIOCGPTPEER, flags as Pointer);
  if (fd >= 0) return fd;
  const errno = lastErrno();
  if (errno !== EINVAL && errno !== ENOTTY) throw new SyscallError("ioctl(TIOCGPTPEER)", errno, pty.slavePath);
  return check(libc.open(cstr(pty.slavePath), flags, 0), "open", pty.slavePath);
}

/** Starts a new session with `slaveFd` as its controlling terminal: for the init, just before exec. */
export function makeControllingTerminal(slaveFd: number): void {
  // setsid fails with EPERM for a process-group leader; if that leader already leads its own session
  // without a terminal, TIOCSCTTY still works, and otherwise TIOCSCTTY reports the real problem.
  const sid = libc.setsid();
  const setsidErrno = sid === -1 ? lastErrno() : 0;
  if (setsidErrno && setsidErrno !== EPERM) throw new SyscallError("setsid", setsidErrno);
  if (libc.ioctl(slaveFd, TIOCSCTTY, 0 as Pointer) === -1) {
    throw new SyscallError("ioctl(TIOCSCTTY)", lastErrno(), undefined, setsidErrno ? "setsid failed with EPERM" : undefined);
  }
}

/** Makes `fd` the process's stdin, stdout and stderr, all of them surviving exec. */
export function dupStdio(fd: number): void {
  for (const target of [0, 1, 2]) {
    // dup2 clears close-on-exec on its copy, but does nothing when fd already is the target.
    if (fd === target) setCloexec(fd, false);
    else check(libc.dup2(fd, target), "dup2", String(target));
  }
}

export interface Winsize {
  rows: number;
  cols: number;
}

export function getWinsize(fd: number): Winsize {
  const ws = new Uint16Array(4);
  check(libc.ioctl(fd, TIOCGWINSZ, ws), "ioctl(TIOCGWINSZ)", String(fd));
  return { rows: ws[0]!, cols: ws[1]! };
}

export function setWinsize(fd: number, size: Winsize): void {
  const ws = new Uint16Array([size.rows, size.cols, 0, 0]);
  check(libc.ioctl(fd, TIOCSWINSZ, ws), "ioctl(TIOCSWINSZ)", String(fd));
}

export function isatty(fd: number): boolean {
  return libc.tcgetattr(fd, new Uint8Array(TERMIOS_SIZE)) === 0;
}

/** Saved terminal attributes, opaque to callers. */
export interface Termios {
  readonly bytes: Uint8Array;
}

export function getTermios(fd: number): Termios {
  const bytes = new Uint8Array(TERMIOS_SIZE);
  check(libc.tcgetattr(fd, bytes), "tcgetattr", String(fd));
  return { bytes };
}

/** Puts the terminal in raw mode and returns the previous attributes for restoreTermios(). */
export function makeRaw(fd: number): Termios {
  const saved = getTermios(fd);
  const raw = Uint8Array.from(saved.bytes);
  libc.cfmakeraw(raw);
  check(libc.tcsetattr(fd, TCSANOW, raw), "tcsetattr", String(fd));
  return saved;
}

// compat-cli (login's password prompt): c_lflag is the 4th uint32 of struct termios; ECHO is 0o10 there.
const C_LFLAG_OFFSET = 12, ECHO = 0o10;

/** Stops the terminal echoing what is typed (line editing stays); returns the attributes for restoreTermios(). */
export function disableEcho(fd: number): Termios {
  const saved = getTermios(fd);
  const quiet = Uint8Array.from(saved.bytes);
  const view = new DataView(quiet.buffer);
  view.setUint32(C_LFLAG_OFFSET, view.getUint32(C_LFLAG_OFFSET, true) & ~ECHO, true);
  check(libc.tcsetattr(fd, TCSANOW, quiet), "tcsetattr", String(fd));
  return saved;
}

export function restoreTermios(fd: number, saved: Termios): void {
  check(libc.tcsetattr(fd, TCSANOW, saved.bytes), "tcsetattr", String(fd));
}

const F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;
/** Sets or clears O_NONBLOCK on the open file description (shared by every dup of `fd`). */
export function setNonBlocking(fd: number, on: boolean): void {
  const flags = check(libc.fcntl(fd, F_GETFL, 0), "fcntl(F_GETFL)", String(fd));
  const next = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (next !== flags) check(libc.fcntl(fd, F_SETFL, next), "fcntl(F_SETFL)", String(fd));
}

const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000, MSG_CTRUNC = 0x8;
// 64-bit layouts: struct msghdr 56 bytes, struct iovec 16, struct cmsghdr header 16 (CMSG_LEN(4) = 20,
// CMSG_SPACE(4) = 24).
const MSGHDR_SIZE = 56, CMSG_HDR = 16;

export function socketPair(): [number, number] {
  const fds = new Int32Array(2);
  check(libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
  return [fds[0]!, fds[1]!];
}

/** Builds a msghdr over one data byte and a control buffer; the caller keeps `keep` alive during the call. */
function msghdr(data: Uint8Array, control: Uint8Array): { hdr: Buffer; keep: unknown[] } {
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(BigInt(ptr(data)), 0);
  iov.writeBigUInt64LE(BigInt(data.length), 8);
  const hdr = Buffer.alloc(MSGHDR_SIZE);
  hdr.writeBigUInt64LE(BigInt(ptr(iov)), 16); // msg_iov
  hdr.writeBigUInt64LE(1n, 24); // msg_iovlen
  hdr.writeBigUInt64LE(BigInt(ptr(control)), 32); // msg_control
  hdr.writeBigUInt64LE(BigInt(control.length), 40); // msg_controllen
  return { hdr, keep: [data, control, iov] };
}

/** Sends `fd` over a unix socket with one data byte (a stream socket cannot carry control data alone). */
export function sendFd(sock: number, fd: number): void {
  const control = Buffer.alloc(24);
  control.writeBigUInt64LE(BigInt(CMSG_HDR + 4), 0);
  control.writeInt32LE(SOL_SOCKET, 8);
  control.writeInt32LE(SCM_RIGHTS, 12);
  control.writeInt32LE(fd, 16);
  const m = msghdr(new Uint8Array([0]), control);
  for (;;) {
    if (Number(libc.sendmsg(sock, m.hdr, MSG_NOSIGNAL)) >= 0) break;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SyscallError("sendmsg", errno, `fd ${fd}`);
  }
  void m.keep;
}

/**
 * Blocks until one descriptor arrives on `sock` and returns it (close-on-exec). Extra descriptors a peer
 * might push along are closed, so a hostile sender cannot leak fds into us.
 */
export function receiveFd(sock: number): number {
  const control = Buffer.alloc(CMSG_HDR + 4 * 16);
  const m = msghdr(new Uint8Array(1), control);
  let n: number;
  for (;;) {
    n = Number(libc.recvmsg(sock, m.hdr, MSG_CMSG_CLOEXEC));
    if (n >= 0) break;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SyscallError("recvmsg", errno, `socket ${sock}`);
  }
  void m.keep;
  const fds: number[] = [];
  const controllen = Number(m.hdr.readBigUInt64LE(40));
  for (let off = 0; off + CMSG_HDR <= controllen; ) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < CMSG_HDR) break;
    if (control.readInt32LE(off + 8) === SOL_SOCKET && control.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let p = off + CMSG_HDR; p + 4 <= off + len; p += 4) fds.push(control.readInt32LE(p));
    }
    off += (len + 7) & ~7;
  }
  const [fd, ...extra] = fds;
  for (const e of extra) libc.close(e);
  if (fd === undefined) {
    const why = n === 0 ? "peer closed" : m.hdr.readInt32LE(48) & MSG_CTRUNC ? "control data truncated" : "no SCM_RIGHTS";
    throw new SyscallError("recvmsg", ENODATA, `socket ${sock}`, `no descriptor received: ${why}`);
  }
  return fd;
}

// [cli] The foreground process group of a pty, to hang it up as a closed terminal would.
const TIOCGPGRP = 0x540f;
/** The foreground process group of the terminal whose master is `master`, as a pid in our namespace. */
export function foregroundGroup(master: number): number {
  const pgrp = new Int32Array(1);
  check(libc.ioctl(master, TIOCGPGRP, pgrp), "ioctl(TIOCGPGRP)", String(master));
  return pgrp[0]!;
}
