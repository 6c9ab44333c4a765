// A container's planned mounts → OCI spec mounts and mount records, creating what is missing first:
// bind sources of -v (as directories, Docker's rule), named and anonymous volumes (with copy-up from the
// image unless nocopy). Everything is checked before anything is created; what this call created is
// returned so that a failed create can remove it again.
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { decodeBytes, fsPath } from "../oci/bytes-string.ts";
import { UserError } from "../errors.ts";
import type { Mount } from "../oci/spec.ts";
import type { MountInfo } from "./mount-info.ts";
import type { MountRequest } from "./mount-request.ts";
import { newAnonymousName } from "./names.ts";
import { VolumeStore } from "./store.ts";
import { driverMount, hasOwnMount, validateDriverOptions } from "./driver-options.ts";
import { volumeUsers } from "./usage.ts";
import { copyUpFromImage } from "./copy-up.ts";

export interface AttachContext {
  root: string;
  /** The image's layer directories, bottom first: the source of copy-up. */
  layers: string[];
}

export interface Attached {
  mounts: Mount[];
  info: MountInfo[];
  /** Volumes this call created (removed again if the container cannot be created). */
  createdVolumes: string[];
}

export function checkPlan(plan: readonly MountRequest[]): void {
  for (const m of plan) {
    if (m.type === "bind" && !m.createSource && !existsSync(fsPath(m.source))) {
      throw new UserError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
    }
    if (m.type === "volume" && m.name === undefined) validateDriverOptions("anonymous volume", m.driverOptions);
    if (m.type === "volume" && m.name !== undefined) validateDriverOptions(m.name, m.driverOptions);
  }
}

export function attachMounts(plan: readonly MountRequest[], ctx: AttachContext): Attached {
  checkPlan(plan);
  const store = new VolumeStore(ctx.root);
  const out: Attached = { mounts: [], info: [], createdVolumes: [] };
  let users: Map<string, string[]> | undefined;
  try {
    for (const m of plan) {
      if (m.type === "bind") attachBind(m, out);
      else if (m.type === "tmpfs") attachTmpfs(m, out);
      else {
        const name = m.name ?? newAnonymousName();
        const copyUp = m.nocopy || hasOwnMount(m.driverOptions) ? undefined : (dir: string) => copyUpFromImage(ctx.layers, m.destination, dir);
        const { record, created } = store.create(name, { labels: m.labels, options: m.driverOptions, anonymous: m.name === undefined }, copyUp);
        if (created) out.createdVolumes.push(name);
        else if (copyUp && !hasOwnMount(record.Options) && store.isEmpty(name)) {
          // An existing, empty volume is filled too (Docker), unless a container already has it mounted.
          users ??= volumeUsers(ctx.root);
          if (!users.has(name)) store.populateExisting(name, copyUp);
        }
        const source = store.dataDir(name);
        out.mounts.push(hasOwnMount(record.Options)
          ? driverMount(name, record.Options, m.destination, m.readonly)
          : { destination: m.destination, type: "bind", source, options: ["rbind", "rprivate", m.readonly ? "ro" : "rw"] });
        out.info.push({
          Type: "volume", Name: name, Source: source, Destination: m.destination, Driver: "local", Mode: m.mode,
          RW: !m.readonly, Propagation: "", ...(record.Anonymous ? { Anonymous: true } : {}),
        });
      }
    }
  } catch (e) {
    for (const name of out.createdVolumes) store.remove(name);
    throw e;
  }
  return out;
}

function attachBind(m: Extract<MountRequest, { type: "bind" }>, out: Attached): void {
  // Through fsPath: a host path that is not UTF-8 must name the same file (oci/bytes-string.ts).
  if (m.createSource && !existsSync(fsPath(m.source))) mkdirSync(fsPath(m.source), { recursive: true, mode: 0o755 });
  const source = decodeBytes(realpathSync(fsPath(m.source), { encoding: "buffer" }));
  const propagation = m.propagation ?? "rprivate";
  out.mounts.push({ destination: m.destination, type: "bind", source, options: ["rbind", propagation, m.readonly ? "ro" : "rw"] });
  out.info.push({ Type: "bind", Source: source, Destination: m.destination, Mode: m.mode, RW: !m.readonly, Propagation: propagation });
}

function attachTmpfs(m: Extract<MountRequest, { type: "tmpfs" }>, out: Attached): void {
  const options = ["nosuid", "nodev", "noexec"];
  if (m.sizeBytes !== undefined) options.push(`size=${m.sizeBytes}`);
  if (m.mode !== undefined) options.push(`mode=${m.mode.toString(8)}`);
  if (m.readonly) options.push("ro");
  out.mounts.push({ destination: m.destination, type: "tmpfs", source: "tmpfs", options });
  out.info.push({ Type: "tmpfs", Source: "", Destination: m.destination, Mode: "", RW: !m.readonly, Propagation: "" });
}

