import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { humanSize } from "./human-format.ts";
import { UserError } from "../errors.ts";
import { parsePruneFilters } from "../prune/filter.ts";
import { confirmOnTerminal } from "./confirm.ts";
import type { PruneResult } from "../image/prune.ts";

const args = {
  all: { type: "boolean", alias: "a", description: "Remove all unused images, not just dangling ones" },
  force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation" },
  filter: { type: "string", description: "Provide filter values (e.g. 'until=<timestamp>', 'label=KEY[=VALUE]', 'label!=KEY') (repeatable)" },
} as const;

/** Docker's "Deleted Images:" block (untagged, then deleted lines), or "" when nothing went. */
export function deletedImagesText(result: PruneResult): string {
  if (!result.deletedImages.length && !result.deletedLayers.length) return "";
  const lines = [...result.untagged.map((t) => `untagged: ${t}`), ...result.deletedImages.map((id) => `deleted: ${id}`), ...result.deletedLayers.map((id) => `deleted: ${id}`)];
  return `Deleted Images:\n${lines.join("\n")}\n`;
}

export default defineCommand({
  meta: { name: "prune", description: "Remove unused images (untagged ones; every unused one with -a)" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"image prune" accepts no arguments`, 1);
    const filter = parsePruneFilters((v.filter as string[] | undefined) ?? []);
    const all = v.all === true;
    const warning = all ? "WARNING! This will remove all images without at least one container associated to them." : "WARNING! This will remove all dangling images.";
    if (!confirmOnTerminal(warning, v.force === true)) return 0;
    const { pruneImages } = await import("../image/prune.ts");
    const { ImageStore } = await import("../image/store.ts");
    const result = await pruneImages(new ImageStore(), { all, filter });
    for (const b of result.skipped) out.warn(`skipped damaged image ${b.id.slice(7, 19)} (${b.problem}); 'minibox rmi -f' or 'minibox system check --repair' removes it`);
    const text = deletedImagesText(result);
    if (text) out.log(text);
    out.log(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    return 0;
  },
});
