// --cap-add / --cap-drop / --privileged → the container's capability list, with moby's rules
// (oci/caps.TweakCapabilities): privileged gets every capability; "ALL" in the adds keeps every capability
// but the drops; "ALL" in the drops keeps only the adds; otherwise the defaults minus drops plus adds.
import { UserError } from "../errors.ts";
import { CAPABILITY_NAMES } from "./capability-names.ts";

const KNOWN: ReadonlySet<string> = new Set(CAPABILITY_NAMES);

/** Upper case with the CAP_ prefix, "ALL" kept; an unknown name is Docker's error (`what`: CapAdd/CapDrop). */
export function normalizeCapabilities(names: readonly string[], what: "CapAdd" | "CapDrop"): string[] {
  return names.map((raw) => {
    const upper = raw.toUpperCase();
    if (upper === "ALL") return upper;
    const name = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
    if (!KNOWN.has(name)) throw new UserError(`invalid ${what}: unknown capability: "${name}"`);
    return name;
  });
}

/** Every capability the running kernel knows (0..cap_last_cap) that minibox has a name for. */
export function allCapabilities(lastCap: number): string[] {
  return CAPABILITY_NAMES.slice(0, lastCap + 1);
}

/** The capabilities of a bounding-set mask (CapBnd of /proc/self/status): what "all" can mean for us. */
export function capabilitiesInMask(mask: bigint): string[] {
  return CAPABILITY_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/**
 * `adds` and `drops` already normalized; `all`: what "every capability" is here — the kernel's, limited to
 * the engine's own bounding set (a capability we do not hold could not be given, and capset would fail).
 */
export function tweakCapabilities(basics: readonly string[], adds: readonly string[], drops: readonly string[], privileged: boolean, all: readonly string[]): string[] {
  if (privileged) return [...all];
  let caps: string[];
  if (adds.includes("ALL")) caps = all.filter((c) => !drops.includes(c));
  else if (drops.includes("ALL")) caps = [...adds];
  else caps = [...basics.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)];
}
