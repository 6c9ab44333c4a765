// `create` (and the first half of `run`): image → container directory with its OCI bundle and record.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ImageNotFoundError, ImageStore, storeRoot, type ImageRecord } from "../image/store.ts";
import { buildSpec } from "../oci/from-image.ts";
import { trace } from "../trace.ts";
import { UserError } from "../errors.ts";
import { getWinsize, isatty } from "../sys/tty.ts";
import type { CreateOptions } from "./options.ts";
import { validateName, validateHostname } from "./options.ts";
import { ContainerStore, type ContainerRecord } from "./store.ts";
import { newContainerId, randomName } from "./names.ts";
import { writeEtcFiles } from "./etc-files.ts";
import { compiledProgramFile } from "../seccomp/cache.ts";
import { SECCOMP_PROGRAM_FILE } from "../seccomp/program-file.ts";
import { hostname as hostHostname } from "node:os";
import { resolveDonors } from "./namespace-joins.ts";
// volumes
import { findContainer, NoSuchContainerError } from "./lookup.ts";
import { parseVolumesFrom, planMounts } from "../volume/plan.ts";
import { checkPlan, attachMounts, type Attached } from "../volume/attach.ts";
import { MOUNTS_ANNOTATION, mountInfoOfContainer } from "../volume/mount-info.ts";
import { removeUnusedVolumes } from "../volume/cleanup.ts";
import type { MountRequest } from "../volume/mount-request.ts";

export interface Created { record: ContainerRecord; store: ContainerStore }

export async function createContainer(opts: CreateOptions): Promise<Created> {
  const root = storeRoot();
  trace("create: options parsed");
  const image = await findOrPullImage(new ImageStore(root), opts);
  trace("create: image resolved");
  const store = new ContainerStore(root);
  const id = newContainerId();
  const name = opts.name !== undefined ? validateName(opts.name) : randomName();
  const hostname = opts.hostname !== undefined ? validateHostname(opts.hostname) : id.slice(0, 12);
  // hardening-flags: --uts host shows the host's name; container:X donors must exist and run (before any write).
  const shownHostname = opts.hardening?.utsMode === "host" ? hostHostname() : hostname;
  if (opts.hardening) opts.hardening.joins = resolveDonors(store, opts.hardening);
  const imageConfig = image.config.config ?? {};
  const mountPlan = planContainerMounts(store, opts, Object.keys(imageConfig.Volumes ?? {})); // volumes: checked before any write

  store.claimName(name, id);
  const record: ContainerRecord = {
    id, name, image: image.id, imageName: opts.image, command: opts.command, created: new Date().toISOString(),
    autoRemove: opts.autoRemove, tty: opts.tty, interactive: opts.interactive,
    restartPolicy: opts.restartPolicy, stopSignal: opts.stopSignal ?? imageConfig.StopSignal, stopTimeout: opts.stopTimeout,
    limits: opts.limits, cgroupParent: opts.cgroupParent,
    state: { status: "created" },
  };
  let attached: Attached | undefined; // volumes
  try {
    const dir = store.create(record);
    attached = attachMounts(mountPlan, { root, layers: image.layers.map((l) => l.path) }); // volumes: create, copy-up
    const spec = buildSpec(imageConfig, opts, shownHostname, {
      rootfs: join(dir, "rootfs"), upperdir: join(dir, "upper"), workdir: join(dir, "work"),
      layers: image.layers.map((l) => l.path), ...writeEtcFiles(dir, shownHostname),
      userMounts: attached.mounts,
    });
    spec.annotations = { ...spec.annotations, [MOUNTS_ANNOTATION]: JSON.stringify(attached.info) }; // volumes
    const size = opts.tty ? hostTerminalSize() : undefined;
    if (size) spec.process.consoleSize = size;
    record.command = opts.init ? spec.process.args.slice(2) : spec.process.args; // without "/dev/init --"
    store.save(record);
    writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    if (spec.linux.seccomp) writeFileSync(join(dir, SECCOMP_PROGRAM_FILE), compiledProgramFile(spec.linux.seccomp, join(root, "cache", "seccomp")));
  } catch (e) {
    store.remove(record);
    if (attached) removeUnusedVolumes(root, attached.createdVolumes); // volumes: nothing half-created
    throw e;
  }
  trace("create: bundle written");
  return { record, store };
}

// volumes: -v/--mount, then --volumes-from donors, then the image's VOLUMEs; validated, nothing created yet.
function planContainerMounts(store: ContainerStore, opts: CreateOptions, imageVolumes: string[]): MountRequest[] {
  const donors = (opts.volumesFrom ?? []).map((v) => {
    const { container, mode } = parseVolumesFrom(v);
    let donor: ContainerRecord;
    try {
      donor = findContainer(store, container);
    } catch (e) {
      // `run`/`create` report the daemon's errors with 125, as Docker's CLI does
      if (e instanceof NoSuchContainerError) throw new UserError(e.message);
      throw e;
    }
    return { mounts: mountInfoOfContainer(store.dir(donor.id)), mode };
  });
  const plan = planMounts(opts.volumes, opts.tmpfs.map((t) => t.destination), donors, imageVolumes);
  checkPlan(plan);
  return plan;
}

/** The registry client is loaded only when the image has to come from a registry. */
async function findOrPullImage(images: ImageStore, opts: CreateOptions): Promise<ImageRecord> {
  const policy = opts.pull ?? "missing";
  if (policy !== "always") {
    try {
      return await images.resolve(opts.image);
    } catch (e) {
      if (!(e instanceof ImageNotFoundError) || policy === "never") throw e;
    }
  }
  const { ensureImage } = await import("../image/pull.ts");
  // Progress only on a terminal: scripts and logs get one line, the error, if the pull fails.
  const quiet = !isatty(2);
  try {
    return await ensureImage(images, opts.image, policy, { platform: opts.platform, quiet });
  } catch (e) {
    if (!quiet || !(e instanceof Error)) throw e;
    throw new UserError(`Unable to find image '${opts.image}' locally, and pulling it failed: ${e.message}`);
  }
}

function hostTerminalSize(): { height: number; width: number } | undefined {
  for (const fd of [1, 0]) {
    if (!isatty(fd)) continue;
    const { rows, cols } = getWinsize(fd);
    return { height: rows, width: cols };
  }
  return undefined;
}
