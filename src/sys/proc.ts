import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { cstr, cstrArray } from "./cstr.ts";
import { SyscallError } from "./errno.ts";

/** execve(); only returns by throwing. Strings carry bytes that are not UTF-8 as oci/bytes-string.ts says. */
export function execve(path: string, argv: readonly (string | Uint8Array)[], env: readonly (string | Uint8Array)[]): never {
  const a = cstrArray(argv);
  const e = cstrArray(env);
  libc.execve(cstr(path), a.pointer, e.pointer);
  const errno = lastErrno();
  void a.keep, e.keep;
  throw new SyscallError("execve", errno, path);
}

export function kill(pid: number, signal: number): void {
  check(libc.kill(pid, signal), "kill", String(pid));
}

export const PR = { SET_PDEATHSIG: 1, SET_DUMPABLE: 4, SET_KEEPCAPS: 8, CAPBSET_DROP: 24, SET_SECCOMP: 22, SET_NO_NEW_PRIVS: 38, CAP_AMBIENT: 47 } as const;

export function prctl(option: number, arg2 = 0, arg3 = 0): number {
  return check(libc.prctl(option, arg2, arg3, 0, 0), `prctl(${option})`);
}

export function setresgid(gid: number): void {
  check(libc.setresgid(gid, gid, gid), "setresgid", String(gid));
}

export function setresuid(uid: number): void {
  check(libc.setresuid(uid, uid, uid), "setresuid", String(uid));
}

export function setgroups(gids: readonly number[]): void {
  const list = new Uint32Array(gids.length || 1);
  gids.forEach((g, i) => (list[i] = g));
  check(libc.setgroups(gids.length, list), "setgroups");
}

const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
export const CAP_LAST_CAP = 40;

/** Sets effective, permitted and inheritable sets of the calling thread (bit n = capability n). */
export function capset(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);
  data.set([lo(effective), lo(permitted), lo(inheritable), hi(effective), hi(permitted), hi(inheritable)]);
  check(libc.capset(header, data), "capset");
}

/** Drops one capability from the calling thread's bounding set; EINVAL means the kernel lacks it. */
export function dropBoundingCap(cap: number): void {
  const ret = libc.prctl(PR.CAPBSET_DROP, cap, 0, 0, 0);
  if (ret === -1 && lastErrno() !== 22) throw new SyscallError("prctl(PR_CAPBSET_DROP)", lastErrno(), String(cap));
}

export function clearAmbientCaps(): void {
  const PR_CAP_AMBIENT_CLEAR_ALL = 4;
  libc.prctl(PR.CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export function rlimitNumber(name: string): number | undefined {
  return RLIMITS[name];
}

/** Sets a resource limit of the calling process; -1 means unlimited. */
export function setRlimit(name: string, soft: number, hard: number): void {
  const resource = RLIMITS[name];
  if (resource === undefined) throw new SyscallError("prlimit", 22, name, "unknown resource");
  const toU64 = (v: number) => (v < 0 ? 0xffffffffffffffffn : BigInt(v));
  const limits = new BigUint64Array([toU64(soft), toU64(hard)]);
  check(libc.prlimit(0, resource, limits, null), "prlimit", name);
}
