// eventfd (for cgroup v1's memory.oom_control notifications) and poll over several fds.
import { libc } from "./libc.ts";
import { check } from "./call.ts";

// eventfd2 has different numbers per architecture; libc's wrapper is not in the dlopen table.
const SYS_EVENTFD2: Partial<Record<string, number>> = { x64: 290, arm64: 19 };
const EFD_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000;

export function eventfd(): number {
  const nr = SYS_EVENTFD2[process.arch];
  if (nr === undefined) throw new Error(`eventfd: unsupported architecture ${process.arch}`);
  return Number(check(libc.syscall(nr, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0, 0), "eventfd2"));
}

export const POLLIN = 0x1, POLLPRI = 0x2, POLLERR = 0x8, POLLHUP = 0x10;

/** poll(2): blocks up to `timeoutMs` (-1: forever); returns each fd's revents, in order. */
export function pollFds(fds: readonly { fd: number; events: number }[], timeoutMs: number): number[] {
  // struct pollfd { int fd; short events; short revents; }: two int32 slots per fd
  const buf = new Int32Array(fds.length * 2);
  fds.forEach((f, i) => { buf[i * 2] = f.fd; buf[i * 2 + 1] = f.events & 0xffff; });
  check(libc.poll(buf, fds.length, Math.max(-1, Math.floor(timeoutMs))), "poll");
  return fds.map((_, i) => (buf[i * 2 + 1]! >>> 16) & 0xffff);
}
