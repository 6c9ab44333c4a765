// `-v [SOURCE:]DESTINATION[:MODE]`, Docker's rules: an absolute SOURCE is a bind (created as a directory
// when missing), any other SOURCE a named volume, no SOURCE an anonymous volume. MODE is a comma list of
// ro|rw, nocopy, z|Z (SELinux labels: no-ops here), and one propagation.
import { isAbsolute } from "node:path";
import { UserError } from "../errors.ts";
import { refuseMountIntoProc } from "../oci/mount-policy.ts";
import { checkContainerPath } from "../oci/container-path.ts";
import { validateVolumeName } from "./names.ts";
import { PROPAGATIONS, type MountRequest, type Propagation } from "./mount-request.ts";

const invalidSpec = (spec: string, why?: string) => new UserError(`invalid volume specification: '${spec}'${why ? `: ${why}` : ""}`);

interface Mode { readonly: boolean; nocopy: boolean; propagation?: Propagation }

function parseMode(spec: string, mode: string): Mode {
  const out: Mode = { readonly: false, nocopy: false };
  let rw = 0, label = 0;
  for (const m of mode.split(",")) {
    if (m === "ro" || m === "rw") { out.readonly = m === "ro"; rw++; continue; }
    if (m === "z" || m === "Z") { label++; continue; }
    if (m === "nocopy") { if (out.nocopy) throw invalidSpec(spec); out.nocopy = true; continue; }
    if ((PROPAGATIONS as readonly string[]).includes(m)) { if (out.propagation) throw invalidSpec(spec); out.propagation = m as Propagation; continue; }
    throw new UserError(`invalid mode: ${m}`);
  }
  if (rw > 1 || label > 1) throw invalidSpec(spec);
  return out;
}

export function checkDestination(spec: string, destination: string, type: string): void {
  if (!isAbsolute(destination)) throw invalidSpec(spec, `invalid mount config for type "${type}": invalid mount path: '${destination}' mount path must be absolute`);
  if (/^\/+$/.test(destination)) throw invalidSpec(spec, `invalid mount config for type "${type}": invalid specification: destination can't be '/'`);
  refuseMountIntoProc(destination);
  checkContainerPath(destination, (why) => `invalid volume specification: '${spec.length > 40 ? `${spec.slice(0, 20)}…` : spec}': mount path ${why}`);
}

export function parseVolumeFlag(spec: string): MountRequest {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) throw invalidSpec(spec);
  if (parts.length === 1) {
    checkDestination(spec, parts[0]!, "volume");
    return { type: "volume", destination: parts[0]!, readonly: false, nocopy: false, driverOptions: {}, labels: {}, mode: "" };
  }
  const [source, destination, modeText = ""] = parts as [string, string, string?];
  const mode = modeText === "" ? { readonly: false, nocopy: false } : parseMode(spec, modeText);
  if (isAbsolute(source)) {
    checkDestination(spec, destination, "bind");
    if (mode.nocopy) throw new UserError(`invalid mode: nocopy`);
    return { type: "bind", source, destination, readonly: mode.readonly, propagation: mode.propagation, createSource: true, mode: modeText };
  }
  validateVolumeName(source);
  checkDestination(spec, destination, "volume");
  if (mode.propagation) throw new UserError(`invalid mode: ${mode.propagation}`); // propagation is for binds only
  return { type: "volume", name: source, destination, readonly: mode.readonly, nocopy: mode.nocopy, driverOptions: {}, labels: {}, mode: modeText };
}
