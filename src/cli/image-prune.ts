import { defineCommand } from "citty";
import { out } from "./output.ts";
import { humanSize } from "./human-format.ts";

export default defineCommand({
  meta: { name: "prune", description: "Remove untagged images and unreferenced layers" },
  args: {
    force: { type: "boolean", alias: "f", description: "Do not prompt (minibox never prompts; accepted for Docker compatibility)" },
  },
  async run() {
    const { pruneImages } = await import("../image/prune.ts");
    const { ImageStore } = await import("../image/store.ts");
    const result = await pruneImages(new ImageStore());
    for (const b of result.skipped) out.warn(`skipped damaged image ${b.id.slice(7, 19)} (${b.problem}); 'minibox rmi -f' or 'minibox system check --repair' removes it`);
    if (result.deletedImages.length || result.deletedLayers.length) {
      out.log("Deleted Images:");
      for (const id of result.deletedImages) out.log(`deleted: ${id}`);
      for (const id of result.deletedLayers) out.log(`deleted: ${id}`);
      out.log("");
    }
    out.log(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    return 0;
  },
});
