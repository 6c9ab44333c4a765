// The bpf(2) syscall, for the one use minibox has: loading a cgroup device program and attaching it to a
// cgroup directory (cgroup v2 has no devices.allow file). glibc has no wrapper, so it goes through
// syscall(2) with the architecture's number. union bpf_attr layouts are from include/uapi/linux/bpf.h.
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { SyscallError } from "./errno.ts";

const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };

export const BPF = {
  PROG_LOAD: 5,
  PROG_ATTACH: 8,
  PROG_TYPE_CGROUP_DEVICE: 15,
  CGROUP_DEVICE: 6, // enum bpf_attach_type
  F_ALLOW_MULTI: 2,
} as const;

function bpf(cmd: number, attr: Uint8Array, name: string, detail?: () => string): number {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new SyscallError(name, 38, undefined, `no bpf syscall number for ${process.arch}`);
  const ret = Number(libc.syscall(nr, cmd, ptr(attr), attr.length, 0, 0));
  if (ret < 0) {
    const errno = lastErrno();
    throw new SyscallError(name, errno, undefined, detail?.());
  }
  return ret;
}

/**
 * BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program (bytes of struct bpf_insn[]); returns its fd.
 * When the verifier refuses it, the load is repeated with a log so the error says why.
 */
export function loadDeviceProgram(insns: Uint8Array, license = "Apache-2.0"): number {
  const lic = cstr(license);
  const attr = (log?: Uint8Array) => {
    // prog_type u32 @0, insn_cnt u32 @4, insns u64 @8, license u64 @16, log_level u32 @24, log_size u32 @28,
    // log_buf u64 @32, kern_version u32 @40, prog_flags u32 @44, prog_name char[16] @48 — 64 bytes used.
    const a = new Uint8Array(64);
    const v = new DataView(a.buffer);
    v.setUint32(0, BPF.PROG_TYPE_CGROUP_DEVICE, true);
    v.setUint32(4, insns.length / 8, true);
    v.setBigUint64(8, BigInt(ptr(insns)), true);
    v.setBigUint64(16, BigInt(ptr(lic)), true);
    if (log) {
      v.setUint32(24, 1, true);
      v.setUint32(28, log.length, true);
      v.setBigUint64(32, BigInt(ptr(log)), true);
    }
    a.set(Buffer.from("minibox_dev"), 48);
    return a;
  };
  try {
    return bpf(BPF.PROG_LOAD, attr(), "bpf(BPF_PROG_LOAD)");
  } catch (e) {
    if (!(e instanceof SyscallError) || (e.code !== "EACCES" && e.code !== "EINVAL")) throw e;
    const log = new Uint8Array(65536);
    return bpf(BPF.PROG_LOAD, attr(log), "bpf(BPF_PROG_LOAD)", () => {
      const end = log.indexOf(0);
      return Buffer.from(log.subarray(0, end < 0 ? log.length : end)).toString("utf8").trim().split("\n").slice(-3).join("; ");
    });
  }
}

/** BPF_PROG_ATTACH to a cgroup directory fd, with BPF_F_ALLOW_MULTI so programs of ancestors (systemd's) still apply. */
export function attachCgroupProgram(cgroupFd: number, progFd: number, attachType: number = BPF.CGROUP_DEVICE): void {
  // target_fd u32 @0, attach_bpf_fd u32 @4, attach_type u32 @8, attach_flags u32 @12, replace_bpf_fd u32 @16.
  const a = new Uint8Array(20);
  const v = new DataView(a.buffer);
  v.setUint32(0, cgroupFd, true);
  v.setUint32(4, progFd, true);
  v.setUint32(8, attachType, true);
  v.setUint32(12, BPF.F_ALLOW_MULTI, true);
  bpf(BPF.PROG_ATTACH, a, "bpf(BPF_PROG_ATTACH)");
}
