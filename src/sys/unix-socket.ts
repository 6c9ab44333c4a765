// runtime area: a client connection to a unix stream socket given by path (runc's --console-socket), as a
// raw fd, so that it can be inherited by the container's init, which sends the pty master over it.
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { SyscallError } from "./errno.ts";

const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
const SUN_PATH_MAX = 108;
const EINTR = 4;

export function connectUnix(path: string): number {
  const bytes = Buffer.from(path);
  if (bytes.length >= SUN_PATH_MAX) throw new SyscallError("connect", 36 /* ENAMETOOLONG */, path);
  const address = Buffer.alloc(2 + SUN_PATH_MAX); // struct sockaddr_un
  address.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(address, 2);
  const fd = check(libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket", path);
  for (;;) {
    if (libc.connect(fd, address, 2 + bytes.length + 1) === 0) return fd;
    const errno = lastErrno();
    if (errno === EINTR) continue;
    libc.close(fd);
    throw new SyscallError("connect", errno, path);
  }
}
