// --device-cgroup-rule: Docker's syntax check of a v1 devices.allow line, and the OCI rule it becomes.
import { UserError } from "../errors.ts";
import type { LinuxDeviceCgroup } from "./spec.ts";

const RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** `c 1:3 rwm` (the v1 devices.allow syntax Docker validates against) → an allow rule. */
export function parseDeviceCgroupRule(rule: string): LinuxDeviceCgroup {
  const m = RULE.exec(rule);
  if (!m) throw new UserError(`invalid argument "${rule}" for "--device-cgroup-rule" flag: invalid device cgroup format '${rule}'`);
  const num = (v: string) => (v === "*" ? undefined : Number(v));
  const out: LinuxDeviceCgroup = { allow: true, type: m[1] as "a" | "c" | "b" };
  const maj = num(m[2]!), min = num(m[3]!);
  if (maj !== undefined) out.major = maj;
  if (min !== undefined) out.minor = min;
  out.access = m[4]!;
  return out;
}
