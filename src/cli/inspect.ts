import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { findContainer, NoSuchContainerError } from "../container/lookup.ts";
import { inspectContainer } from "../container/inspect.ts";
import { withDockerDefaults } from "../container/inspect-defaults.ts";
import { out, writeStdout } from "./output.ts";
import { formatEach, hasFormat, parseFormat } from "../format/docker-format.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";

const args = {
  type: { type: "string", description: "Only look for: container, image, network or volume" },
  format: { type: "string", alias: "f", description: "Format output: json (default), or a Go template such as '{{.State.Pid}}'" },
  size: { type: "boolean", alias: "s", description: "Display total file sizes if the type is container (SizeRw, SizeRootFs)" },
} as const;

const TYPES = ["container", "image", "network", "volume"] as const;
type ObjectType = (typeof TYPES)[number];

/** One object kind: undefined when it has no object of that name (so the next kind is tried). */
type Finder = (ref: string) => Promise<unknown | undefined>;

function containerFinder(store: ContainerStore, size: boolean): Finder {
  return async (ref) => {
    let record: ContainerRecord;
    try {
      record = findContainer(store, ref);
    } catch (e) {
      if (e instanceof NoSuchContainerError) return undefined;
      throw e;
    }
    const shown = withDockerDefaults(inspectContainer(store, record), store.dir(record.id));
    if (!size) return shown;
    // Docker's -s: the writable layer, and it plus the image's layers.
    const [{ writableLayerSize }, { ImageStore, ImageNotFoundError }] = await Promise.all([import("../container/rw-size.ts"), import("../image/store.ts")]);
    const rw = writableLayerSize(store, record);
    let imageSize = 0;
    try {
      imageSize = (await new ImageStore().resolve(record.image)).size;
    } catch (e) {
      if (!(e instanceof ImageNotFoundError)) throw e; // removed with rmi -f: only the container's own bytes
    }
    return { ...shown, SizeRw: rw, SizeRootFs: rw + imageSize };
  };
}

const imageFinder: Finder = async (ref) => {
  const [{ inspectImage }, { ImageNotFoundError }] = await Promise.all([import("../image/inspect.ts"), import("../image/store.ts")]);
  try {
    return await inspectImage(ref);
  } catch (e) {
    if (e instanceof ImageNotFoundError) return undefined;
    throw e;
  }
};

const networkFinder: Finder = async (ref) => {
  const [{ NetworkStore }, { inspectNetwork, listNetworks }] = await Promise.all([import("../network/store.ts"), import("../network/manage.ts")]);
  const ns = new NetworkStore(storeRoot());
  const known = listNetworks(ns).some((n) => n.name === ref || n.id.startsWith(ref));
  return known ? inspectNetwork(ns, ref) : undefined;
};

const volumeFinder: Finder = async (ref) => {
  const [{ VolumeStore }, { inspectVolume }] = await Promise.all([import("../volume/store.ts"), import("../volume/ops.ts")]);
  return new VolumeStore(storeRoot()).exists(ref) ? inspectVolume(storeRoot(), ref) : undefined;
};

const MISSING: Record<ObjectType, string> = { container: "No such container", image: "No such image", network: "No such network", volume: "No such volume" };

// Containers first, then images, networks and volumes, as Docker's top-level inspect looks them up.
export default defineCommand({
  meta: { name: "inspect", description: "Return low-level information on containers, images, networks or volumes" },
  args,
  async run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length === 0) throw new UserError('"inspect" requires at least 1 argument');
    const type = values.type as string | undefined;
    if (type !== undefined && !(TYPES as readonly string[]).includes(type)) throw new UserError(`"${type}" is not a valid value for --type`, 1);
    // compat: a bad template fails before any lookup, as Docker's does
    const format = values.format as string | undefined;
    const template = hasFormat(format) && format !== "json" ? parseFormat(format) : undefined;
    const finders: Record<ObjectType, Finder> = {
      container: containerFinder(containerStore(), values.size === true), image: imageFinder, network: networkFinder, volume: volumeFinder,
    };
    const order: readonly ObjectType[] = type ? [type as ObjectType] : TYPES;
    const results: unknown[] = [];
    let failed = false;
    for (const ref of positionals) {
      try {
        let found: unknown;
        for (const kind of order) if ((found = await finders[kind](ref)) !== undefined) break;
        if (found === undefined) throw new UserError(`${type ? MISSING[type as ObjectType] : "No such object"}: ${ref}`, 1);
        results.push(found);
      } catch (e) {
        out.error(e instanceof Error ? e.message : String(e));
        failed = true;
      }
    }
    if (template) writeStdout(formatEach(template, results));
    else out.log(JSON.stringify(results, null, 4));
    return failed ? 1 : 0;
  },
});
