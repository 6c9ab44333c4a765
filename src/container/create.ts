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

export interface Created { record: ContainerRecord; store: ContainerStore }

/** `prepared`: build (issue 12) runs RUN steps on a layer chain that is not a stored image yet. */
export async function createContainer(opts: CreateOptions, prepared?: ImageRecord): Promise<Created> {
  const root = storeRoot();
  trace("create: options parsed");
  const image = prepared ?? await findOrPullImage(new ImageStore(root), opts);
  trace("create: image resolved");
  const store = new ContainerStore(root);
  const id = newContainerId();
  const name = opts.name !== undefined ? validateName(opts.name) : randomName();
  const hostname = opts.hostname !== undefined ? validateHostname(opts.hostname) : id.slice(0, 12);
  // hardening-flags: --uts host shows the host's name; container:X donors must exist and run (before any write).
  const shownHostname = opts.hardening?.utsMode === "host" ? hostHostname() : hostname;
  if (opts.hardening) opts.hardening.joins = resolveDonors(store, opts.hardening);
  const imageConfig = image.config.config ?? {};

  store.claimName(name, id);
  const record: ContainerRecord = {
    id, name, image: image.id, imageName: opts.image, command: opts.command, created: new Date().toISOString(),
    autoRemove: opts.autoRemove, tty: opts.tty, interactive: opts.interactive,
    restartPolicy: opts.restartPolicy, stopSignal: opts.stopSignal ?? imageConfig.StopSignal, stopTimeout: opts.stopTimeout,
    limits: opts.limits, cgroupParent: opts.cgroupParent,
    state: { status: "created" },
  };
  try {
    const dir = store.create(record);
    const spec = buildSpec(imageConfig, opts, shownHostname, {
      rootfs: join(dir, "rootfs"), upperdir: join(dir, "upper"), workdir: join(dir, "work"),
      layers: image.layers.map((l) => l.path), ...writeEtcFiles(dir, shownHostname),
    });
    const size = opts.tty ? hostTerminalSize() : undefined;
    if (size) spec.process.consoleSize = size;
    record.command = opts.init ? spec.process.args.slice(2) : spec.process.args; // without "/dev/init --"
    store.save(record);
    writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    if (spec.linux.seccomp) writeFileSync(join(dir, SECCOMP_PROGRAM_FILE), compiledProgramFile(spec.linux.seccomp, join(root, "cache", "seccomp")));
  } catch (e) {
    store.remove(record);
    throw e;
  }
  trace("create: bundle written");
  return { record, store };
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
