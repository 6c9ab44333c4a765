// RUN: a container from the stage's current layer chain, started through the engine's own create and
// launch path (same init, same security defaults), whose overlay upper directory becomes the layer.
// The container is removed afterwards whatever happens; its output goes to our stderr and the last
// lines are kept for the error message.
import { constants as os } from "node:os";
import { readdirSync } from "node:fs";
import type { ImageRecord, ImageStore } from "../../image/store.ts";
import type { OciImageConfig } from "../../oci/image-config.ts";
import { sha256Digest } from "../../image/digest.ts";
import { BuildError } from "../errors.ts";
import { trace } from "../../trace.ts";
import type { TarWriteEntry } from "../../image/tar/writer.ts";
import type { ContainerRecord, ContainerStore } from "../../container/store.ts";
import type { MountRequest } from "../../volume/mount-request.ts";

/** Docker's modes for a build's RUN: the default bridge network (`default`), only `lo`, or the host's. */
export type RunNetwork = "bridge" | "none" | "host";

export interface RunRequest<T> {
  store: ImageStore;
  config: OciImageConfig;
  args: string[];
  /** Build ARGs in scope, passed as environment (not kept in the image). */
  env: string[];
  network: RunNetwork;
  /** RUN --mount's binds and tmpfs (run-mounts.ts), mounted over the container's root. */
  mounts: MountRequest[];
  /** Where the step's output goes (our stderr, or nowhere with -q). */
  output: (chunk: Uint8Array) => void;
  /** Called with the layer's entries once the command succeeded, before the container is removed. */
  collect: (entries: AsyncIterable<TarWriteEntry>) => Promise<T>;
}

const TAIL_LINES = 10;
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export class RunFailedError extends BuildError {
  constructor(readonly command: string, readonly status: number, tail: string) {
    super(`process "${command}" did not complete successfully: exit code: ${status}${tail ? `\n${tail}` : ""}`);
    this.name = "RunFailedError";
  }
}

async function pump(stream: ReadableStream<Uint8Array>, output: (c: Uint8Array) => void, tail: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    output(chunk);
    tail.text = (tail.text + decoder.decode(chunk, { stream: true })).split("\n").slice(-TAIL_LINES - 1).join("\n");
  }
}

/** Runs the step; returns what `collect` made of its upper dir. */
export async function runStep<T>(req: RunRequest<T>): Promise<T> {
  const { createContainer } = await import("../../container/create.ts");
  const { launchContainer } = await import("../../container/launch.ts");
  const { finishContainer } = await import("../../container/finish.ts");
  const { kill } = await import("../../sys/proc.ts");
  const configBytes = new TextEncoder().encode(JSON.stringify(req.config));
  const prepared: ImageRecord = {
    id: sha256Digest(configBytes), repoTags: [], config: req.config, size: 0,
    layers: req.config.rootfs.diff_ids.map((diffId) => ({ diffId, path: req.store.layerPath(diffId) })),
  };
  const { record, store } = await createContainer({
    image: prepared.id, command: req.args, entrypoint: "", env: req.env, interactive: false, tty: false,
    volumes: req.mounts, tmpfs: [], readOnly: false, autoRemove: false, pull: "never",
    // The engine's own network modes: a bridge endpoint set up at launch and released by finish.
    network: { network: req.network, publish: [], publishAll: false, expose: [], aliases: [] },
    // Recognisable in `ps -a` should a killed build leave one behind (`rm` removes it).
    name: `build-${new Bun.CryptoHasher("sha256").update(crypto.getRandomValues(new Uint8Array(16))).digest("hex").slice(0, 12)}`,
  }, prepared);
  let pid: number | undefined;
  // Ctrl-C or a TERM ends the step: the container is killed (a shell as PID 1 would ignore SIGINT),
  // the step fails, and the container is removed below, so nothing is left half-built.
  let interrupted: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    interrupted = signal;
    if (pid === undefined) return;
    try { kill(pid, os.signals.SIGKILL); } catch { /* already gone */ }
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const launched = await launchContainer(store, record, { stdin: "ignore", stdout: "pipe", stderr: "pipe" }, {
      spawned: (proc) => { pid = proc.pid; },
    });
    const tail = { text: "" };
    await Promise.all([
      pump(launched.proc.stdout as ReadableStream<Uint8Array>, req.output, tail),
      pump(launched.proc.stderr as ReadableStream<Uint8Array>, req.output, tail),
      launched.proc.exited,
    ]);
    trace("build: RUN exited");
    const code = await finishContainer(store, record, launched.proc, launched.cgroup);
    trace("build: RUN finished");
    if (interrupted !== undefined) throw new BuildError(`interrupted by ${interrupted}`);
    if (code !== 0) throw new RunFailedError(req.args.join(" "), code, tail.text.trimEnd());
    const layer = await collectUpper(store, record, req.collect);
    trace("build: RUN layer stored");
    return layer;
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    store.remove(record);
  }
}

/**
 * The container's upper dir as layer entries, with the conversion `minibox commit` uses (files area:
 * read through fds, whiteouts → `.wh.` files, opaque dirs → `.wh..wh..opq`), leaving out the mount
 * points the init created for /proc, /etc/hosts, … when the image did not have them.
 */
async function collectUpper<T>(store: ContainerStore, record: ContainerRecord, collect: (entries: AsyncIterable<TarWriteEntry>) => Promise<T>): Promise<T> {
  const [{ containerLayers }, { lowerStat, openBeneath }, { walkTree }, { AT, O, openat, fdPath }, { closeFd }] = await Promise.all([
    import("../../files/container-root.ts"), import("../../files/lower-layers.ts"), import("../../files/walk.ts"),
    import("../../sys/at.ts"), import("../../sys/fs.ts"),
  ]);
  const dirs = containerLayers(store, record);
  const upper = openat(AT.FDCWD, dirs.upperdir, O.PATH | O.DIRECTORY | O.CLOEXEC);
  const layers: number[] = [];
  try {
    for (const d of dirs.lowerdirs) layers.push(openat(AT.FDCWD, d, O.PATH | O.DIRECTORY | O.CLOEXEC));
    // Mount points the image did not have, and the directories made only to hold them (BuildKit's
    // "mount stubs"), are the engine's, not the RUN's.
    const created = new Set(dirs.mountPoints.filter((m) => !lowerStat(layers, m)));
    const stubs = mountStubs(upper, created, (p) => lowerStat(layers, p) !== undefined, { openBeneath, O, fdPath, openat, closeFd });
    return await collect(walkTree(upper, "", { overlayWhiteouts: true, skip: (name) => created.has(name) || stubs.has(name) }));
  } finally {
    closeFd(upper);
    for (const l of layers) closeFd(l);
  }
}

interface StubFs {
  openBeneath: typeof import("../../files/lower-layers.ts").openBeneath;
  O: typeof import("../../sys/at.ts").O;
  fdPath: typeof import("../../sys/at.ts").fdPath;
  openat: typeof import("../../sys/at.ts").openat;
  closeFd: typeof import("../../sys/fs.ts").closeFd;
}

/**
 * Parents of `created` mount points that the image lacks and whose only entries in the upper dir are
 * such mount points or other stubs. Read through fds opened beneath the upper dir without following
 * links (the RUN could have put a link there): anything unexpected just means "not a stub".
 */
function mountStubs(upper: number, created: ReadonlySet<string>, inImage: (path: string) => boolean, fs: StubFs): Set<string> {
  const { openBeneath, O, fdPath, openat, closeFd } = fs;
  const stubs = new Set<string>();
  const children = (path: string): string[] | undefined => {
    const fd = openBeneath(upper, path);
    if (fd === undefined) return undefined;
    try {
      const dir = openat(fd, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC);
      try {
        return readdirSync(fdPath(dir));
      } finally {
        closeFd(dir);
      }
    } catch (e) {
      if ((e as { code?: string }).code === "ENOTDIR") return undefined;
      throw e;
    } finally {
      closeFd(fd);
    }
  };
  // Deepest first, so that a parent sees its stub children already decided.
  const candidates = new Set<string>();
  for (const m of created) {
    const parts = m.split("/");
    for (let i = parts.length - 1; i >= 1; i--) candidates.add(parts.slice(0, i).join("/"));
  }
  for (const dir of [...candidates].sort((a, b) => b.split("/").length - a.split("/").length)) {
    if (inImage(dir)) continue;
    const names = children(dir);
    if (names !== undefined && names.every((n) => created.has(`${dir}/${n}`) || stubs.has(`${dir}/${n}`))) stubs.add(dir);
  }
  return stubs;
}
