// The local driver's options (`volume create --opt`, `--mount volume-opt=`): type, device, o — mounted
// in the container's namespace when it starts (Docker mounts them on the host; we never do), so a tmpfs
// volume is fresh for every container and nothing is ever left mounted on the host.
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { UserError } from "../errors.ts";
import type { Mount } from "../oci/spec.ts";

const KEYS = new Set(["type", "device", "o", "size"]);

export function parseOptPairs(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UserError(`invalid argument "${v}" for "${flag}" flag: invalid key=value: ${v}`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

// Docker's local driver: each option needs these others (its mandatoryOpts), even type=tmpfs needs a device.
const REQUIRES: Record<string, string[]> = { device: ["type"], type: ["device"], o: ["device", "type"] };

/** Docker's checks at `volume create`: known keys only, and the options each one requires. */
export function validateDriverOptions(name: string, options: Record<string, string>): void {
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new UserError(`create ${name}: invalid option key: "${key}"`);
  }
  for (const [key, needs] of Object.entries(REQUIRES)) {
    if (!(key in options)) continue;
    const missing = needs.find((n) => !(n in options));
    if (missing) throw new UserError(`create ${name}: missing required option: "${missing}"`);
  }
}

/** True when the volume's content is its own mount (tmpfs, a device, a bind), not its _data dir. */
export function hasOwnMount(options: Record<string, string>): boolean {
  return options.type !== undefined;
}

export function isBindDevice(options: Record<string, string>): boolean {
  return options.type === "none" || (options.o ?? "").split(",").some((o) => o === "bind" || o === "rbind");
}

/** The spec mount of a volume with driver options, mounted by the init like any other mount. */
export function driverMount(name: string, options: Record<string, string>, destination: string, readonly: boolean): Mount {
  const o = (options.o ?? "").split(",").filter(Boolean);
  const access = readonly ? ["ro"] : [];
  if (isBindDevice(options)) {
    const device = options.device!;
    if (!isAbsolute(device) || !existsSync(device)) {
      throw new UserError(`error while mounting volume '${name}': failed to mount local volume: mount ${device}: no such file or directory`);
    }
    return { destination, type: "bind", source: device, options: ["rbind", "rprivate", ...o.filter((x) => x !== "bind" && x !== "rbind"), ...access] };
  }
  return { destination, type: options.type!, source: options.device ?? options.type!, options: [...o, ...access] };
}
