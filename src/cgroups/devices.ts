// The device allow-list, in one form for both backends: v1 writes it as devices.allow lines, v2 compiles
// it to an eBPF program (device-bpf.ts). Deny-all first, then allow these: Docker's defaults for the
// nodes a container's /dev has, plus the pty slaves.

export interface DeviceRule {
  type: "c" | "b" | "a";
  /** undefined is the wildcard "*". */
  major?: number;
  minor?: number;
  /** Any of r (read), w (write), m (mknod). */
  access: string;
}

const char = (major: number, minor: number | undefined): DeviceRule => ({ type: "c", major, minor, access: "rwm" });

export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  char(1, 3), // null
  char(1, 5), // zero
  char(1, 7), // full
  char(1, 8), // random
  char(1, 9), // urandom
  char(5, 0), // tty
  char(5, 1), // console
  char(5, 2), // ptmx
  char(136, undefined), // pts/*
];

/** The v1 devices.allow / devices.deny syntax: "c 1:3 rwm", "c 136:* rwm", "a". */
export function v1DeviceLine(rule: DeviceRule): string {
  if (rule.type === "a" && rule.major === undefined && rule.minor === undefined && isAll(rule.access)) return "a";
  return `${rule.type} ${rule.major ?? "*"}:${rule.minor ?? "*"} ${rule.access}`;
}

export function isAll(access: string): boolean {
  return ["r", "w", "m"].every((c) => access.includes(c));
}

// hardening-flags: the spec's linux.resources.devices (OCI) → rules for both backends.
/** Allow rules only (minibox's specs never carry others); absent fields are wildcards, access rwm. */
export function deviceRulesFromSpec(rules: readonly { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[] | undefined): DeviceRule[] {
  return (rules ?? []).filter((r) => r.allow).map((r) => {
    const type = r.type === "c" || r.type === "b" ? r.type : "a";
    const access = r.access ?? "rwm";
    if (!/^[rwm]{1,3}$/.test(access)) throw new Error(`invalid device access "${access}" in the spec`);
    return { type, major: r.major, minor: r.minor, access };
  });
}
