// Capability names (as in the OCI spec) → numbers, and the set computation. The syscalls are in sys/proc.ts.
import { CAPABILITY_NAMES as NAMES } from "../oci/capability-names.ts";

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
