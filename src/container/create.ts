// `create` (and the first half of `run`): image → container directory with its OCI bundle and record.
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ImageNotFoundError, ImageStore, storeRoot, type ImageRecord } from "../image/store.ts";
import { buildSpec } from "../oci/from-image.ts";
import { trace } from "../trace.ts";
import { acquireStoreLock } from "../state/store-lock.ts"; // image-store (#9)
import { UserError } from "../errors.ts";
import { getWinsize, isatty } from "../sys/tty.ts";
import type { CreateOptions } from "./options.ts";
import { imageStopSignal } from "./signals.ts"; // cli: an unreadable STOPSIGNAL stops with SIGTERM
import { validateName, validateHostname } from "./options.ts";
import { ContainerStore, type ContainerRecord } from "./store.ts";
import { newContainerId, randomName } from "./names.ts";
import { writeEtcFiles } from "./etc-files.ts";
import { gatewayKnownAtStart } from "../network/request.ts"; // dns-wire
import { compiledProgramFile } from "../seccomp/cache.ts";
import { SECCOMP_PROGRAM_FILE } from "../seccomp/program-file.ts";
import { hostname as hostHostname } from "node:os";
import { resolveDonors } from "./namespace-joins.ts";
import { resolveNetworkDonor } from "./network-donor.ts"; // net-core
// containers-crash: crash-safe creation
import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { removeTree } from "../state/atomic.ts";
import { ContainerLock } from "./lock.ts";
import { STAGING_PREFIX, stagingOwner } from "./staging.ts";
import { clearJournal, writeJournal } from "./journal.ts";
import { claimName } from "./reconcile.ts";
// volumes
import { findContainer, NoSuchContainerError } from "./lookup.ts";
import { parseVolumesFrom, planMounts } from "../volume/plan.ts";
import { checkPlan, attachMounts, type Attached } from "../volume/attach.ts";
import { MOUNTS_ANNOTATION, mountInfoOfContainer } from "../volume/mount-info.ts";
import { removeUnusedVolumes } from "../volume/cleanup.ts";
import type { MountRequest } from "../volume/mount-request.ts";
// compat-run
import { CidFile } from "./cidfile.ts";
import { mergeLabels } from "./label-flags.ts";
import { mergeHealth } from "../health/config.ts";

export interface Created { record: ContainerRecord; store: ContainerStore }

/** `prepared`: build (issue 12) runs RUN steps on a layer chain that is not a stored image yet. */
export async function createContainer(opts: CreateOptions, prepared?: ImageRecord): Promise<Created> {
  // compat-run: Docker's CLI claims the --cidfile before anything else, and gives it up if the create fails.
  const cidFile = opts.cidFile === undefined ? undefined : CidFile.create(opts.cidFile);
  try {
    const created = await createWithImage(opts, prepared);
    cidFile?.write(created.record.id);
    return created;
  } catch (e) {
    cidFile?.abandon();
    throw e;
  }
}

async function createWithImage(opts: CreateOptions, prepared?: ImageRecord): Promise<Created> {
  const root = storeRoot();
  trace("create: options parsed");
  // image-store (#9): hold the store lock (shared) from resolving the image until the record below
  // names it, so rmi and image prune (exclusive) cannot delete its layers in between.
  using _storeLock = acquireStoreLock(root, "shared");
  const image = prepared ?? await findOrPullImage(new ImageStore(root), opts);
  trace("create: image resolved");
  const store = new ContainerStore(root);
  const id = newContainerId();
  const name = opts.name !== undefined ? validateName(opts.name) : randomName();
  const hostname = opts.hostname !== undefined ? validateHostname(opts.hostname) : id.slice(0, 12);
  // hardening-flags: --uts host shows the host's name; container:X donors must exist and run (before any write).
  const shownHostname = opts.hardening?.utsMode === "host" ? hostHostname() : hostname;
  if (opts.hardening) opts.hardening.joins = resolveDonors(store, opts.hardening);
  if (opts.network?.network?.startsWith("container:")) opts.network.donor = resolveNetworkDonor(store, opts.network.network.slice(10)); // net-core
  const imageConfig = image.config.config ?? {};
  const mountPlan = planContainerMounts(store, opts, Object.keys(imageConfig.Volumes ?? {})); // volumes: checked before any write

  const record: ContainerRecord = {
    id, name, image: image.id, imageName: opts.image, command: opts.command, created: new Date().toISOString(),
    autoRemove: opts.autoRemove, tty: opts.tty, interactive: opts.interactive,
    restartPolicy: opts.restartPolicy, stopSignal: opts.stopSignal ?? imageStopSignal(imageConfig.StopSignal), stopTimeout: opts.stopTimeout,
    limits: opts.limits, cgroupParent: opts.cgroupParent,
    labels: mergeLabels(imageConfig.Labels, opts.labels), // compat-run
    healthcheck: mergeHealth(imageConfig.Healthcheck, opts.healthcheck), // compat-run
    logConfig: opts.logConfig ?? { Type: "json-file", Config: {} }, // compat-run
    state: { status: "created" },
  };
  // containers-crash: the directory appears already locked and journaled; the record, written last, commits.
  const { dir, lock } = stageContainerDir(store, id, name);
  let attached: Attached | undefined; // volumes
  try {
    claimName(store, name, id);
    trace("create: name claimed");
    store.makeDirs(id);
    attached = attachMounts(mountPlan, { root, layers: image.layers.map((l) => l.path) }); // volumes: create, copy-up
    const spec = buildSpec(imageConfig, opts, shownHostname, {
      rootfs: join(dir, "rootfs"), upperdir: join(dir, "upper"), workdir: join(dir, "work"),
      layers: image.layers.map((l) => l.path), ...writeEtcFiles(dir, shownHostname, { dns: opts.dns, dnsSearch: opts.dnsSearch, dnsOptions: opts.dnsOptions, extraHosts: opts.extraHosts },
        { hostGatewayAtStart: gatewayKnownAtStart(opts.network?.network) }), // dns-wire: host-gateway filled in at start
      userMounts: attached.mounts,
    });
    spec.annotations = { ...spec.annotations, [MOUNTS_ANNOTATION]: JSON.stringify(attached.info) }; // volumes
    const size = opts.tty ? hostTerminalSize() : undefined;
    if (size) spec.process.consoleSize = size;
    record.command = opts.init ? spec.process.args.slice(2) : spec.process.args; // without "/dev/init --"
    writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    if (spec.linux.seccomp) writeFileSync(join(dir, SECCOMP_PROGRAM_FILE), compiledProgramFile(spec.linux.seccomp, join(root, "cache", "seccomp")));
    store.save(record);
    trace("create: record saved");
    clearJournal(dir);
  } catch (e) {
    try {
      store.remove(record);
    } catch {
      // Not this error but the first one is the user's to see (disk full fails both); the journal is still
      // there, so the next command that meets this directory rolls it back.
    }
    if (attached) removeUnusedVolumes(root, attached.createdVolumes); // volumes: nothing half-created
    throw e;
  } finally {
    lock.release();
  }
  trace("create: bundle written");
  emitContainerEvent(root, record, "create"); // compat-sys: events
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
  // compat-cli: Docker's "Unable to find image 'X' locally" and the pull's progress, on a terminal or not;
  // a pull that fails before anything is fetched stays one line, the error (implicit-pull-progress.ts).
  const [{ ensureImage }, { implicitPullProgress }, { parseReference, familiarString }] = await Promise.all([
    import("../image/pull.ts"), import("../image/implicit-pull-progress.ts"), import("../image/reference.ts"),
  ]);
  const progress = implicitPullProgress(familiarString(parseReference(opts.image)), policy !== "always");
  try {
    return await ensureImage(images, opts.image, policy, { platform: opts.platform, progress });
  } catch (e) {
    if (!(e instanceof Error)) throw e;
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

// containers-crash: the container's directory is built under tmp/ with its lock taken and its journal
// written, then renamed into containers/: nobody can see it unlocked and unjournaled. A staging dir left by
// a kill -9 before that rename is garbage (its pid, in its name, is dead), removed by the next create.
function stageContainerDir(store: ContainerStore, id: string, name: string): { dir: string; lock: ContainerLock } {
  mkdirSync(store.tmpDir, { recursive: true });
  mkdirSync(store.containersDir, { recursive: true });
  removeStaleStaging(store);
  const staging = join(store.tmpDir, `${STAGING_PREFIX}${process.pid}-${id}`);
  mkdirSync(staging, { mode: 0o700 });
  const lock = ContainerLock.tryAcquireIn(staging, id)!; // fresh random id: nobody else knows this dir
  try {
    writeJournal(staging, { op: "create", name });
    renameSync(staging, store.dir(id));
  } catch (e) {
    lock.release();
    removeTree(staging, store.tmpDir);
    throw e;
  }
  return { dir: store.dir(id), lock };
}

function removeStaleStaging(store: ContainerStore): void {
  for (const entry of readdirSync(store.tmpDir)) {
    if (stagingOwner(entry) === "dead") removeTree(join(store.tmpDir, entry), store.tmpDir);
  }
}
