// Capability names (as in the OCI spec) → numbers, and the set computation. The syscalls are in sys/proc.ts.
const NAMES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
] as const;

export const CAPABILITY_NUMBERS: ReadonlyMap<string, number> = new Map(NAMES.map((n, i) => [n, i]));

export class UnknownCapabilityError extends Error {}

export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = CAPABILITY_NUMBERS.get(name.toUpperCase().startsWith("CAP_") ? name.toUpperCase() : `CAP_${name.toUpperCase()}`);
    if (n === undefined) throw new UnknownCapabilityError(`unknown capability "${name}"`);
    mask |= 1n << BigInt(n);
  }
  return mask;
}

/** Capabilities the running kernel knows (0..cap_last_cap) that are not in `keep`. */
export function capabilitiesToDrop(keep: bigint, lastCap: number): number[] {
  const drop: number[] = [];
  for (let cap = 0; cap <= lastCap; cap++) if (!(keep & (1n << BigInt(cap)))) drop.push(cap);
  return drop;
}
