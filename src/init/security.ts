// Credentials and privileges of the container's process, applied in the order the kernel needs:
// bounding set (needs CAP_SETPCAP) → ids (needs CAP_SETUID/SETGID, kept across setuid) → final sets.
import { readFileSync } from "node:fs";
import { capset, clearAmbientCaps, dropBoundingCap, prctl, PR, setgroups, setresgid, setresuid, setRlimit } from "../sys/proc.ts";
import type { Process, Seccomp } from "../oci/spec.ts";
import { loadSeccompFilter } from "../sys/seccomp.ts";
import { DEFAULT_PROFILE, defaultProgramBytes } from "../seccomp/profile.ts";
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
 * Loads the container's seccomp filter. Called right before applyCredentials: late, so that nothing our
 * own init still does (mounts, pivot_root, unshare) meets the filter, and before the capability drop,
 * because installing a filter without no_new_privs needs CAP_SYS_ADMIN.
 */
export function applySeccomp(seccomp: Seccomp | undefined): void {
  if (!seccomp) return;
  if (seccomp.profile !== DEFAULT_PROFILE) throw new Error(`unknown seccomp profile "${String(seccomp.profile)}"`);
  loadSeccompFilter(defaultProgramBytes());
}
