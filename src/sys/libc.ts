// The single dlopen table. Every libc entry point minibox uses is declared here, so the ABI surface is
// reviewable in one place. Pointer arguments take TypedArrays/Buffers (bun:ffi passes their address).
import { dlopen, FFIType } from "bun:ffi";

const { i32, i64, u32, u64, ptr } = FFIType;
const usize = u64;

export const libc = dlopen("libc.so.6", {
  __errno_location: { args: [], returns: ptr },
  syscall: { args: [i64, i64, i64, i64, i64, i64], returns: i64 },

  // namespaces and processes
  unshare: { args: [i32], returns: i32 },
  setns: { args: [i32, i32], returns: i32 },
  sethostname: { args: [ptr, usize], returns: i32 },
  getpid: { args: [], returns: i32 },
  kill: { args: [i32, i32], returns: i32 },
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
  execve: { args: [ptr, ptr, ptr], returns: i32 },
  prlimit: { args: [i32, i32, ptr, ptr], returns: i32 },
  poll: { args: [ptr, u64, i32], returns: i32 },

  // mounts and files
  mount: { args: [ptr, ptr, ptr, u64, ptr], returns: i32 },
  umount2: { args: [ptr, i32], returns: i32 },
  chdir: { args: [ptr], returns: i32 },
  fchdir: { args: [i32], returns: i32 },
  chroot: { args: [ptr], returns: i32 },
  mknod: { args: [ptr, u32, u64], returns: i32 },
  umask: { args: [u32], returns: u32 },
  lsetxattr: { args: [ptr, ptr, ptr, usize, i32], returns: i32 },
  lgetxattr: { args: [ptr, ptr, ptr, usize], returns: i64 },
  close_range: { args: [u32, u32, i32], returns: i32 },
  open: { args: [ptr, i32, u32], returns: i32 },
  close: { args: [i32], returns: i32 },
  read: { args: [i32, ptr, usize], returns: i64 },
  write: { args: [i32, ptr, usize], returns: i64 },
  fcntl: { args: [i32, i32, i64], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  dup2: { args: [i32, i32], returns: i32 },
  pipe2: { args: [ptr, i32], returns: i32 },

  // credentials
  setresuid: { args: [u32, u32, u32], returns: i32 },
  setresgid: { args: [u32, u32, u32], returns: i32 },
  setgroups: { args: [usize, ptr], returns: i32 },
  capset: { args: [ptr, ptr], returns: i32 },
  capget: { args: [ptr, ptr], returns: i32 },

  // sockets, terminals
  socket: { args: [i32, i32, i32], returns: i32 },
  socketpair: { args: [i32, i32, i32, ptr], returns: i32 },
  sendmsg: { args: [i32, ptr, i32], returns: i64 },
  recvmsg: { args: [i32, ptr, i32], returns: i64 },
  ioctl: { args: [i32, u64, ptr], returns: i32 },
  setsid: { args: [], returns: i32 },
  posix_openpt: { args: [i32], returns: i32 },
  grantpt: { args: [i32], returns: i32 },
  unlockpt: { args: [i32], returns: i32 },
  ptsname_r: { args: [i32, ptr, usize], returns: i32 },
  tcgetattr: { args: [i32, ptr], returns: i32 },
  tcsetattr: { args: [i32, i32, ptr], returns: i32 },
  cfmakeraw: { args: [ptr], returns: FFIType.void },

  // init-paths: fd-relative file operations, so the init handles every path inside a rootfs through fds
  openat: { args: [i32, ptr, i32, u32], returns: i32 },
  mkdirat: { args: [i32, ptr, u32], returns: i32 },
  mknodat: { args: [i32, ptr, u32, u64], returns: i32 },
  symlinkat: { args: [ptr, i32, ptr], returns: i32 },
  readlinkat: { args: [i32, ptr, ptr, usize], returns: i64 },
  fchownat: { args: [i32, ptr, u32, u32, i32], returns: i32 },
  statx: { args: [i32, ptr, i32, u32, ptr], returns: i32 },
  fstatfs: { args: [i32, ptr], returns: i32 },
  renameat2: { args: [i32, ptr, i32, ptr, u32], returns: i32 },
  // hardening-flags: nodes and files relative to a directory fd (sys/at.ts)
  unlinkat: { args: [i32, ptr, i32], returns: i32 },
  fchmodat: { args: [i32, ptr, u32, i32], returns: i32 },
  // monitor: peer credentials of its socket, FIFOs for container output, the proc connector (exit codes)
  getsockopt: { args: [i32, i32, i32, ptr, ptr], returns: i32 },
  mkfifo: { args: [ptr, u32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  send: { args: [i32, ptr, usize, i32], returns: i64 },
  recv: { args: [i32, ptr, usize, i32], returns: i64 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  // volumes: extended attributes through fds, for copy-up from an image into a new volume (sys/xattr.ts)
  flistxattr: { args: [i32, ptr, usize], returns: i64 },
  fgetxattr: { args: [i32, ptr, ptr, usize], returns: i64 },
  fsetxattr: { args: [i32, ptr, ptr, usize, i32], returns: i32 },
  // files: cp/commit through fds (sys/at.ts: linkat; fgetxattr is above)
  linkat: { args: [i32, ptr, i32, ptr, i32], returns: i32 },
  // runtime: connecting to containerd's --console-socket (sys/unix-socket.ts)
  connect: { args: [i32, ptr, u32], returns: i32 },
}).symbols;
