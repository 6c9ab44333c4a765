import { libc } from "./libc.ts";
import { check } from "./call.ts";

const AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
const SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, IFF_UP = 0x1;

/** Brings an interface of the caller's network namespace up (used for `lo` in a new namespace). */
export function linkUp(name: string): void {
  const fd = check(libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
  try {
    const ifreq = Buffer.alloc(40);
    ifreq.write(name, 0, 15, "utf8");
    check(libc.ioctl(fd, SIOCGIFFLAGS, ifreq), "ioctl(SIOCGIFFLAGS)", name);
    ifreq.writeInt16LE(ifreq.readInt16LE(16) | IFF_UP, 16);
    check(libc.ioctl(fd, SIOCSIFFLAGS, ifreq), "ioctl(SIOCSIFFLAGS)", name);
  } finally {
    libc.close(fd);
  }
}
