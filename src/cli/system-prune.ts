import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { humanSize } from "./human-format.ts";
import { UserError } from "../errors.ts";
import { parsePruneFilters, pruneFilterMatches } from "../prune/filter.ts";
import { confirm } from "./confirm.ts";
import { containerStore } from "./each-container.ts";
import { storeRoot } from "../image/store.ts";

const args = {
  all: { type: "boolean", alias: "a", description: "Remove all unused images not just dangling ones" },
  force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation" },
  volumes: { type: "boolean", description: "Prune anonymous volumes" },
  filter: { type: "string", description: "Provide filter values (e.g. 'label=<key>=<value>', 'until=<timestamp>') (repeatable)" },
} as const;

function warning(all: boolean, volumes: boolean): string {
  return [
    "WARNING! This will remove:",
    "  - all stopped containers",
    "  - all networks not used by at least one container",
    ...(volumes ? ["  - all anonymous volumes not used by at least one container"] : []),
    all ? "  - all images without at least one container associated to them" : "  - all dangling images",
    all ? "  - all build cache" : "  - all dangling build cache",
    "",
  ].join("\n");
}

// Docker's order and words: containers, networks, volumes, images, build cache, then the total.
export default defineCommand({
  meta: { name: "prune", description: "Remove unused data: stopped containers, unused networks, dangling (-a: unused) images, build cache (--volumes: anonymous volumes)" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"system prune" accepts no arguments`, 1);
    const specs = (v.filter as string[] | undefined) ?? [];
    const filter = parsePruneFilters(specs);
    const all = v.all === true, volumes = v.volumes === true;
    if (!confirm(warning(all, volumes), v.force === true)) return 0;
    const root = storeRoot();
    let reclaimed = 0;

    const { pruneStoppedContainers } = await import("../container/prune.ts");
    const containers = await pruneStoppedContainers(containerStore(), filter);
    reclaimed += containers.reclaimed;
    if (containers.removed.length) out.log(`Deleted Containers:\n${containers.removed.join("\n")}\n`);

    const [{ NetworkStore }, { pruneNetworks }] = await Promise.all([import("../network/store.ts"), import("../network/manage.ts")]);
    const networks = pruneNetworks(new NetworkStore(root), (n) => pruneFilterMatches(filter, n.created, n.labels));
    if (networks.length) out.log(`Deleted Networks:\n${networks.join("\n")}\n`);

    if (volumes) {
      const { pruneVolumes } = await import("../volume/ops.ts");
      // Docker: volumes take the label filters only (until= does not apply to them).
      const labelsOnly = { labels: filter.labels };
      const result = pruneVolumes(root, false, (vol) => pruneFilterMatches(labelsOnly, vol.CreatedAt, vol.Labels));
      reclaimed += result.reclaimed;
      if (result.removed.length) out.log(`Deleted Volumes:\n${result.removed.join("\n")}\n`);
    }

    const [{ pruneImages }, { ImageStore }, { deletedImagesText }] = await Promise.all([import("../image/prune.ts"), import("../image/store.ts"), import("./image-prune.ts")]);
    const images = await pruneImages(new ImageStore(root), { all, filter });
    reclaimed += images.reclaimed;
    const text = deletedImagesText(images);
    if (text) out.log(text);

    const { pruneBuildCache } = await import("../build/prune.ts");
    const cache = pruneBuildCache(new ImageStore(root));
    reclaimed += cache.reclaimed;
    if (cache.deletedLayers.length) out.log(`Deleted build cache objects:\n${cache.deletedLayers.join("\n")}\n`);

    out.log(`Total reclaimed space: ${humanSize(reclaimed)}`);
    return 0;
  },
});
