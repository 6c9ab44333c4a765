// `commit`: a container's upper dir becomes a new layer on top of its image's layers. The layer tar is
// built from the upper dir through fds (walk.ts): entries sorted by name, headers normalised (no user or
// group names, only the portable xattrs of tar/xattrs.ts, mtimes kept), overlay whiteouts turned back
// into `.wh.NAME` files and opaque directories into `.wh..wh..opq`. It streams straight into the image store's add-layer path, which
// computes its digest while unpacking and keeps the tar as the layer's blob, so the image is
// content-addressed, `save`able and pushable like any pulled one.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AT, O, openat } from "../sys/at.ts";
import { closeFd } from "../sys/fs.ts";
import { ANNOTATION } from "../oci/spec.ts";
import type { OciImageConfig, OciImageRuntimeConfig } from "../oci/image-config.ts";
import { ImageStore } from "../image/store.ts";
import { parseReference } from "../image/reference.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { currentState } from "../container/status.ts";
import { openContainerCgroup } from "../container/cgroup.ts";
import { withContainerLock } from "../container/lock.ts";
import { walkTree } from "./walk.ts";
import { applyChanges } from "./change.ts";
import { containerLayers } from "./container-root.ts";
import { lowerStat } from "./lower-layers.ts";
import { packTar } from "./pack.ts";

export interface CommitOptions {
  author?: string;
  message?: string;
  changes: string[];
  /** Freeze the container's processes while its upper dir is read (Docker's default). */
  pause: boolean;
  reference?: string;
}

interface BundleSpec {
  process?: { args?: string[]; env?: string[]; cwd?: string };
  annotations?: Record<string, string>;
}

export async function commitContainer(containers: ContainerStore, record: ContainerRecord, opts: CommitOptions, now = new Date()): Promise<string> {
  if (opts.reference !== undefined) parseReference(opts.reference); // a bad name fails before any work
  const images = new ImageStore(containers.root);
  const base = await images.resolve(record.image);
  applyChanges({}, opts.changes); // a bad --change fails before any work (and before waiting for the lock)

  // Under the container's lock for the whole read: an `rm` waits instead of deleting files the walk has
  // not reached yet (which would make a layer silently missing them), a `start` waits for a consistent upper.
  let runtime: OciImageRuntimeConfig = {};
  const layer = await withContainerLock(containers.dir(record.id), record.id, () => {
    Object.assign(record, containers.load(record.id)); // its state now, not when it was looked up
    const spec = JSON.parse(readFileSync(join(containers.dir(record.id), "config.json"), "utf8")) as BundleSpec;
    runtime = applyChanges(containerRuntimeConfig(base.config.config ?? {}, record, spec), opts.changes);
    return withPaused(record, opts.pause, async () => {
      const dirs = containerLayers(containers, record);
      const upper = openat(AT.FDCWD, dirs.upperdir, O.PATH | O.DIRECTORY | O.CLOEXEC);
      const layers = dirs.lowerdirs.map((d) => openat(AT.FDCWD, d, O.PATH | O.DIRECTORY | O.CLOEXEC));
      const mountPoints = new Set(dirs.mountPoints);
      // Mount points the init created (/etc/resolv.conf, …) belong to this container, not to the image.
      const skip = (name: string) => mountPoints.has(name) && !lowerStat(layers, name);
      try {
        return await images.addLayer(packTar(walkTree(upper, "", { overlayWhiteouts: true, skip })), {}, `commit of ${record.name}`, { keepBlob: true });
      } finally {
        closeFd(upper);
        for (const l of layers) closeFd(l);
      }
    });
  });

  const created = now.toISOString();
  const config: OciImageConfig = {
    ...base.config,
    created,
    ...(opts.author !== undefined && { author: opts.author }),
    config: runtime,
    rootfs: { type: "layers", diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
    history: [...(base.config.history ?? []), {
      created, created_by: record.command.join(" "),
      ...(opts.author !== undefined && { author: opts.author }),
      ...(opts.message !== undefined && opts.message !== "" && { comment: opts.message }),
    }],
  };
  if (opts.author === undefined) delete config.author;
  try {
    return images.commitImage(new TextEncoder().encode(JSON.stringify(config)), {
      tags: opts.reference === undefined ? [] : [opts.reference], what: `commit of ${record.name}`,
    }).id;
  } catch (error) {
    if (layer.added) images.discardLayers([layer.diffId]);
    throw error;
  }
}

/** The image's runtime config as this container ran it: its command, environment, user and directory. */
function containerRuntimeConfig(image: OciImageRuntimeConfig, record: ContainerRecord, spec: BundleSpec): OciImageRuntimeConfig {
  const out: OciImageRuntimeConfig = { ...image };
  const argv = record.command;
  const entrypoint = image.Entrypoint ?? [];
  if (entrypoint.length > 0 && entrypoint.every((a, i) => argv[i] === a)) {
    out.Cmd = argv.slice(entrypoint.length);
  } else if (entrypoint.length > 0) {
    out.Entrypoint = argv.slice(0, 1);
    out.Cmd = argv.slice(1);
  } else {
    out.Cmd = argv;
  }
  // HOSTNAME is set per container (from-image.ts), not part of what the user configured.
  const imageHasHostname = (image.Env ?? []).some((e) => e.startsWith("HOSTNAME="));
  const env = spec.process?.env?.filter((e) => imageHasHostname || !e.startsWith("HOSTNAME="));
  if (env) out.Env = env;
  const user = spec.annotations?.[ANNOTATION.user];
  if (user) out.User = user;
  const cwd = spec.process?.cwd;
  if (cwd && !(cwd === "/" && !image.WorkingDir)) out.WorkingDir = cwd;
  return out;
}

async function withPaused<T>(record: ContainerRecord, pause: boolean, work: () => Promise<T>): Promise<T> {
  // A container the user paused stays paused: only a running one is frozen here, and thawed after.
  const state = currentState(record);
  const cgroup = pause && state.status === "running" ? openContainerCgroup(record) : undefined;
  cgroup?.freeze();
  try {
    return await work();
  } finally {
    cgroup?.thaw();
  }
}
