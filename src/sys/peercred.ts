// Who is at the other end of a connected unix socket, as the kernel recorded it at connect() (or
// socketpair()) time: SO_PEERCRED cannot be forged by the peer, unlike anything it sends.
import { libc } from "./libc.ts";
import { check } from "./call.ts";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17; // same number on x86_64 and arm64 (asm-generic)

export interface PeerCredentials { pid: number; uid: number; gid: number }

export function peerCredentials(fd: number): PeerCredentials {
  const ucred = new Int32Array(3); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const length = new Uint32Array([ucred.byteLength]);
  check(libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length), "getsockopt(SO_PEERCRED)", `fd ${fd}`);
  return { pid: ucred[0]!, uid: ucred[1]! >>> 0, gid: ucred[2]! >>> 0 };
}
