// Credentials and privileges of the container's process, applied in the order the kernel needs:
// bounding set (needs CAP_SETPCAP) → ids (needs CAP_SETUID/SETGID, kept across setuid) → final sets.
import { readFileSync } from "node:fs";
import { capset, clearAmbientCaps, dropBoundingCap, prctl, PR, setgroups, setresgid, setresuid, setRlimit } from "../sys/proc.ts";
import type { Process, Seccomp } from "../oci/spec.ts";
import { loadSeccompFilter } from "../sys/seccomp.ts";
import { compileSeccomp } from "../seccomp/compile.ts";
import { encode } from "../seccomp/cbpf.ts";
import { trace } from "../trace.ts";
import { programFor } from "../seccomp/program-file.ts";
import { goArch, resolveProfile } from "../seccomp/resolve.ts";
import { DOCKER_DEFAULT_PROFILE } from "../seccomp/default-profile.ts";
import { capabilityMask, capabilitiesToDrop } from "./capabilities.ts";
import type { ExecUser } from "./user.ts";

function lastCap(): number {
  try {
    return Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  } catch {
    return 40;
  }
}

export function applyRlimits(proc: Process): void {
  for (const r of proc.rlimits ?? []) setRlimit(r.type, r.soft, r.hard);
}

export function applyCredentials(proc: Process, user: ExecUser): void {
  const caps = proc.capabilities;
  if (caps) for (const cap of capabilitiesToDrop(capabilityMask(caps.bounding), lastCap())) dropBoundingCap(cap);
  prctl(PR.SET_KEEPCAPS, 1);
  setgroups(user.additionalGids);
  setresgid(user.gid);
  setresuid(user.uid);
  prctl(PR.SET_KEEPCAPS, 0);
  if (caps) {
    capset(capabilityMask(caps.effective), capabilityMask(caps.permitted), capabilityMask(caps.inheritable));
    clearAmbientCaps();
  }
  if (proc.noNewPrivileges) prctl(PR.SET_NO_NEW_PRIVS, 1);
}

/**
 * Credentials, no_new_privs and the seccomp filter, in the order that works for both cases:
 *  - without no_new_privs, installing a filter needs CAP_SYS_ADMIN, so the filter comes first, while the
 *    init still holds every capability; the profile must then allow the credential syscalls that follow
 *    (Docker's does, as with runc);
 *  - with no_new_privs, the filter comes last, right before execve, so that it meets as little of our own
 *    work as possible (runc does the same).
 */
export function applyPrivileges(proc: Process, user: ExecUser, seccomp: Seccomp | undefined, programFile?: Uint8Array): void {
  if (proc.noNewPrivileges) {
    applyCredentials(proc, user);
    applySeccomp(seccomp, proc.capabilities?.bounding, programFile);
  } else {
    applySeccomp(seccomp, proc.capabilities?.bounding, programFile);
    applyCredentials(proc, user);
  }
}

/**
 * Installs the spec's `linux.seccomp` as classic BPF on this thread (the one that will execve the command).
 * The host compiled it already (seccomp/cache.ts) into the bundle's program file; that program is used
 * only if its header says it was compiled from exactly this `linux.seccomp`, else the init compiles.
 * Late, so that nothing our own init still does (mounts, pivot_root, unshare) meets the filter.
 */
export function applySeccomp(seccomp: Seccomp | undefined, bounding: readonly string[] = [], programFile?: Uint8Array): void {
  if (!seccomp) return;
  trace("init: seccomp start");
  const effective = isLegacy(seccomp) ? legacyDefault(bounding) : seccomp;
  const program = programFor(effective, programFile) ?? encode(compileSeccomp(effective));
  trace("init: seccomp ready");
  loadSeccompFilter(program);
}

/**
 * minibox before the allow-list wrote `{ defaultAction: "SCMP_ACT_ALLOW", profile: "minibox-default" }`;
 * an exec into such a container gets Docker's default profile rather than no filter at all.
 */
function isLegacy(seccomp: Seccomp): boolean {
  return (seccomp as { profile?: unknown }).profile === "minibox-default" && !seccomp.syscalls;
}

function legacyDefault(bounding: readonly string[]): Seccomp {
  return resolveProfile(DOCKER_DEFAULT_PROFILE, { capabilities: bounding, arch: goArch(), kernelRelease: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim() });
}
